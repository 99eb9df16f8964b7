// A thin SQLite layer: a connection, prepared statements reused across rows, errors that carry the SQL.
// Hand-written rather than GRDB: the store is a handful of fixed statements on a hot loop, and binding
// straight to sqlite3_stmt keeps each insert to a few C calls (GRDB's own advice for hot loops).

import CSQLite

/// A store failure: a message for the user (the store's path first), and, when SQLite reported it, its
/// primary result code and the statement that failed.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var code: Int32?
    public var sql: String?
    public init(_ message: String, code: Int32? = nil, sql: String? = nil) {
        self.message = message
        self.code = code
        self.sql = sql
    }
    public var description: String { message }
    /// True when SQLite could not open a file it needs (e.g. the WAL index in a read-only folder).
    var cantOpen: Bool { code == SQLITE_CANTOPEN }
}

// SQLITE_TRANSIENT tells SQLite to copy bound text/blobs; the C macro does not import into Swift.
let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

final class Connection {
    let handle: OpaquePointer
    let path: String

    /// Process-wide SQLite settings, made before the first connection initialises SQLite.
    private static let configured: Int32 = attrib_sqlite_without_memory_statistics()

    /// `immutable` opens a store on read-only media (no WAL index can be created there): SQLite then
    /// reads the file as it is, which is right only when no one writes to it.
    init(path: String, readOnly: Bool = false, immutable: Bool = false) throws {
        _ = Self.configured
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var name = path
        if immutable {
            var escaped = ""
            for c in path.unicodeScalars {
                switch c {
                case "%": escaped += "%25"
                case "?": escaped += "%3f"
                case "#": escaped += "%23"
                default: escaped.unicodeScalars.append(c)
                }
            }
            name = "file:\(escaped)?immutable=1"
        }
        let rc = sqlite3_open_v2(name, &db, flags | SQLITE_OPEN_NOMUTEX | (immutable ? SQLITE_OPEN_URI : 0), nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError("\(path): cannot open store: \(message)")
        }
        handle = db
        self.path = path
        // Writers queue behind each other (a batch holds the lock for well under a second); readers
        // never wait in WAL mode.
        sqlite3_busy_timeout(db, readOnly ? 5000 : 60000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit { sqlite3_close_v2(handle) }

    var errorMessage: String { String(cString: sqlite3_errmsg(handle)) }

    func error(_ rc: Int32, _ sql: String) -> StoreError {
        let primary = rc & 0xFF
        let what: String
        switch primary {
        case SQLITE_NOTADB, SQLITE_CORRUPT: what = "the store is not a valid attrib database (\(errorMessage))"
        case SQLITE_READONLY: what = "the store is read-only (\(errorMessage))"
        case SQLITE_BUSY, SQLITE_LOCKED:
            what = "the store is busy: another attrib is writing to it; try again when it finishes"
        case SQLITE_FULL: what = "the disk is full"
        case SQLITE_CANTOPEN: what = "cannot open the store (\(errorMessage))"
        default: what = "\(errorMessage) (in: \(sql.prefix(120)))"
        }
        return StoreError("\(path): \(what)", code: primary, sql: sql)
    }

    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if let message { sqlite3_free(message) }
        if rc != SQLITE_OK { throw error(rc, sql) }
    }

    func prepare(_ sql: String) throws -> Statement {
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw error(rc, sql) }
        return Statement(stmt, connection: self, sql: sql)
    }

    /// Prepares the first statement of `sql`; returns it with the text after it (empty, spaces or
    /// comments when `sql` held one statement). An `sql` with no statement at all is an error.
    func prepareFirst(_ sql: String) throws -> (Statement, rest: String) {
        var stmt: OpaquePointer?
        let bytes = Array(sql.utf8)
        var consumed = 0
        let rc = bytes.withUnsafeBufferPointer { b in
            b.withMemoryRebound(to: CChar.self) { c in
                var tail: UnsafePointer<CChar>?
                let rc = sqlite3_prepare_v2(handle, c.baseAddress, Int32(c.count), &stmt, &tail)
                if let tail, let base = c.baseAddress { consumed = base.distance(to: tail) }
                return rc
            }
        }
        guard rc == SQLITE_OK else { throw error(rc, sql) }
        guard let stmt else { throw StoreError("\(path): no SQL statement", code: SQLITE_MISUSE, sql: sql) }
        let rest = String(decoding: bytes[min(consumed, bytes.count)...], as: UTF8.self)
        return (Statement(stmt, connection: self, sql: sql), rest)
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs a query returning one integer (or nil).
    func scalar(_ sql: String) throws -> Int64? {
        let s = try prepare(sql)
        guard try s.step() else { return nil }
        return s.isNull(0) ? nil : s.int(0)
    }
}

final class Statement {
    let handle: OpaquePointer
    unowned let connection: Connection
    let sql: String

