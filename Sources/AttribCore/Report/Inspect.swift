// What the store holds (attrib sources) and what one request did (attrib show); the store reads them
// (Store/StoreQueries.swift).

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
    public static func sources(store: Store) throws -> StoreSummary { try store.summary() }

    /// One request: its lines and its assembled row, or nil when the store has no such request.
    public static func show(requestId: String, store: Store) throws -> ShownRequest? {
        guard let lines = try store.lines(ofRequest: requestId) else { return nil }
        let row = try store.query("SELECT * FROM requests WHERE request_id = ?", arguments: [requestId])
        return ShownRequest(lines: lines, row: row)
    }
}
