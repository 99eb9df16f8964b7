// WAL checkpoints of an ingest on a thread of their own, off the sink's lock.
//
// SQLite checkpoints a WAL store from the committing connection once the WAL holds 1,000 pages: it copies
// them into the database file and waits for the disk (synchronous=NORMAL syncs at each checkpoint). An ingest
// commits under the run's sink lock, so that wait held up every thread, and on one large document it starved
// the helping thread of events (the reading thread hands them out, and was stalled in the checkpoint): the
// helper waited for work 10-17% of its time. Here the ingest's connection never checkpoints
// (wal_autocheckpoint 0) and a second connection runs passive checkpoints every 50 ms, which never block the
// writer; the last one runs when the store is closed, as before.

import Foundation

final class Checkpointer: @unchecked Sendable {
    private let condition = NSCondition()
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)
    /// The ingest's connection and its own checkpoint threshold, given back by `stop`.
    private let writer: Connection
    private let threshold: Int64

    /// Starts checkpointing the store at `path` (nil when it cannot open a second connection: then the
    /// writer's connection checkpoints as usual).
    init?(path: String, writer: Connection) {
        guard let connection = try? Connection(path: path),
            let threshold = try? writer.scalar("PRAGMA wal_autocheckpoint"),
            (try? writer.execute("PRAGMA wal_autocheckpoint = 0")) != nil
        else { return nil }
        self.writer = writer
        self.threshold = threshold
        let box = UncheckedBox(connection)
        let thread = Thread { [self] in
            condition.lock()
            while !stopped {
                _ = condition.wait(until: Date(timeIntervalSinceNow: 0.05))
                if stopped { break }
                condition.unlock()
                try? box.value.execute("PRAGMA wal_checkpoint(PASSIVE)")
                condition.lock()
            }
            condition.unlock()
            done.signal()
        }
        thread.start()
    }

    /// Stops the thread (after its checkpoint in progress, if any) and gives the writer its threshold back.
    /// The thread holds this object until then: `stop` must be called.
    func stop() {
        condition.lock()
        let wasStopped = stopped
        stopped = true
        condition.broadcast()
        condition.unlock()
        guard !wasStopped else { return }
        done.wait()
        try? writer.execute("PRAGMA wal_autocheckpoint = \(threshold)")
    }
}
