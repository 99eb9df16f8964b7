// Compiles a field mapping into the key tree the line parser walks.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
    /// The statements that put a request on the Mantle route, as bytes.
    private let mantleStatements: [[UInt8]]
    /// Text values besides `""` that mean absent (none for the router: its hot path checks one Bool).
    let absentValues: [[UInt8]]
    let hasAbsentValues: Bool
    let timestampUnit: FieldMapping.TimestampUnit
    let latencyScale: Double
    let arnNameFields: [CanonicalField]
    let derived: [(field: CanonicalField, from: CanonicalField)]
    let copied: [(field: CanonicalField, from: CanonicalField)]
    /// The mapping's `record` field: its lines are table rows (whole records, typed strictly).
    let recordField: CanonicalField?
    let isRecord: Bool
    /// For a record mapping: per entry, the bit of the top-level column it is (0: none), and per `recognize`
    /// alternative (a table), the bits of the columns it names.
    private(set) var columnBits: [UInt64] = []
    private(set) var tableMasks: [UInt64] = []

    init(_ mapping: FieldMapping) {
        source = mapping
        mantleStatements = mapping.mantleStatements.map { Array($0.utf8) }
        absentValues = mapping.absent.filter { !$0.isEmpty }.map { Array($0.utf8) }
        hasAbsentValues = !absentValues.isEmpty
        timestampUnit = mapping.timestampUnit
        latencyScale = mapping.latencyScale
        arnNameFields = mapping.arnNameFields
        derived = mapping.derived
        copied = mapping.copied
        recordField = mapping.recordField
        isRecord = mapping.recordField != nil
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
        if mapping.recordField != nil {
            var names: [[UInt8]] = []
            for alternative in mapping.recognize {
                var mask: UInt64 = 0
                for c in alternative where c.path.count == 1 {
                    let bytes = Array(c.path[0].utf8)
                    var bit = names.firstIndex(of: bytes)
                    if bit == nil, names.count < 64 {
                        names.append(bytes)
                        bit = names.count - 1
                    }
                    guard let bit else { continue }
                    mask |= 1 << UInt64(bit)
                    if !children[0].contains(where: { entries[$0].key == bytes }) {
                        entries.append(Entry(key: bytes))
                        children[0].append(entries.count - 1)
                    }
                }
                tableMasks.append(mask)
            }
            // Only top-level entries are columns.
            columnBits = entries.indices.map { i in
                guard children[0].contains(i), let bit = names.firstIndex(of: entries[i].key) else { return 0 }
                return 1 << UInt64(bit)
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
        let h =
            UInt32(truncatingIfNeeded: n) &* 0x9E37_79B1 ^ UInt32(p[0]) &* 0x85EB_CA77 ^ UInt32(p[n - 1]) &* 0xC2B2_AE3D
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
            let matches = entries[e].key.withUnsafeBufferPointer { k in
                k.count == n && memcmp(k.baseAddress!, p, n) == 0
            }
            if matches { return e }
            i = (i + 1) & mask
        }
    }

    /// A table row's table: the first `recognize` alternative whose columns are all among the row's (null or
    /// not), or -1. One walk over the row's top-level keys, apart from the parse: the router's parse does not
    /// pay for it.
    func table(of message: UnsafeRawBufferPointer) -> Int {
        guard let base = message.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return -1 }
        let v = JSONBytes(base: base, end: message.count)
        let start = v.skipSpace(0)
        var columns: UInt64 = 0
        _ = v.forEachMemberEnd(start) { ks, ke, _, _ in
            let e = find(0, v.base + ks, ke - ks)
            if e >= 0 { columns |= columnBits[e] }
        }
        return tableMasks.firstIndex { $0 != 0 && $0 & columns == $0 } ?? -1
    }

    /// True when `s` is one of the mapping's values that mean absent.
    func isAbsent(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        absentValues.contains { a in a.count == s.count && (s.count == 0 || memcmp(a, s.baseAddress!, a.count) == 0) }
    }

    /// True when a line's statement puts its request on the Mantle route (the mapping's `routes.mantle`, SPEC §3).
    func isMantleStatement(_ s: UnsafeBufferPointer<UInt8>) -> Bool {
        mantleStatements.contains { m in m.count == s.count && memcmp(m, s.baseAddress!, m.count) == 0 }
    }
}
