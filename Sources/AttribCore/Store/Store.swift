// The store: one SQLite file in WAL mode, versioned with PRAGMA user_version, plus its string dictionary.

import CSQLite

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public final class Store {
    let db: Connection
    public let path: String
    /// Dictionary values by id (index = id; 0 unused): the repeated strings (emails, models, paths,
    /// streams, statements) are stored once and referred to by integer. Ingest adds to them through
    /// `SharedDictionary`.
    private(set) var values: [[UInt8]] = [[]]
    /// The page size of a new store, in bytes.
    static let pageSize = 32768

    /// Opens (creating if needed) the store at `path`, migrating an older schema and refusing a newer one.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        if readOnly && access(path, F_OK) != 0 {
            throw StoreError(
                "\(path): no store here yet; run `attrib ingest PATH...` first, or pass --db / set ATTRIB_DB")
        }
        if !readOnly { Self.createOwnerOnly(path) }
        var connection = try Connection(path: path, readOnly: readOnly)
        var version: Int64
        do {
            version = try connection.scalar("PRAGMA user_version") ?? 0
        } catch let e as StoreError where readOnly && e.cantOpen {
            // A WAL store on read-only media: its WAL index cannot be created, so read it as immutable.
            connection = try Connection(path: path, readOnly: true, immutable: true)
            version = try connection.scalar("PRAGMA user_version") ?? 0
        } catch let e as StoreError where !readOnly && e.cantOpen {
            let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
            if access(folder.isEmpty ? "/" : folder, W_OK) != 0 || (access(path, F_OK) == 0 && access(path, W_OK) != 0)
            {
                throw StoreError(
                    "\(path): the store or its folder is read-only; ingest writes the store and its -wal and -shm files next to it (choose a writable --db)"
                )
            }
            throw e
        }
        db = connection
        if version > Int64(Schema.version) {
            throw StoreError(
                "\(path): this store was written by a newer attrib (schema \(version); this attrib reads up to \(Schema.version)); upgrade attrib"
            )
        }
        if readOnly {
            if try version == 0 && (db.scalar("SELECT count(*) FROM sqlite_master") ?? 0) > 0 {
                throw StoreError("\(path): not an attrib store")
            }
            if version == 0 {
                throw StoreError("\(path): the store is empty; run `attrib ingest` first")
            }
            if version < Int64(Schema.version) {
                // An older store: migrate it (briefly opening it for writing), then read as usual.
                do {
                    _ = try Store(path: path, readOnly: false)
                } catch let e as StoreError {
                    throw StoreError(
                        "\(path): the store is from an older attrib (schema \(version)) and cannot be migrated here: \(e.message)"
                    )
                }
            }
        } else {
            // A new store's pages are 32 KiB (SQLite ignores this for a store that has pages already, and a
            // WAL store keeps its size): an ingest writes each page twice (the WAL, then the checkpoint), one
            // system call a page, and the raw blocks span 8 times fewer overflow pages. 400k requests: system
            // time -27%, wall -5%; `show` and `sources` faster too (BENCHMARKS.md, session 7).
            try db.execute("PRAGMA page_size = \(Self.pageSize)")
            try db.execute("PRAGMA journal_mode=WAL")
            try db.execute("PRAGMA synchronous=NORMAL")
            if version < Int64(Schema.version) {
                if try version == 0 && (db.scalar("SELECT count(*) FROM sqlite_master") ?? 0) > 0 {
                    throw StoreError("\(path): not an attrib store (it holds other tables); choose another --db")
                }
                try db.execute("BEGIN IMMEDIATE")
                do {
                    for migration in Migration.all[Int(version)...] {
                        do {
                            try db.execute(migration.sql)
                        } catch let e as StoreError {
                            throw StoreError("\(e.message) (migration \(migration.id))", code: e.code, sql: e.sql)
                        }
                    }
                    if version > 0 {
                        try db.execute(
                            "INSERT OR REPLACE INTO meta(key, value) VALUES ('migrated_from_schema', '\(version)')")
                    }
                    try db.execute("PRAGMA user_version = \(Schema.version)")
                    try db.execute("COMMIT")
                } catch {
                    try? db.execute("ROLLBACK")
                    throw error
                }
            }
        }
        try db.execute("PRAGMA cache_size = -65536")
        try db.execute("PRAGMA temp_store = MEMORY")
        try loadDictionary()
    }

    /// Creates a missing store file readable and writable by its owner only: it holds people's emails and
    /// ids. SQLite gives the -wal and -shm files the database file's mode, so they follow; a file that
    /// already exists keeps its mode. (Failing here is not an error: opening the store reports it.)
    private static func createOwnerOnly(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
    }

    /// Reads the dictionary again (after an ingest, or before one: another process may have added to it).
    func reloadDictionary() throws {
        values = [[]]
        try loadDictionary()
    }

    private func loadDictionary() throws {
        let s = try db.prepare("SELECT id, value FROM dict ORDER BY id")
        while try s.step() {
            let id = Int(s.int(0))
            let bytes = Array((s.text(1) ?? "").utf8)
            while values.count <= id { values.append([]) }
            values[id] = bytes
        }
    }

    func value(_ id: Int64?) -> String? {
        guard let id, id > 0, Int(id) < values.count else { return nil }
        return String(decoding: values[Int(id)], as: UTF8.self)
    }

    func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        try db.execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let result = try body()
            try db.execute("COMMIT")
            return result
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}

