// The run's string dictionary, shared by its workers.

/// Strings stored once in `dict` and referred to by id, shared by the workers. New entries get their
/// ids here and are written with the next commit (one writer holds the store for the whole run).
final class SharedDictionary: @unchecked Sendable {
    let lock = Lock()
    private var values: [[UInt8]]
    private var ids: [ByteKey: Int32] = [:]
    private var pending: [Int32] = []

    init(store: Store) {
        values = store.values
        for (i, v) in values.enumerated() where i > 0 && !v.isEmpty { ids[ByteKey(v)] = Int32(i) }
    }

    func intern(_ bytes: [UInt8]) -> Int32 {
        lock.locked {
            if let id = ids[ByteKey(bytes)] { return id }
            let id = Int32(values.count)
            values.append(bytes)
            ids[ByteKey(bytes)] = id
            pending.append(id)
            return id
        }
    }

    /// Orders ids by their strings' bytes (for order-independent choices): a snapshot of the values,
    /// so comparing takes no lock (it knows every id interned before the call).
    func comparator() -> (Int32, Int32) -> Bool {
        let snapshot = lock.locked { values }
        return { a, b in snapshot[Int(a)].lexicographicallyPrecedes(snapshot[Int(b)]) }
    }

    /// Writes the entries added since the last call (inside the caller's transaction).
    func writePending(_ db: Connection) throws {
        let entries: [(Int32, [UInt8])] = lock.locked {
            defer { pending.removeAll() }
            return pending.map { ($0, values[Int($0)]) }
        }
        guard !entries.isEmpty else { return }
        let s = try db.prepare("INSERT INTO dict(id, value) VALUES (?, ?)")
        for (id, value) in entries {
            s.bind(1, Int64(id))
            s.bind(2, text: value)
            try s.run()
        }
    }
}
