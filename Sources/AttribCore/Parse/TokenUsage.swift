// The four token counts attrib stores and prices per request (SPEC §2 token semantics).

/// Input (uncached), output, cache read and cache write tokens: one value, so no layer writes the
/// quadruple out by hand.
public struct TokenUsage: Sendable, Equatable, Hashable {
    public var input: Int64
    public var output: Int64
    public var cacheRead: Int64
    public var cacheWrite: Int64

    public init(input: Int64 = 0, output: Int64 = 0, cacheRead: Int64 = 0, cacheWrite: Int64 = 0) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
    }

    public static let zero = TokenUsage()

    public var total: Int64 { input + output + cacheRead + cacheWrite }

    public static func += (a: inout TokenUsage, b: TokenUsage) {
        a.input += b.input
        a.output += b.output
        a.cacheRead += b.cacheRead
        a.cacheWrite += b.cacheWrite
    }
}
