// The run's string dictionary, shared by its workers.

/// Strings stored once (the store's `dict`) and referred to by id, shared by the workers. New entries get
/// their ids here and go to the sink with the next batch (one run holds the sink for its whole length).
final class SharedDictionary: @unchecked Sendable {
    let lock = Lock()
    private var values: [[UInt8]]
    private var ids: [ByteKey: Int32] = [:]
    private var pending: [Int32] = []

    /// `strings`: the sink's stored strings by id (index 0 unused).
    init(strings: [[UInt8]]) {
        values = strings
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

    /// The entries added since the last call, for the next batch (taken inside the sink's unit, so they
    /// are written with or before the first batch that refers to them).
    func takePending() -> [(id: Int32, value: [UInt8])] {
        lock.locked {
            defer { pending.removeAll() }
            return pending.map { ($0, values[Int($0)]) }
        }
    }
}
