// Integer division of billed money among shares: largest remainder on micro-dollars, so a split adds up
// to what it splits exactly (the bill's cent, and its micro-dollar).

enum LargestRemainder {
    /// Divides `micros` among `weights` (non-negative, not all zero) in proportion: each share is the floor of
    /// its exact quota, and the micro-dollars left go one each to the largest remainders, ties to the
    /// earlier weight. The shares add up to `micros` exactly. A negative amount is split as its opposite.
    static func split(_ micros: Int64, weights: [Int64]) -> [Int64] {
        let total = weights.reduce(0, +)
        guard total > 0 else { return weights.map { _ in 0 } }
        let sign: Int64 = micros < 0 ? -1 : 1
        let amount = micros.magnitude
        var shares: [Int64] = []
        var remainders: [(remainder: UInt64, index: Int)] = []
        var given: UInt64 = 0
        for (i, w) in weights.enumerated() {
            let product = amount.multipliedFullWidth(by: UInt64(w))
            let (q, r) = UInt64(total).dividingFullWidth(product)
            shares.append(Int64(q))
            given += q
            remainders.append((r, i))
        }
        let left = Int(amount - given)
        remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }
        for k in 0..<left { shares[remainders[k].index] += 1 }
        return shares.map { $0 * sign }
    }
}
