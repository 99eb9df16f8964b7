// The canonical fields of one parsed message, and the four stored token counts (SPEC §2).

/// The canonical fields of one message. Reused from line to line: no allocation once warm.
public final class ParsedLine {
    /// True when the message is a JSON object.
    public internal(set) var isJSON = false
    private(set) var present: UInt64 = 0
    private var ranks = [Int](repeating: .max, count: CanonicalField.allCases.count)
    /// String values (decoded UTF-8), back to back in one buffer; per field, where its value starts and
    /// its length (valid until the next parse: no allocation per value).
    let arena = ByteBuffer(capacity: 4096)
    private var textStart = [Int](repeating: 0, count: CanonicalField.allCases.count)
    private var textLength = [Int](repeating: 0, count: CanonicalField.allCases.count)
    /// Integer values (tokens, status, latency), indexed by field.
    var integers = [Int64](repeating: 0, count: CanonicalField.allCases.count)
    public internal(set) var loggedCost: Double?
    /// Epoch ms of the message's own timestamp field, when it has a valid one.
    public internal(set) var ownTimestamp: Int64?
    /// Set when a field holds a value that cannot be right (a negative token count, say).
    public internal(set) var invalid: String?

    public init() {}

    func reset() {
        isJSON = false
        present = 0
        for i in 0..<ranks.count { ranks[i] = .max }
        loggedCost = nil
        ownTimestamp = nil
        invalid = nil
        arena.removeAll()
    }

    /// The value of `f` is the arena's bytes from `start` to its end.
    func setText(_ f: CanonicalField, from start: Int) {
        textStart[f.rawValue] = start
        textLength[f.rawValue] = arena.count - start
    }

    /// Keeps `count` bytes of `f`'s value from `offset` within it (a value rule such as `arn-name`).
    func narrowText(_ f: CanonicalField, offset: Int, count: Int) {
        textStart[f.rawValue] += offset
        textLength[f.rawValue] = count
    }

    /// Sets `f` to `bytes` (a value derived from another field's), whatever its paths gave.
    func setDerived(_ f: CanonicalField, _ bytes: [UInt8]) {
        let start = arena.count
        bytes.withUnsafeBufferPointer { arena.append($0.baseAddress!, $0.count) }
        present |= 1 << UInt64(f.rawValue)
        setText(f, from: start)
    }

    @inline(__always) public func has(_ f: CanonicalField) -> Bool { present & (1 << UInt64(f.rawValue)) != 0 }

    /// A non-empty string value (an empty string means absent, SPEC §2).
    public func string(_ f: CanonicalField) -> String? {
        bytes(f).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A non-empty string value's bytes, valid until the next parse.
    @inline(__always) func bytes(_ f: CanonicalField) -> UnsafeBufferPointer<UInt8>? {
        has(f) && textLength[f.rawValue] > 0 ? arena.slice(textStart[f.rawValue], textLength[f.rawValue]) : nil
    }

    public func integer(_ f: CanonicalField) -> Int64? { has(f) ? integers[f.rawValue] : nil }

    /// True when the line reports token usage.
    public var isUsage: Bool {
        has(.inputTokens) || has(.outputTokens) || has(.promptTokens) || has(.completionTokens)
            || has(.cacheReadTokens) || has(.cacheWriteTokens)
    }

    /// The four stored counts (SPEC §2 token semantics): Anthropic-style fields are taken as they are;
    /// OpenAI-style `prompt_tokens` includes cached tokens, which are split out as cache reads.
    public var usage: (input: Int64, output: Int64, cacheRead: Int64, cacheWrite: Int64) {
        if has(.inputTokens) || has(.cacheReadTokens) || has(.cacheWriteTokens)
            || (has(.outputTokens) && !has(.promptTokens))
        {
            return (
                integer(.inputTokens) ?? 0, integer(.outputTokens) ?? integer(.completionTokens) ?? 0,
                integer(.cacheReadTokens) ?? 0, integer(.cacheWriteTokens) ?? 0
            )
        }
        let prompt = integer(.promptTokens) ?? 0
        let cached = min(integer(.cachedTokens) ?? 0, prompt)
        return (prompt - cached, integer(.completionTokens) ?? integer(.outputTokens) ?? 0, cached, 0)
    }

    func claim(_ f: CanonicalField, rank: Int) -> Bool {
        if rank >= ranks[f.rawValue] { return false }
        ranks[f.rawValue] = rank
        present |= 1 << UInt64(f.rawValue)
        return true
    }

    func drop(_ f: CanonicalField) {
        present &= ~(1 << UInt64(f.rawValue))
    }
}
