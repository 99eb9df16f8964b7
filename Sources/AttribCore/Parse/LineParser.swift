// Extracts the canonical fields of one log message through a field mapping (data, not code).

/// The fields attrib understands, whatever a gateway calls them.
public enum CanonicalField: Int, CaseIterable, Sendable {
    case requestId, statement, timestamp
    case userEmail, userSub, authSource, userId, apiKeyId, project
    case modelId
    case inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens
    case promptTokens, completionTokens, cachedTokens
    case status, latencyMs, method, path, userAgent
    case loggedCost

    var isTokenCount: Bool {
        switch self {
        case .inputTokens, .outputTokens, .cacheReadTokens, .cacheWriteTokens, .promptTokens,
            .completionTokens, .cachedTokens:
            return true
        default: return false
        }
    }

    var isInteger: Bool { isTokenCount || self == .status || self == .latencyMs }

    /// Taken as text (not a number, time or cost).
    var isText: Bool { !isInteger && self != .timestamp && self != .loggedCost }
}

/// For each canonical field, the JSON paths that may carry it, in order of preference.
public struct FieldMapping: Sendable {
    public var name: String
    public var paths: [(CanonicalField, [[String]])]

    /// The router's schema (SPEC §2), with the other gateways' common names as fallbacks.
    public static let router = FieldMapping(
        name: "router",
        paths: [
            (.requestId, [["request_id"], ["requestId"], ["correlation_id"]]),
            (.statement, [["message"], ["msg"], ["event"]]),
            (.timestamp, [["timestamp"], ["time"], ["@timestamp"]]),
            (.userEmail, [["user_email"]]),
            (.userSub, [["user_sub"]]),
            (.authSource, [["auth_source"]]),
            (.userId, [["user_id"]]),
            (.apiKeyId, [["api_key_id"]]),
            (.project, [["project_id"], ["api_key_project_id"]]),
            (.modelId, [["modelId"], ["model"], ["model_id"]]),
            (.inputTokens, [["input_tokens"], ["usage", "input_tokens"]]),
            (.outputTokens, [["output_tokens"], ["usage", "output_tokens"]]),
            (.cacheReadTokens, [["cache_read_input_tokens"], ["usage", "cache_read_input_tokens"]]),
            (.cacheWriteTokens, [["cache_creation_input_tokens"], ["usage", "cache_creation_input_tokens"]]),
            (.promptTokens, [["prompt_tokens"], ["usage", "prompt_tokens"]]),
            (.completionTokens, [["completion_tokens"], ["usage", "completion_tokens"]]),
            (.cachedTokens, [["prompt_tokens_details", "cached_tokens"], ["usage", "prompt_tokens_details", "cached_tokens"]]),
            (.status, [["status"], ["status_code"]]),
            (.latencyMs, [["duration_ms"], ["latency_ms"]]),
            (.method, [["method"]]),
            (.path, [["path"]]),
            (.userAgent, [["user_agent"]]),
            (.loggedCost, [["cost"], ["cost_usd"]]),
        ])
}

/// A mapping compiled into a key tree, so a message is walked once and each key looked up once: each
/// level is a small open-addressing table over the keys' bytes. (It was a list of child objects compared
/// one by one: ~40 keys at the top level, and reference counting per step; parsing took 19% of ingest.)
final class CompiledMapping: @unchecked Sendable {
    struct Entry {
        var key: [UInt8]
        /// The field this key carries at this depth, with its preference (lower wins).
        var field: CanonicalField?
        var rank = 0
        /// The level of the keys under this one (nested objects), or -1.
        var child = -1
    }

    /// Per level: a table of entry indices (-1 empty), its mask.
    private(set) var levels: [(table: [Int32], mask: Int)] = []
    private(set) var entries: [Entry] = []
    let source: FieldMapping

