// What the ingest workers of one run share: the sink (one writer at a time), the string dictionary,
// the set of event keys already stored, and the run's requests, written to the sink once at the end.
//
// Why requests live in memory for the whole run: a request's lines arrive through several files and
// shapes, so batch-by-batch merging read and rewrote each request ~6 times (a SELECT and an UPDATE per
// touched request per batch: ~12 s of a 29 s ingest at 400k requests). Lines are committed batch by
// batch as before; after a kill, the requests of lines committed since the last request write are
// re-derived from the raw blocks (`recover`), so nothing is lost and nothing is counted twice.

final class IngestShared: @unchecked Sendable {
    let sink: BatchSink
    /// Held while writing to the sink (one worker commits at a time) and for the run's requests.
    let sinkLock = Lock()
    let dictionary: SharedDictionary
    let keys: EventKeys

    /// The run's requests not yet written (contributions of committed lines, and of duplicates).
    /// When the table holds `capacity` of them it is spilled to a file (memory stays bounded on any input).
    private var requests: RequestTable
    /// The table's earlier fills, in key order, oldest first.
    private var spills: [RequestSpillFile] = []
    /// Fingerprints of the files this run reads: an identical file later in the run is skipped, as it
    /// would be in a later run (its events are all this run's anyway).
    var claimedFingerprints = Set<String>()

    init(sink: BatchSink, requestCap: Int = 250_000, runKeysPerShard: Int = 26_000) throws {
        self.sink = sink
        requests = RequestTable(capacity: requestCap)
        dictionary = SharedDictionary(strings: try sink.storedStrings())
        keys = EventKeys(runKeysPerShard: runKeysPerShard)
    }

    /// Reads the stored event keys, once per run (see `EventKeys.load`).
    func loadKeys() throws {
        try keys.load(from: sink, sinkLock: sinkLock)
    }

    // MARK: Writing

    /// Writes a worker's batch, with the dictionary's new strings, and merges its request contributions
    /// into the run's, as one unit.
    ///
    /// When the batch could take the run's requests past their capacity, they are spilled first (written in
    /// key order to a temporary file, `RequestSpillFile`) and the table starts again: every request reaches
    /// the sink once, at the end of the run, merged over the table and the spills. The sink's mark of merged
    /// lines moves only then, so after a kill every line of the run has its contributions derived again.
    /// The table holds at most its capacity plus one batch.
    func commit(_ batch: inout IngestBatch) throws {
        try sinkLock.locked {
            try sink.atomically {
                if requests.count > 0 && requests.count + batch.requests.count > requests.capacity {
                    try spillRequests()
                }
                batch.strings = dictionary.takePending()
                try sink.write(batch)
                mergeRequests(batch.requests)
            }
        }
    }

    /// Merges a worker's batch of request contributions (caller holds `sinkLock`, inside the sink's unit).
    private func mergeRequests(_ batch: RequestBatch) {
        // One look at the dictionary for the whole batch, not a lock per comparison.
        requests.merge(batch, less: dictionary.comparator())
    }

    /// Moves the table's requests to a spill file (caller holds `sinkLock`). A sink that keeps no requests
    /// (`attrib lines`) has them dropped instead.
    private func spillRequests() throws {
        if let directory = sink.spillDirectory {
            spills.append(try RequestSpillFile(requests, order: requests.keyOrder(), directory: directory))
        }
        requests.removeAll()
    }

    /// Hands the run's requests, merged over the table and its spills, to the sink (caller holds
    /// `sinkLock`, inside the sink's unit), which writes them and moves its mark past every line written.
    /// `emptying`: the table is emptied for more (false at the end of a run, where it is let go whole).
    func writeRequests(emptying: Bool = true) throws {
        // An empty table needs no dictionary snapshot: the sink only moves its mark.
        let less = requests.count > 0 || !spills.isEmpty ? dictionary.comparator() : { _, _ in false }
        var merge = try RequestMerge(table: requests, spills: spills, less: less)
        try sink.writeRequests(&merge, less: less)
        spills.removeAll()
        if emptying && requests.count > 0 { requests.removeAll() }
    }

    /// Writes what is left and ends the run in the sink.
    func finish() throws {
        try sinkLock.locked {
            try sink.atomicallyEndingRun(requests: requests.count + spills.reduce(0) { $0 + $1.records }) {
                try sink.write(IngestBatch(strings: dictionary.takePending()))
                // The event keys are not needed any more: their memory goes back before the requests are
                // merged and written.
                keys.release()
                try writeRequests(emptying: false)
                // The run's memory goes back before the sink ends the run (for the store, the rollup is
                // rebuilt there: the peak of a run is here).
                requests = RequestTable(capacity: 0)
                try sink.finish()
            }
            sink.runEnded()
        }
    }
}