extension Store {
    /// True when the rollup reflects every committed change to requests.
    func rollupIsFresh() throws -> Bool {
        let s = try db.prepare(
            """
            SELECT (SELECT value FROM meta WHERE key = 'requests_generation') = (SELECT value FROM meta WHERE key = 'rollup_generation')
            """)
        return try s.step() && s.int(0) == 1
    }

    /// Runs one read-only SQL statement (for `attrib sql`) and returns its columns and rows. `arguments`
    /// are bound to the statement's `?` parameters in order. Several statements, a statement that writes,
    /// and ATTACH / DETACH (which read-only mode lets through) are refused by name.
    public func query(_ sql: String, arguments: [String] = []) throws -> (columns: [String], rows: [[Cell]]) {
        let s: Statement
        let rest: String
        do {
            // ATTACH would open (or try to create) another file; DETACH has nothing to undo here.
            sqlite3_set_authorizer(
                db.handle,
                { _, action, _, _, _, _ in action == SQLITE_ATTACH || action == SQLITE_DETACH ? SQLITE_DENY : SQLITE_OK
                },
                nil)
            defer { sqlite3_set_authorizer(db.handle, nil, nil) }
            (s, rest) = try db.prepareFirst(sql)
        } catch let e as StoreError {
            if e.code == SQLITE_AUTH {
                throw ReportError.usage(
                    "SQL: \(SQLText.firstKeyword(sql)) is refused: attrib sql only reads the store, it does not open other files"
                )
            }
            throw ReportError.usage("SQL: \(e.message.replacingOccurrences(of: path + ": ", with: ""))")
        }
        guard SQLText.isEmpty(rest) else {
            throw ReportError.usage(
                "SQL: attrib sql runs one statement at a time; refused what follows the first: \(SQLText.excerpt(rest))"
            )
        }
        for (i, argument) in arguments.enumerated() { s.bind(Int32(i + 1), argument) }
        guard sqlite3_stmt_readonly(s.handle) != 0 else {
            throw ReportError.usage(
                "SQL: \(SQLText.firstKeyword(sql)) writes to the store; attrib sql runs read-only statements only")
        }
        let n = s.columnCount
        let columns = (0..<n).map { s.columnName($0) }
        var rows: [[Cell]] = []
        while try s.step() {
            rows.append(
                (0..<n).map { i in
                    switch s.columnType(i) {
                    case SQLITE_NULL: return .text(nil)
                    case SQLITE_INTEGER: return .int(s.int(i))
                    case SQLITE_FLOAT: return .text(String(s.double(i)))
                    case SQLITE_BLOB: return .text("<\(s.blob(i).count) bytes>")
                    default: return .text(s.text(i))
                    }
                })
        }
        return (columns, rows)
    }
}
