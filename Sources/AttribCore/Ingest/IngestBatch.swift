// What a worker hands its run's sink at each commit: the normalised rows of a batch of events.

/// One worker's batch. Dictionary ids (Int32, 0: none) refer to `strings` or to strings sent before.
struct IngestBatch {
    /// Dictionary strings new since the previous batch of any worker of the run.
    var strings: [(id: Int32, value: [UInt8])] = []
    /// New lines, in arrival order.
    var lines: [LineRow] = []
    /// Their raw messages, ~1 MiB per block (`BlockCodec`), compressed by the worker.
    var blocks: [CompressedBlock] = []
    var rejects: [StoredReject] = []
    /// Sources that ended in this batch, or were being read when it was cut.
    var sources: [SourceUpdate] = []
    /// Per statement (dictionary id): how many new lines, and how many of them carried each identity field.
    var statementStats: [Int32: StatementCounts] = [:]
    /// What the batch's events contribute to requests, merged into the run's requests at commit.
    var requests = RequestBatch()
    /// The requests' metadata tags (`meta.KEY` dimensions), from the batch's new lines.
    var requestTags: [RequestTag] = []

    /// True when there is nothing to write (lines imply blocks and statement counts).
    var isEmpty: Bool { lines.isEmpty && rejects.isEmpty && sources.isEmpty && requests.isEmpty }

    /// Empties the batch for the next one, keeping the capacity of what every batch refills.
    mutating func removeAll() {
        strings.removeAll()
        lines.removeAll(keepingCapacity: true)
        blocks.removeAll()
        rejects.removeAll()
        sources.removeAll()
        statementStats.removeAll(keepingCapacity: true)
        requests.removeAll()
        requestTags.removeAll()
    }
}

/// A request's metadata tag: key and value as dictionary ids. Of two values for one key, the byte-wise
/// smallest is kept (as for a request's other fields), so the order of inputs does not matter.
struct RequestTag {
    var request: Int64
    var key: Int32
    var value: Int32
}

/// A new line; `block` indexes the batch's `blocks`, `slot` its message in that block.
struct LineRow {
    var hash: Int64
    var ts: Int64?
    var request: Int64
    var statement: Int32
    var flags: Int32
    var block: Int32
    var slot: Int32
    var stream: Int32
    var group: Int32
}

/// Raw messages, each prefixed by its LEB128 length, zstd-compressed; and their lines (`BlockLines`).
struct CompressedBlock {
    var events: Int
    var data: [UInt8]
    /// The JSON of the block's lines, in slot order (`BlockLines.encode`).
    var lines: [UInt8] = []
    /// The earliest and latest time of its lines.
    var firstMs: Int64? = nil
    var lastMs: Int64? = nil
}

struct StoredReject {
    var source: Int64
    var position: String
    var reason: String
    var raw: [UInt8]
}

/// A source's counts and time range so far (the sink keeps the latest).
struct SourceUpdate {
    var id: Int64
    var shape: Shape?
    var events = 0, new = 0, duplicates = 0, rejects = 0
    var first: Int64?
    var last: Int64?
    var path: String
    /// Read to its end: a later run may skip identical content.
    var complete = false
    /// The fingerprint made while it was read (when none was made before: `StreamingFingerprint`).
    var fingerprint: String?
}

struct StatementCounts {
    var lines: Int64 = 0
    var withUserSub: Int64 = 0
    var withUserEmail: Int64 = 0
    var withAuthSource: Int64 = 0
}