    init(_ mapping: FieldMapping) {
        source = mapping
        // Build a tree of entries first, then a table per level.
        var children: [[Int]] = [[]]  // level -> entry indices
        for (field, paths) in mapping.paths {
            for (rank, path) in paths.enumerated() {
                var level = 0
                for (depth, component) in path.enumerated() {
                    let bytes = Array(component.utf8)
                    var index = children[level].first { entries[$0].key == bytes }
                    if index == nil {
                        entries.append(Entry(key: bytes))
                        index = entries.count - 1
                        children[level].append(index!)
                    }
                    let e = index!
                    if depth == path.count - 1 {
                        if entries[e].field == nil {
                            entries[e].field = field
                            entries[e].rank = rank
                        }
                    } else {
                        if entries[e].child < 0 {
                            children.append([])
                            entries[e].child = children.count - 1
                        }
                        level = entries[e].child
                    }
                }
            }
        }
        for members in children {
            var size = 8
            while size < members.count * 4 { size <<= 1 }
            var table = [Int32](repeating: -1, count: size)
            for e in members {
                let key = entries[e].key
                var i = key.withUnsafeBufferPointer { Self.slot($0.baseAddress!, $0.count) } & (size - 1)
                while table[i] >= 0 { i = (i + 1) & (size - 1) }
                table[i] = Int32(e)
            }
            levels.append((table, size - 1))
        }
        targets = entries.map { ($0.field, $0.rank, $0.child) }
    }

    /// Each entry's field, rank and child level, without its key (no reference to count on the hot path).
    private(set) var targets: [(CanonicalField?, Int, Int)] = []

    /// A cheap hash of a key: its length and three of its bytes.
    @inline(__always) static func slot(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        guard n > 0 else { return 0 }
        let h = UInt32(truncatingIfNeeded: n) &* 0x9E37_79B1 ^ UInt32(p[0]) &* 0x85EB_CA77 ^ UInt32(p[n - 1]) &* 0xC2B2_AE3D
            ^ UInt32(p[n >> 1]) &* 0x27D4_EB2F
        return Int(h ^ (h >> 15))
    }

    /// The entry for the key at `p` (n bytes) on `level`, or -1.
    @inline(__always) func find(_ level: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Int {
        let (table, mask) = levels[level]
        var i = Self.slot(p, n) & mask
        while true {
            let e = Int(table[i])
            if e < 0 { return -1 }
            let matches = entries[e].key.withUnsafeBufferPointer { k in k.count == n && memcmp(k.baseAddress!, p, n) == 0 }
            if matches { return e }
            i = (i + 1) & mask
        }
    }
}

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
        if has(.inputTokens) || has(.cacheReadTokens) || has(.cacheWriteTokens) || (has(.outputTokens) && !has(.promptTokens)) {
            return (integer(.inputTokens) ?? 0, integer(.outputTokens) ?? integer(.completionTokens) ?? 0,
                    integer(.cacheReadTokens) ?? 0, integer(.cacheWriteTokens) ?? 0)
        }
        let prompt = integer(.promptTokens) ?? 0
        let cached = min(integer(.cachedTokens) ?? 0, prompt)
        return (prompt - cached, integer(.completionTokens) ?? integer(.outputTokens) ?? 0, cached, 0)
    }

    fileprivate func claim(_ f: CanonicalField, rank: Int) -> Bool {
        if rank >= ranks[f.rawValue] { return false }
        ranks[f.rawValue] = rank
        present |= 1 << UInt64(f.rawValue)
        return true
    }

    fileprivate func drop(_ f: CanonicalField) {
        present &= ~(1 << UInt64(f.rawValue))
    }
}

/// Parses messages into `ParsedLine`s with one compiled mapping.
public final class LineParser {
    let mapping: CompiledMapping
    private let scratch = ByteBuffer()

    public init(mapping: FieldMapping = .router) {
        self.mapping = CompiledMapping(mapping)
    }

    /// Fills `line` from `message`. Plain text leaves `line.isJSON` false and no fields.
    public func parse(_ message: UnsafeRawBufferPointer, into line: ParsedLine) {
        line.reset()
        guard let base = message.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let v = JSONBytes(base: base, end: message.count)
        let start = v.skipSpace(0)
        guard start < v.end, v[start] == 0x7B else { return }
        // One pass: walking the members validates the object (each member's value is scanned whole).
        guard let stop = walk(v, start, 0, line), v.skipSpace(stop) == v.end else {
            line.reset()
            return
        }
        line.isJSON = true
    }

