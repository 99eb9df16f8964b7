// What reports read from the store besides the SQL the query model generates: facts about lines for
// `gaps`, the inputs for `sources`, one request's lines for `show`, and what the planner needs to know.

/// How many distinct lines of one log statement carry each identity field.
struct StatementCoverage {
    var statement: String
    var lines: Int64
    var withUserSub: Int64
    var withUserEmail: Int64
    var withAuthSource: Int64
}

extension Store {
    /// Epoch ms of the earliest line with a non-empty user_sub or user_email: when identity was first logged.
    func identityCutover() throws -> Int64? {
        // Kept by each ingest (StoreWriter.write) instead of a scan of every line.
        try db.scalar("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'identity_cutover'")
    }

    /// Per log statement, most lines first.
    func statementCoverage() throws -> [StatementCoverage] {
        let s = try db.prepare(
            """
            SELECT d.value, s.lines, s.with_user_sub, s.with_user_email, s.with_auth_source
            FROM statement_stats s JOIN dict d ON d.id = s.statement ORDER BY s.lines DESC, d.value
            """)
        var result: [StatementCoverage] = []
        while try s.step() {
            result.append(
                StatementCoverage(
                    statement: s.text(0) ?? "", lines: s.int(1), withUserSub: s.int(2),
                    withUserEmail: s.int(3), withAuthSource: s.int(4)))
        }
        return result
    }

    /// What `attrib sources` shows: each input read, and the store's totals.
    func summary() throws -> StoreSummary {
        let s = try db.prepare(
            """
            SELECT path, shape, compression, bytes, events, new_events, duplicates, rejects, complete, first_ms, last_ms
            FROM source ORDER BY path, id
            """)
        var sources: [SourceInfo] = []
        while try s.step() {
            sources.append(
                SourceInfo(
                    path: s.text(0) ?? "", shape: s.text(1), compression: s.text(2), bytes: s.optionalInt(3),
                    events: s.int(4), newEvents: s.int(5), duplicates: s.int(6), rejects: s.int(7),
                    complete: s.int(8) == 1, firstMs: s.optionalInt(9), lastMs: s.optionalInt(10)))
        }
        return StoreSummary(
            sources: sources,
            events: try db.scalar("SELECT coalesce(sum(events), 0) FROM block") ?? 0,
            requests: try db.scalar("SELECT count(*) FROM request") ?? 0,
            modelRequests: try db.scalar(
                "SELECT count(*) FROM request WHERE flags & \(RequestFlag.modelRequest) != 0") ?? 0,
            rejects: try db.scalar("SELECT count(*) FROM reject") ?? 0,
            firstMs: try db.scalar("SELECT min(first_ms) FROM block"),
            lastMs: try db.scalar("SELECT max(last_ms) FROM block"))
    }

    /// The lines of one request in time order, read back from the compressed blocks.
    func lines(ofRequest requestId: String) throws -> [ShownLine]? {
        let r = try db.prepare("SELECT id FROM request WHERE request_id = ?")
        r.bind(1, requestId)
        guard try r.step() else { return nil }
        let key = r.int(0)
        // The blocks whose lines name the key (as text: a quick filter), then their lines that have it.
        var lines: [ShownLine] = []
        try db.forEachBlock(containing: ",\(key),", withMessages: true) { _, stored, messages in
            for (slot, l) in stored.enumerated() where l.request == key {
                let text =
                    slot < messages.count ? String(decoding: messages[slot], as: UTF8.self) : "(raw text unavailable)"
                lines.append(
                    ShownLine(
                        timeMs: l.ts, statement: l.statement == 0 ? nil : value(Int64(l.statement)), message: text))
            }
        }
        // Ties in time are ordered by text: where a line is stored depends on which worker read it first.
        lines.sort { a, b in
            let ta = a.timeMs ?? .min
            let tb = b.timeMs ?? .min
            return ta != tb ? ta < tb : a.message.utf8.lexicographicallyPrecedes(b.message.utf8)
        }
        return lines
    }

    /// The earliest and latest event times of every input read (nil when the store holds none).
    func eventTimeRange() throws -> ClosedRange<Int64>? {
        let s = try db.prepare("SELECT min(first_ms), max(last_ms) FROM source")
        guard try s.step(), let low = s.optionalInt(0), let high = s.optionalInt(1), low <= high else { return nil }
        return low...high
    }

    /// The model ids `table` (`request` or `rollup`) refers to, in byte order.
    func modelIds(in table: String) throws -> [String] {
        let s = try db.prepare(
            "SELECT value FROM dict WHERE id IN (SELECT DISTINCT model FROM \(table)) ORDER BY value")
        var ids: [String] = []
        while try s.step() { if let id = s.text(0) { ids.append(id) } }
        return ids
    }
}
