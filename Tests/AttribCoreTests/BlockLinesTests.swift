// A block's lines in its row (BlockLines.swift): the JSON is read back exactly, by attrib and by the
// `events` view in SQL; malformed text is an error, never a crash; an older store's line rows are moved
// into their blocks by the migration, with the same events.

import Foundation
import Testing

@testable import AttribCore

@Suite("A block's lines in the block's row")
struct BlockLinesTests {
    static func line(_ hash: Int64, _ ts: Int64?, _ request: Int64, _ small: (Int32, Int32, Int32, Int32), slot: Int)
        -> LineRow
    {
        LineRow(
            hash: hash, ts: ts, request: request, statement: small.0, flags: small.1, block: 0, slot: Int32(slot),
            stream: small.2, group: small.3)
    }

    static func stored(_ l: LineRow) -> StoredLine {
        StoredLine(
            key: l.hash, ts: l.ts, request: l.request, statement: l.statement, flags: l.flags, stream: l.stream,
            group: l.group)
    }

    /// Extremes and random values: every Int64 edge, nil times, zeros, every digit count.
    static func lines(count: Int, seed: UInt64) -> [LineRow] {
        var rng = SplitMix(seed: seed)
        let edges: [Int64] = [.min, .min + 1, -1, 1, 9, 10, 99, 100, .max - 1, .max, -10, -100, 1_772_323_200_505]
        return (0..<count).map { i in
            func pick() -> Int64 {
                switch rng.next() % 4 {
                case 0: return edges[Int(rng.next() % UInt64(edges.count))]
                case 1: return Int64(bitPattern: rng.next()) >> (rng.next() % 64)
                default: return Int64(bitPattern: rng.next())
                }
            }
            func small() -> Int32 { rng.next() % 3 == 0 ? 0 : Int32(truncatingIfNeeded: pick()) }
            return line(
                pick(), rng.next() % 5 == 0 ? nil : pick(), rng.next() % 6 == 0 ? 0 : pick(),
                (small(), small(), small(), small()), slot: i)
        }
    }