    /// Returns the index after the object, or nil when it is not valid JSON.
    private func walk(_ v: JSONBytes, _ object: Int, _ level: Int, _ line: ParsedLine) -> Int? {
        let mapping = self.mapping
        var e = -1  // the entry of the member at hand, found once by `take`
        return v.forEachMemberEnd(object, take: { ks, ke, vs in
            e = mapping.find(level, v.base + ks, ke - ks)
            // A string field's value is decoded straight away (one pass, not a scan and then a decode).
            guard e >= 0, v[vs] == 0x22, let field = mapping.targets[e].0, field.isText,
                line.claim(field, rank: mapping.targets[e].1) else { return nil }
            let start = line.arena.count
            if let end = v.readString(vs, into: line.arena) {
                line.setText(field, from: start)
                return end
            }
            line.drop(field)
            return nil
        }) { ks, ke, vs, ve in
            guard e >= 0 else { return }
            let (field, rank, child) = mapping.targets[e]
            if let field {
                take(field, rank: rank, v, vs, ve, line)
            }
            if child >= 0 && v[vs] == 0x7B {
                _ = walk(v, vs, child, line)
            }
        }
    }

    private func take(_ field: CanonicalField, rank: Int, _ v: JSONBytes, _ vs: Int, _ ve: Int, _ line: ParsedLine) {
        let c = v[vs]
        if c == 0x6E { return }  // null: absent
        if field == .timestamp {
            guard line.claim(field, rank: rank) else { return }
            if c == 0x22 {
                scratch.removeAll()
                if v.readString(vs, into: scratch) != nil, scratch.count > 0 {
                    line.ownTimestamp = parseISOTimestamp(scratch.base, 0, scratch.count)
                }
            } else if let d = parseDouble(v.base, vs, ve) {
                line.ownTimestamp = epochMillis(fromNumber: d)
            }
            return
        }
        if field == .loggedCost {
            var value: Double?
            if c == 0x22 {
                scratch.removeAll()
                if v.readString(vs, into: scratch) != nil {
                    value = parseDouble(scratch.base, 0, scratch.count)
                }
            } else {
                value = parseDouble(v.base, vs, ve)
            }
            if let value, value >= 0, line.claim(field, rank: rank) { line.loggedCost = value }
            return
        }
        if field.isInteger {
            // Numbers may arrive as strings ("123"), SPEC §2.
            var value: Int64?
            if c == 0x22 {
                scratch.removeAll()
                if v.readString(vs, into: scratch) != nil {
                    if scratch.count == 0 { return }
                    value = parseInteger(scratch.base, 0, scratch.count)
                }
            } else if c == 0x2D || (c >= 0x30 && c <= 0x39) {
                value = parseInteger(v.base, vs, ve)
            } else {
                return
            }
            guard line.claim(field, rank: rank) else { return }
            if let value, !(field.isTokenCount && value < 0) {
                line.integers[field.rawValue] = value
            } else {
                line.drop(field)
                if field.isTokenCount {
                    let key = String(decoding: UnsafeRawBufferPointer(start: v.base + vs, count: min(ve - vs, 40)), as: UTF8.self)
                    line.invalid = "invalid token count \(key)"
                }
            }
            return
        }
        // Text fields: a quoted value was decoded as the walk passed it (`walk`); numbers and booleans are
        // taken as their text (an id logged as a number).
        guard line.claim(field, rank: rank) else { return }
        let start = line.arena.count
        if c == 0x2D || (c >= 0x30 && c <= 0x39) || c == 0x74 || c == 0x66 {
            line.arena.append(v.base + vs, ve - vs)
            line.setText(field, from: start)
        } else {
            line.drop(field)
        }
    }
}

/// The router's statements that put a request on the Mantle route (SPEC §3).
func isMantleStatement(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
    mantleStatements.contains { m in m.count == s.count && memcmp(m, s.baseAddress!, m.count) == 0 }
}

private let mantleStatements = ["Forwarding to Bedrock Mantle", "Mantle streaming complete", "Mantle non-streaming response"].map { Array($0.utf8) }

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
