// Picks the mapping that reads a file: the first mapping whose `recognize` rule holds for the file's first
// JSON message, else the default (the router's). Runs once per file, so it may be plain rather than fast.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The mappings an ingest reads with: one forced for every file (`--mapping`), or each file's recognised
/// from its content among `candidates`, else `fallback`.
public struct MappingChoice: Sendable {
    public var forced: FieldMapping?
    public var candidates: [FieldMapping]
    public var fallback: FieldMapping

    /// Every built-in mapping that has a `recognize` rule, in file-name order; the router's otherwise.
    public static let builtIn = MappingChoice(
        forced: nil, candidates: FieldMapping.builtIns.filter { !$0.recognize.isEmpty }, fallback: .router)

    /// Every file read with `mapping`.
    public static func forced(_ mapping: FieldMapping) -> MappingChoice {
        MappingChoice(forced: mapping, candidates: [], fallback: mapping)
    }

    /// Every mapping this choice may read with: the fallback first.
    var all: [FieldMapping] { [fallback] + candidates }
}

enum MappingRecognizer {
    /// The index in `candidates` of the first mapping that recognises `message` (a JSON object), or nil.
    /// `isJSON` is false when the message is not a JSON object (the next message may be).
    static func recognize(_ message: UnsafeRawBufferPointer, _ candidates: [FieldMapping]) -> (
        index: Int?, isJSON: Bool
    ) {
        guard let base = message.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return (nil, false) }
        let v = JSONBytes(base: base, end: message.count)
        let start = v.skipSpace(0)
        guard start < v.end, v[start] == 0x7B else { return (nil, false) }
        let scratch = ByteBuffer()
        for (i, m) in candidates.enumerated() {
            for alternative in m.recognize
            where alternative.allSatisfy({ holds($0, v, start, scratch) }) {
                return (i, true)
            }
        }
        return (nil, true)
    }

    /// True when the value at the condition's path is present and, if asked, equals its value.
    static func holds(
        _ c: FieldMapping.RecognizeCondition, _ v: JSONBytes, _ object: Int, _ scratch: ByteBuffer
    ) -> Bool {
        var at = object
        for (depth, key) in c.path.enumerated() {
            guard at < v.end, v[at] == 0x7B else { return false }
            let wanted = Array(key.utf8)
            var found: (Int, Int)?
            _ = v.forEachMemberEnd(at) { ks, ke, vs, ve in
                guard found == nil, ke - ks == wanted.count,
                    wanted.withUnsafeBufferPointer({ memcmp($0.baseAddress!, v.base + ks, wanted.count) == 0 })
                else { return }
                found = (vs, ve)
            }
            guard let (vs, ve) = found else { return false }
            if depth < c.path.count - 1 {
                at = vs
                continue
            }
            if v[vs] == 0x6E { return false }  // null: absent
            guard let equals = c.equals else { return true }
            switch equals {
            case .bool(let b): return b ? v.equals(vs, ve, "true") : v.equals(vs, ve, "false")
            case .number(let n): return parseDouble(v.base, vs, ve) == n
            case .string(let s):
                guard v[vs] == 0x22 else { return false }
                scratch.removeAll()
                guard v.readString(vs, into: scratch) != nil else { return false }
                let b = scratch.slice(0, scratch.count)
                return Array(b) == Array(s.utf8)
            }
        }
        return false
    }
}
