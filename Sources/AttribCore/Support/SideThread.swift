// A computation on a thread of its own, for two independent parts of a serial step that can overlap.

import Foundation

/// Runs `body` on a new thread at once; `join()` waits for it and returns its result.
/// Used at the end of an ingest, where the request rows are inserted on one thread while the rollup's
/// sums are made on another (both read the run's requests; neither writes what the other reads).
final class SideThread<Result>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Result?

    init(_ body: @escaping () -> Result) {
        let work = UncheckedBox(body)
        let thread = Thread { [self] in
            result = work.value()
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Waits for the thread and returns what it computed (once).
    func join() -> Result {
        done.wait()
        return result!
    }
}
