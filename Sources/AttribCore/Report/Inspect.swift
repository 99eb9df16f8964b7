// What the store holds (attrib sources) and what one request did (attrib show).

public struct SourceInfo: Sendable, Equatable {
    public var path: String
    public var shape: String?
    public var compression: String?
    public var bytes: Int64?
    public var events: Int64
    public var newEvents: Int64
    public var duplicates: Int64
    public var rejects: Int64
    public var complete: Bool
    public var firstMs: Int64?
    public var lastMs: Int64?
}

public struct StoreSummary: Sendable {
    public var sources: [SourceInfo]
    public var events: Int64
    public var requests: Int64
    public var modelRequests: Int64
    public var rejects: Int64
    public var firstMs: Int64?
    public var lastMs: Int64?
}

public struct ShownLine: Sendable, Equatable {
    public var timeMs: Int64?
    public var statement: String?
    public var message: String
}

/// One request as `attrib show` prints it: its lines and its row of the `requests` view.
public struct ShownRequest: Sendable {
    public var lines: [ShownLine]
    public var row: (columns: [String], rows: [[Cell]])
}

extension Reports {
    public static func sources(store: Store) throws -> StoreSummary {
        let s = try store.db.prepare(
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
            events: try store.db.scalar("SELECT count(*) FROM line") ?? 0,
            requests: try store.db.scalar("SELECT count(*) FROM request") ?? 0,
            modelRequests: try store.db.scalar(
                "SELECT count(*) FROM request WHERE flags & \(RequestFlag.modelRequest) != 0") ?? 0,
            rejects: try store.db.scalar("SELECT count(*) FROM reject") ?? 0,
            firstMs: try store.db.scalar("SELECT min(ts) FROM line"),
            lastMs: try store.db.scalar("SELECT max(ts) FROM line"))
    }

    /// One request: its lines and its assembled row, or nil when the store has no such request.
    public static func show(requestId: String, store: Store) throws -> ShownRequest? {
        guard let lines = try lines(requestId: requestId, store: store) else { return nil }
        let row = try store.query("SELECT * FROM requests WHERE request_id = ?", arguments: [requestId])
        return ShownRequest(lines: lines, row: row)
    }

    /// The lines of one request in time order, read back from the compressed blocks.
    public static func lines(requestId: String, store: Store) throws -> [ShownLine]? {
        let r = try store.db.prepare("SELECT id FROM request WHERE request_id = ?")
        r.bind(1, requestId)
        guard try r.step() else { return nil }
        let key = r.int(0)
        let s = try store.db.prepare(
            """
            SELECT l.ts, l.statement, l.block, l.slot FROM line l WHERE l.request = ? ORDER BY l.ts, l.block, l.slot
            """)
        s.bind(1, key)
        var wanted: [(ts: Int64?, statement: Int64?, block: Int64, slot: Int)] = []
        while try s.step() { wanted.append((s.optionalInt(0), s.optionalInt(1), s.int(2), Int(s.int(3)))) }
        var blocks: [Int64: [[UInt8]]] = [:]
        let b = try store.db.prepare("SELECT data FROM block WHERE id = ?")
        var lines: [ShownLine] = []
        for w in wanted {
            if blocks[w.block] == nil {
                b.bind(1, w.block)
                if try b.step(), let data = BlockCodec.decompress(b.blob(0)) {
                    blocks[w.block] = BlockCodec.messages(data)
                } else {
                    blocks[w.block] = []
                }
                b.reset()
            }
            let messages = blocks[w.block]!
            let text =
                w.slot < messages.count ? String(decoding: messages[w.slot], as: UTF8.self) : "(raw text unavailable)"
            lines.append(ShownLine(timeMs: w.ts, statement: store.value(w.statement), message: text))
        }
        // Ties in time are ordered by text: where a line is stored depends on which worker read it first.
        lines.sort { a, b in
            let ta = a.timeMs ?? .min
            let tb = b.timeMs ?? .min
            return ta != tb ? ta < tb : a.message.utf8.lexicographicallyPrecedes(b.message.utf8)
        }
        return lines
    }
}