    @Test("What encode writes, decode reads back exactly, slot by slot")
    func roundTrip() throws {
        for (count, seed) in [(0, 1), (1, 2), (7, 3), (5_000, 4)] as [(Int, UInt64)] {
            let rows = Self.lines(count: count, seed: seed)
            let text = BlockLines.encode(rows[...])
            var back: [StoredLine] = []
            try text.withUnsafeBytes { t in
                try BlockLines.decode(t) { slot, l in
                    #expect(slot == back.count)
                    back.append(l)
                }
            }
            #expect(back == rows.map(Self.stored))
            // It is JSON: Foundation's parser reads the same numbers.
            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text)) as? [[Any]])
            #expect(parsed.count == rows.count)
            for (p, r) in zip(parsed, rows).prefix(200) {
                #expect((p[0] as? NSNumber)?.int64Value == r.hash)
                #expect(r.ts == nil ? p[1] is NSNull : (p[1] as? NSNumber)?.int64Value == r.ts)
            }
        }
    }

    @Test("The keys' quick scan gives decode's keys, and throws where decode throws")
    func keys() throws {
        var texts = [(0, 1), (1, 2), (7, 3), (5_000, 4)].map { BlockLines.encode(Self.lines(count: $0, seed: $1)[...]) }
        texts += [
            "[ [1,2,3,4,5,6,7] ]", "[[1,2,3,4,5,6,7]", "[[-9223372036854775808,2,3,4,5,6,7]]",
            "[[12345678901234567890,2,3,4,5,6,7]]", "[[1,2,3,4,5,6,7],[2,null,3,4,5,6,7]]", "[[1,2,3,4,5,6,7]x]",
            "[[1]]", "[]", "[[],[]]", "[[-,2,3,4,5,6,7]]",
        ].map { Array($0.utf8) }
        for text in texts {
            var decoded: [Int64] = []
            var scanned: [Int64] = []
            let label = String(decoding: text.prefix(60), as: UTF8.self)
            let decodeError = text.withUnsafeBytes { t in
                Result { try BlockLines.decode(t) { _, l in decoded.append(l.key) } }
            }
            let scanError = text.withUnsafeBytes { t in Result { try BlockLines.forEachKey(t) { scanned.append($0) } } }
            switch (decodeError, scanError) {
            case (.success, .success): #expect(scanned == decoded, "\(label)")
            case (.failure, .failure): #expect(scanned == decoded, "\(label)")
            default: Issue.record("decode and the scan disagree on \(label)")
            }
        }
    }

    @Test("Malformed text is an error, never a crash or a wrong line")
    func malformed() throws {
        let good = Array(BlockLines.encode(Self.lines(count: 3, seed: 9)[...]))
        var cases: [[UInt8]] = [
            [], Array("[".utf8), Array("[[1,2,3,4,5,6]]".utf8), Array("[[1,2,3,4,5,6,7,8]]".utf8),
            Array("[[1,2,3,4,5,6,7],]".utf8), Array("[[9223372036854775808,2,3,4,5,6,7]]".utf8),
            Array("[[-9223372036854775809,2,3,4,5,6,7]]".utf8), Array("[[1,nul,3,4,5,6,7]]".utf8),
            Array("[[1,2,3,4,5,6,7]]x".utf8), Array("[[-,2,3,4,5,6,7]]".utf8), Array("[[1.5,2,3,4,5,6,7]]".utf8),
        ]
        // Every cut of a good text but the whole.
        for n in 0..<good.count { cases.append(Array(good[..<n])) }
        for c in cases {
            #expect(throws: StoreError.self, "\(String(decoding: c, as: UTF8.self))") {
                try c.withUnsafeBytes { try BlockLines.decode($0) { _, _ in } }
            }
        }
        // Whitespace between tokens is read (JSON that another tool rewrote).
        var lines: [StoredLine] = []
        try Array(" [ [ 1 , null , 3 , 4 , 5 , 6 , 7 ] ] ".utf8).withUnsafeBytes {
            try BlockLines.decode($0) { _, l in lines.append(l) }
        }
        #expect(lines == [StoredLine(key: 1, ts: nil, request: 3, statement: 4, flags: 5, stream: 6, group: 7)])
    }

    @Test("The events view reads the lines as attrib wrote them: keys to the bit, null times, slots, flags")
    func eventsView() throws {
        let store = try Store(path: temporaryDirectory().appendingPathComponent("view.db").path)
        let rows = Self.lines(count: 300, seed: 11)
        try store.transaction {
            let s = try store.db.prepare("INSERT INTO block(id, events, data, lines) VALUES (7, ?, x'', ?)")
            s.bind(1, Int64(rows.count))
            s.bind(2, text: BlockLines.encode(rows[...]))
            try s.run()
        }
        let result = try store.query(
            "SELECT event_key, ts, block, slot, has_user_sub, has_user_email, has_auth_source, is_usage, is_json FROM events ORDER BY slot"
        )
        #expect(result.rows.count == rows.count)
        for (cells, r) in zip(result.rows, rows) {
            #expect(cells[0] == .int(r.hash))
            #expect(cells[1] == (r.ts.map { Cell.int($0) } ?? .text(nil)))
            #expect(cells[2] == .int(7))
            #expect(cells[3] == .int(Int64(r.slot)))
            let flags = Int64(r.flags)
            let bits = [LineFlag.userSub, LineFlag.userEmail, LineFlag.authSource, LineFlag.usage, LineFlag.json]
            #expect(Array(cells[4...]) == bits.map { .int(flags & $0 != 0 ? 1 : 0) })
        }
    }

    @Test("An older store's line rows move into their blocks: the same events, and show still finds a request's lines")
    func migrated() throws {
        let db = temporaryDirectory().appendingPathComponent("v1.db")
        try FileManager.default.copyItem(at: fixturesURL.appendingPathComponent("stores/schema-v1.db"), to: db)
        // The events as the old view shows them, before the store is opened (and migrated) by attrib.
        let columns =
            "event_key, ts, time, request_id, statement, has_user_sub, has_user_email, has_auth_source, is_usage, is_json, block, slot"
        func events(_ c: Connection) throws -> [[String]] {
            let s = try c.prepare("SELECT \(columns) FROM events ORDER BY event_key")
            var out: [[String]] = []
            while try s.step() { out.append((0..<s.columnCount).map { s.text($0) ?? "NULL" }) }
            return out
        }
        let before = try events(try Connection(path: db.path))
        #expect(before.count > 30)
        let store = try Store(path: db.path)
        #expect(try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'line'") == 0)
        #expect(try events(store.db) == before)
        #expect(try store.db.scalar("SELECT coalesce(sum(events), 0) FROM block") == Int64(before.count))
        // Every request's lines, by show, are the lines the old view gave it.
        let s = try store.db.prepare("SELECT request_id, count(*) FROM events WHERE request_id IS NOT NULL GROUP BY 1")
        var checked = 0
        while try s.step() {
            let id = try #require(s.text(0))
            let shown = try #require(try store.lines(ofRequest: id))
            #expect(shown.count == Int(s.int(1)))
            #expect(!shown.contains { $0.message == "(raw text unavailable)" })
            checked += 1
        }
        #expect(checked >= 5)
        // The recovery mark moved to blocks: a run finds nothing left to re-derive.
        #expect(try store.db.scalar("SELECT count(*) FROM meta WHERE key = 'lines_merged'") == 0)
        #expect(
            try store.db.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'blocks_merged'")
                == store.db.scalar("SELECT max(id) FROM block"))
    }

    @Test(
        "A block whose lines were damaged: ingest and attrib lines stop with one line naming the store and block, exit 1"
    )
    func damaged() throws {
        let db = temporaryDirectory().appendingPathComponent("damaged.db").path
        let exports = fixturesURL.appendingPathComponent("exports").path
        #expect(try attrib(["ingest", "--db", db, "--quiet", exports]).status == 0)
        try Store(path: db).db.execute("UPDATE block SET lines = '[[1,2' WHERE id = (SELECT min(id) FROM block)")
        for args in [["ingest", "--force", "--db", db, "--quiet", exports], ["lines", "--db", db]] {
            let r = try attrib(args)
            #expect(r.status == 1, "\(args[0])")
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(r.stderr)")
            #expect(
                lines.first?.contains("damaged.db: block 1: a block's lines are not in the form attrib writes") == true)
        }
    }
}
