// Where ingest workers push what they read: the worker never knows the destination (ripgrep's Sink).
// The SQLite store is one sink (`StoreWriter`); a sink that prints rows, or one for bill lines, plugs
// in here without a change to the workers.

/// A destination for one ingest run. The run calls it from one thread at a time (under
/// `IngestShared.sinkLock`); `write`, `writeRequests` and `finish` are called inside `atomically`.
protocol BatchSink: AnyObject {
    // MARK: What the sink already holds, read when a run starts

    /// Dictionary strings already held, by id (index 0 unused); the run numbers new strings after them.
    func storedStrings() throws -> [[UInt8]]
    /// How many event keys the sink holds (to size the dedup set before `forEachStoredEventKey`).
    func storedEventKeyCount() throws -> Int
    /// Calls `body` with every event key held: those events are duplicates when they come again.
    func forEachStoredEventKey(_ body: (Int64) -> Void) throws
    /// Calls `body` with each line written whose request contributions were not (a run killed between
    /// the two), in the order written; returns how many there were.
    func forEachUnmergedLine(_ body: (UnmergedLine) throws -> Void) throws -> Int

    // MARK: Sources

    /// Opens a source for reading and returns its id; nil when content with this fingerprint was read
    /// completely before (it is skipped).
    func openSource(path: String, fingerprint: String?, bytes: Int64?, compression: Compression) throws -> Int64?
    /// Forgets a source that turned out empty or unrecognised (nothing of it was written).
    func discardSource(_ id: Int64) throws
    /// The sizes of the files held as sources: a file of another size cannot be one of them, so its
    /// fingerprint is made while it is read instead of before (`StreamingFingerprint`).
    func storedSourceSizes() throws -> Set<Int64>

    // MARK: Writing

    /// Runs `body` as one unit that an interruption keeps whole or loses whole (for the store, a transaction).
    func atomically(_ body: () throws -> Void) throws
    /// `atomically`, for the unit that ends a run by writing about `requests` requests (`writeRequests`):
    /// the sink may prepare for writing them first (the store: two threads for a new store's requests).
    func atomicallyEndingRun(requests: Int, _ body: () throws -> Void) throws
    /// Writes one batch: new strings, lines, raw blocks, rejects, source updates, statement counts. Its
    /// request contributions are the run's to merge (`writeRequests` receives them).
    func write(_ batch: IngestBatch) throws
    /// Writes the run's requests (in key order, each merged over the run) merged with those the sink holds,
    /// and notes that every line written so far has its contributions written. Called once, at the end of
    /// a run (and after a recovery). `less` orders dictionary ids by their strings' bytes.
    func writeRequests(_ requests: inout RequestMerge, less: (Int32, Int32) -> Bool) throws
    /// Where the run's requests go when they outgrow memory (`RequestSpillFile`); nil when the sink keeps
    /// no requests (they are then dropped).
    var spillDirectory: String? { get }
    /// Ends the run, after its last `writeRequests`: marks the completed sources, updates derived data.
    func finish() throws
    /// After the run's last unit is written whole: the sink may tidy up outside any unit (the store writes its
    /// WAL into the file).
    func runEnded()
    /// Distinct requests this run wrote.
    var requestsWritten: Int { get }
}

extension BatchSink {
    func storedSourceSizes() throws -> Set<Int64> { [] }
    func atomicallyEndingRun(requests: Int, _ body: () throws -> Void) throws { try atomically(body) }
    func runEnded() {}
}

/// A line written by an earlier run whose request contributions were lost (see `forEachUnmergedLine`).
struct UnmergedLine {
    var key: Int64
    var time: Int64?
    var stream: Int32
    var group: Int32
    /// The raw message; valid only during the call.
    var message: UnsafeRawBufferPointer
}