    init(_ handle: OpaquePointer, connection: Connection, sql: String) {
        self.handle = handle
        self.connection = connection
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    @inline(__always) func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(handle, i, v) }
    @inline(__always) func bind(_ i: Int32, _ v: Int64?) {
        if let v { sqlite3_bind_int64(handle, i, v) } else { sqlite3_bind_null(handle, i) }
    }
    @inline(__always) func bind(_ i: Int32, _ v: Double?) {
        if let v { sqlite3_bind_double(handle, i, v) } else { sqlite3_bind_null(handle, i) }
    }
    func bind(_ i: Int32, _ v: String?) {
        if let v { sqlite3_bind_text(handle, i, v, -1, sqliteTransient) } else { sqlite3_bind_null(handle, i) }
    }
    func bind(_ i: Int32, bytes: UnsafeRawBufferPointer) {
        sqlite3_bind_blob(handle, i, bytes.baseAddress, Int32(bytes.count), sqliteTransient)
    }
    /// Binds bytes SQLite does not copy: the caller keeps them alive and unchanged until the statement has
    /// run (and is reset or rebound).
    func bindStatic(_ i: Int32, blob b: UnsafeRawBufferPointer) {
        sqlite3_bind_blob(handle, i, b.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(b.count), nil)
    }
    func bindStatic(_ i: Int32, text b: UnsafeRawBufferPointer) {
        sqlite3_bind_text(
            handle, i, (b.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self),
            Int32(b.count), nil)
    }
    func bind(_ i: Int32, text bytes: [UInt8]) {
        bytes.withUnsafeBytes { bind(i, text: $0) }
    }

    func bind(_ i: Int32, text b: UnsafeRawBufferPointer) {
        _ =
            b.baseAddress.map { p in
                sqlite3_bind_text(handle, i, p.assumingMemoryBound(to: CChar.self), Int32(b.count), sqliteTransient)
            } ?? sqlite3_bind_text(handle, i, "", 0, sqliteTransient)
    }

    /// Steps once; true when a row is available.
    @discardableResult func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        sqlite3_reset(handle)
        throw connection.error(rc, sql)
    }

    /// Steps a statement that returns no rows, then resets it for reuse.
    func run() throws {
        defer { sqlite3_reset(handle) }
        _ = try step()
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    @inline(__always) func int(_ i: Int32) -> Int64 { sqlite3_column_int64(handle, i) }
    @inline(__always) func double(_ i: Int32) -> Double { sqlite3_column_double(handle, i) }
    @inline(__always) func isNull(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_NULL }
    func optionalInt(_ i: Int32) -> Int64? { isNull(i) ? nil : int(i) }
    func optionalDouble(_ i: Int32) -> Double? { isNull(i) ? nil : double(i) }
    func text(_ i: Int32) -> String? {
        guard let p = sqlite3_column_text(handle, i) else { return nil }
        return String(cString: p)
    }
    func blob(_ i: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(handle, i))
        guard n > 0, let p = sqlite3_column_blob(handle, i) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
    /// The bytes of a text or blob column without a copy, valid until the statement steps or resets.
    func withBytes<T>(_ i: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let p = sqlite3_column_blob(handle, i)
        return try body(UnsafeRawBufferPointer(start: p, count: p == nil ? 0 : Int(sqlite3_column_bytes(handle, i))))
    }
    var columnCount: Int32 { sqlite3_column_count(handle) }
    func columnName(_ i: Int32) -> String { String(cString: sqlite3_column_name(handle, i)) }
    func columnType(_ i: Int32) -> Int32 { sqlite3_column_type(handle, i) }
}

/// Inserts rows through one multi-row INSERT of `perStatement` rows (32 rows to a statement take about a
/// third fewer instructions per row than a statement per row), the last few one by one. Rows are named by
/// the caller's index; `bind(statement, firstParameter, row)` binds one row's columns from `firstParameter`.
final class RowInserter {
    private let many: Statement
    private let one: Statement
    private let columns: Int32
    private let perStatement: Int
    private let bind: (Statement, Int32, Int) -> Void
    private var pending: [Int] = []

    init(
        _ db: Connection, table: String, columns: [String], perStatement: Int = 32,
        bind: @escaping (Statement, Int32, Int) -> Void
    ) throws {
        let row = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        let head = "INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES "
        many = try db.prepare(head + Array(repeating: row, count: perStatement).joined(separator: ","))
        one = try db.prepare(head + row)
        self.columns = Int32(columns.count)
        self.perStatement = perStatement
        self.bind = bind
        pending.reserveCapacity(perStatement)
    }

    func add(_ row: Int) throws {
        pending.append(row)
        guard pending.count == perStatement else { return }
        for (i, r) in pending.enumerated() { bind(many, Int32(i) * columns + 1, r) }
        try many.run()
        pending.removeAll(keepingCapacity: true)
    }

    /// Inserts the rows still pending.
    func finish() throws {
        for r in pending {
            bind(one, 1, r)
            try one.run()
        }
        pending.removeAll()
    }
}
