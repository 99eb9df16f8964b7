// One `attrib ingest` run: expand paths, skip what is already stored, read the inputs into the store,
// one worker per core (each reads whole files; they share the run's sink, see IngestShared).

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The outcome of a run, for the summary and the exit code.
public struct IngestOutcome: Sendable {
    public var counts: IngestCounts
    /// Paths that could not be opened (exit 66).
    public var openErrors: [InputError] = []
    /// True when a stop was requested (Ctrl-C) and the run ended at a batch boundary.
    public var interrupted = false
    public var elapsedSeconds: Double = 0
    /// Events read by one thread and processed by another (EventExchange).
    public var eventsHelped = 0
    /// The bill files of the run (CUR CSV): what was read, and what the store's bill became.
    public var bill = BillIngestOutcome()
}

/// The bill part of a run (Input/Bill, Store/BillStore).
public struct BillIngestOutcome: Sendable {
    public var files: [BillFileSummary] = []
    public var problems: [BillProblem] = []
    /// Data files of an export folder that its manifests do not name (earlier deliveries): not read.
    public var replacedFiles: [String] = []
    /// Manifest problems (a named file that is missing), one line each.
    public var manifestProblems: [String] = []
    /// Parquet files met (not read: exit 65).
    public var parquetFiles: [String] = []
    public var written: BillWriteSummary?
    /// Usage types of usage lines that name no token type (kept; reconcile shows them as unexplained).
    public var unknownUsageTypes: [String] = []
}

public struct IngestOptions: Sendable {
    public var forcedShape: Shape?
    /// Re-read inputs even when an identical file was already ingested completely.
    public var force = false
    /// Worker threads; nil: one per core, at most 4 (each adds ~17 MB; SQLite takes one writer at a time).
    public var workers: Int?
    /// Threads beyond one per file are started when an input is at least this large (or of unknown
    /// size): they help the threads reading (EventExchange).
    var helpAboveBytes: Int64 = 4 << 20
    /// Events per chunk handed to a helping thread.
    var chunkEvents = 256
    /// Tests: hand every event out in chunks, whether or not a thread waits for them.
    var handOutAll = false
    public init(forcedShape: Shape? = nil, force: Bool = false, workers: Int? = nil) {
        self.forcedShape = forcedShape
        self.force = force
        self.workers = workers
    }
}

public enum IngestRun {
    /// Ingests `paths` into `store`. `warn` receives one line per unreadable input or problem; `note` one
    /// line per file skipped as empty or not an export (default: `warn`; `--quiet` drops them).
    public static func run(
        paths: [String], store: Store, options: IngestOptions = IngestOptions(),
        ingestor: IngestWorker, warn: @escaping (String) -> Void, note: ((String) -> Void)? = nil
    ) throws -> IngestOutcome {
        let storeFiles: Set<String> = [store.path, store.path + "-wal", store.path + "-shm", store.path + "-journal"]
        return try run(
            paths: paths, excluding: storeFiles, billStore: store, options: options, ingestor: ingestor, warn: warn,
            note: note)
    }

    /// Reads `paths` into the worker's sink (the store, or `attrib lines`' rows), leaving out `excluded` files.
    /// Bill files are written to `billStore` (without one, as for `attrib lines`, they are read and reported
    /// but not kept).
    public static func run(
        paths: [String], excluding excluded: Set<String>, billStore: Store? = nil,
        options: IngestOptions = IngestOptions(),
        ingestor: IngestWorker, warn: @escaping (String) -> Void, note: ((String) -> Void)? = nil
    ) throws -> IngestOutcome {
        let started = nowMillis()
        limitHeapGrowth()
        var (files, errors) = expandPaths(paths, excluding: excluded)
        for error in errors { warn(error.description) }
        let selection = BillExport.select(files)
        for problem in selection.problems { warn(problem) }
        let bedrock = BedrockDelivery.setAside(selection.files)
        for line in bedrock.lines { warn(line) }
        files = bedrock.files
        let bill = BillCollector()
        bill.onProblem = { p in warn(p.line > 0 ? "\(p.file): line \(p.line): \(p.reason)" : "\(p.file): \(p.reason)") }
        // Largest first: the last file to finish is a small one, so the workers end together.
        files = files.enumerated().sorted { a, b in
            let (x, y) = (a.element.size ?? .max, b.element.size ?? .max)
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)

        let run = Run(
            files: files, options: options, warn: warn, note: note ?? warn, primary: ingestor, bill: bill,
            storedSizes: try ingestor.shared.sink.storedSourceSizes())
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        // One thread per file, and more when a large file can use helpers (EventExchange).
        let wanted = options.workers ?? min(max(cores, 1), 4)
        let large = files.contains { ($0.size ?? .max) >= options.helpAboveBytes }
        let count = max(1, min(wanted, large ? wanted : files.count))
        let workers = [ingestor] + (1..<max(count, 1)).map { _ in ingestor.sibling() }
        // With one thread there is no one to hand events to, but its reader still goes through the exchange's
        // sink: it keeps a few events at a time, so that their dedup lookups are prefetched (ChunkingSink).
        run.exchange = EventExchange(
            threads: count, chunkEvents: options.chunkEvents, handOutAll: count > 1 && options.handOutAll)
        if workers.count == 1 {
            run.work(ingestor, index: 0)
        } else {
            for (i, w) in workers.enumerated() { run.instrument(w, index: i, of: workers.count) }
            let group = DispatchGroup()
            for (i, w) in workers.enumerated() {
                group.enter()
                let box = UncheckedBox((run, w))
                let thread = Thread {
                    box.value.0.work(box.value.1, index: i)
                    group.leave()
                }
                thread.stackSize = 8 << 20
                thread.start()
            }
            group.wait()
        }
        if let failure = run.failure { throw failure }

        var outcome = IngestOutcome(counts: IngestCounts(), openErrors: errors + run.openErrors)
        _ = try ingestor.finish()
        var total = IngestCounts()
        for w in workers { total.add(w.counts) }
        total.requestsTouched = ingestor.counts.requestsTouched
        outcome.counts = total
        outcome.interrupted = run.interrupted || workers.contains { $0.stopped }
        outcome.bill.files = bill.files
        outcome.bill.problems = bill.problems
        outcome.bill.replacedFiles = selection.replaced
        outcome.bill.manifestProblems = selection.problems
        outcome.bill.parquetFiles = run.parquetFiles
        // Whole periods are replaced, so an interrupted run leaves the stored bill as it was.
        if !outcome.interrupted && !bill.files.isEmpty {
            let lines = bill.lines
            if let billStore {
                outcome.bill.written = try billStore.replaceBillPeriods(lines)
            } else {
                warn("\(bill.files.count) bill file(s) read but not written: bill lines are kept only by attrib ingest")
            }
            // Kept, and counted as unexplained by reconcile; said once per usage type.
            var unknown: [String: (file: String, line: Int, count: Int)] = [:]
            for l in lines where l.kind == .usage && UsageType(l.usageType, productName: l.productName) == nil {
                unknown[l.usageType, default: (l.file, l.line, 0)].count += 1
            }
            for (type, first) in unknown.sorted(by: { $0.key < $1.key }) {
                warn(
                    "\(first.file): line \(first.line): usage type '\(type)' names no token type attrib knows (\(first.count) line\(first.count == 1 ? "" : "s")); kept, and shown by reconcile as unexplained"
                )
            }
            outcome.bill.unknownUsageTypes = unknown.keys.sorted()
            for copy in bill.duplicates {
                warn("\(copy): the same bill lines as another file of this run; counted once")
            }
            if bill.repeatedCells > 0 {
                warn(
                    "Cost Explorer: \(bill.repeatedCells) group\(bill.repeatedCells == 1 ? "" : "s") met again (the same day and keys on a page read twice); counted once"
                )
            }
        }
        outcome.elapsedSeconds = Double(nowMillis() - started) / 1000
        outcome.eventsHelped = run.exchange?.eventsHelped ?? 0
        return outcome
    }
}

/// Large blocks (the dedup tables, the request table, read buffers) are mapped on their own and given back to
/// the system when freed. By default glibc raises its mmap threshold to 32 MB after the first large block is
/// freed, and the tables that double as a run grows are then carved from the threads' heaps, where the freed
/// halves stay: at 2M requests peak RSS was 309 MB instead of 255 MB, for the same time.
private func limitHeapGrowth() {
    #if os(Linux)
    let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD (malloc.h)
    _ = glibcMallopt(mmapThreshold, 512 << 10)
    #endif
}

#if os(Linux)
// malloc.h is not part of the Glibc module.
@_silgen_name("mallopt") private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// The state of one run that its workers share: the queue of files, warnings, the first failure.
private final class Run: @unchecked Sendable {
    let files: [InputFile]
    let options: IngestOptions
    let lock = Lock()
    private let warnBody: (String) -> Void
    private let noteBody: (String) -> Void
    private var next = 0
    private(set) var openErrors: [InputError] = []
    private(set) var interrupted = false
    private(set) var failure: Error?
    private(set) var parquetFiles: [String] = []
    let bill: BillCollector
    // Progress across workers, in bytes of the files as stored (compressed when they are): the sizes of
    // finished files, plus what each worker has read of its current file (never more than its size).
    private var doneBytes: Int64 = 0
    private var currentBytes: [Int: Int64] = [:]
    private var progress: [IngestCounts] = []
    private let primaryProgress: ((IngestCounts, Int64, Int64?) -> Void)?
    private let primaryStop: () -> Bool
    private let totalBytes: Int64?
    /// Set when the run has several threads: those with no file left help those still reading.
    var exchange: EventExchange?

    /// Sizes of the files a file may be a copy of (several inputs of this size, or a stored source): such a
    /// file is fingerprinted before it is read, to be skipped if it is one; any other while it is read.
    private let sharedSizes: Set<Int64>

    init(
        files: [InputFile], options: IngestOptions, warn: @escaping (String) -> Void,
        note: @escaping (String) -> Void, primary: IngestWorker, bill: BillCollector, storedSizes: Set<Int64>
    ) {
        self.files = files
        var counts: [Int64: Int] = [:]
        for f in files { if let size = f.size { counts[size, default: 0] += 1 } }
        sharedSizes = storedSizes.union(counts.filter { $0.value > 1 }.keys)
        self.bill = bill
        self.options = options
        self.warnBody = warn
        self.noteBody = note
        self.primaryProgress = primary.onProgress
        self.primaryStop = primary.shouldStop
        totalBytes = files.contains { $0.size == nil } ? nil : files.reduce(0) { $0 + ($1.size ?? 0) }
        primary.totalBytes = totalBytes
    }

    func warn(_ message: String) { lock.locked { warnBody(message) } }
    /// A file skipped as empty or not an export: a line the user may silence (`--quiet`).
    func note(_ message: String) { lock.locked { noteBody(message) } }

    /// Makes a worker report progress and stop requests through the run (it may be on another thread).
    func instrument(_ w: IngestWorker, index: Int, of count: Int) {
        lock.locked { if progress.count < count { progress = Array(repeating: IngestCounts(), count: count) } }
        let total = totalBytes
        w.shouldStop = { [unowned self] in self.primaryStop() || self.lock.locked { self.failure != nil } }
        if let say = w.onReject {
            w.onReject = { [unowned self] line in self.lock.locked { say(line) } }  // one line at a time on stderr
        }
        guard let report = primaryProgress else { return }
        // `read` is already the run's (see `runBytes`); only the counts are added up here.
        w.onProgress = { [unowned self] counts, read, _ in
            self.lock.locked {
                self.progress[index] = counts
                var sum = IngestCounts()
                for c in self.progress { sum.add(c) }
                report(sum, read, total)
            }
        }
    }

    /// Bytes read by the whole run, given what worker `worker` has read of its current file.
    private func runBytes(worker: Int, current: Int64) -> Int64 {
        lock.locked {
            currentBytes[worker] = current
            return doneBytes + currentBytes.values.reduce(0, +)
        }
    }

    private func take() -> InputFile? {
        lock.locked {
            guard next < files.count, failure == nil else { return nil }
            defer { next += 1 }
            return files[next]
        }
    }

    /// Reads files until none is left, a stop is requested, or something fails.
    func work(_ w: IngestWorker, index: Int) {
        do {
            while let file = take() {
                if w.stopped || w.shouldStop() {
                    lock.locked { interrupted = true }
                    break
                }
                if try !read(file, into: w, index: index) { break }
            }
            if let exchange {
                // A thread that helps others has no file of its own: it reports the run's bytes as they are.
                w.bytesRead = { [unowned self] in self.runBytes(worker: index, current: 0) }
                exchange.help(w, failed: false)
            }
            try w.commit()
        } catch {
            exchange?.help(w, failed: true)
            w.rollback()
            lock.locked { if failure == nil { failure = error } }
        }
    }

    /// Reads one file; false when the run was interrupted.
    private func read(_ file: InputFile, into ingestor: IngestWorker, index: Int) throws -> Bool {
        // A file that may be a copy of one held is fingerprinted first; any other as it is read.
        let fingerprinted = file.size != nil && !options.force
        let fingerprintFirst = fingerprinted && sharedSizes.contains(file.size!)
        let streamed = fingerprinted && !fingerprintFirst ? StreamingFingerprint() : nil
        let opened: (source: ByteSource, compression: Compression)
        do {
            opened = try openInput(path: file.path, fingerprint: streamed)
        } catch {
            lock.locked { openErrors.append(error) }
            warn(error.description)
            return true
        }
        let source = opened.source
        let size = file.size ?? .max
        ingestor.bytesRead = { [unowned self] in self.runBytes(worker: index, current: min(source.rawBytesRead, size)) }
        defer {
            lock.locked {
                doneBytes += file.size ?? 0
                currentBytes[index] = 0
            }
            ingestor.bytesRead = { [unowned self] in self.runBytes(worker: index, current: 0) }
        }
        let print = file.isStandardInput ? "(stdin)" : file.path
        let fp = fingerprintFirst ? fingerprint(path: file.path, size: file.size!) : nil
        if try ingestor.beginSource(path: print, fingerprint: fp, bytes: file.size, compression: opened.compression)
            == .alreadyIngested
        {
            return true
        }
        let chunking = exchange.map { ChunkingSink(worker: ingestor, exchange: $0, owner: index) }
        do {
            let detected: Detected
            do {
                detected = try readInput(
                    opened.source, path: file.path, forced: options.forcedShape, sink: chunking ?? ingestor,
                    warn: { [unowned self] in self.warn("\(print): \($0)") }, bill: bill,
                    knowsColumns: ingestor.mappings.knowsColumns)
            } catch {
                // The events handed to other threads are in before the source ends, whatever stopped it;
                // a chunk that was interrupted or failed decides how (the source is then incomplete).
                if let failed = chunking?.drain() { throw failed }
                throw error
            }
            if let failed = chunking?.drain() { throw failed }
            switch detected {
            case .bill, .costExplorer:
                try ingestor.setAsideSource()
                return true
            case .parquet:
                warn(
                    "\(print): a Parquet file; attrib reads bills as CSV: convert it (duckdb -c \"COPY (SELECT * FROM '\(print)') TO 'bill.csv' (HEADER)\") or set the export's format to CSV (gzip)"
                )
                try ingestor.setAsideSource()
                lock.locked { parquetFiles.append(print) }
                return true
            case .empty:
                note("\(print): empty, skipped")
                try ingestor.discardSource()
                return true
            case .unrecognized:
                note("\(print): not a CloudWatch export or JSON log (shape not recognized), skipped")
                try ingestor.discardSource()
                return true
            case .unknownTable:
                warn("\(print): a table export whose columns no mapping reads (attrib mappings; --mapping), skipped")
                try ingestor.discardSource()
                return true
            default: break
            }
        } catch is IngestInterrupted {
            try ingestor.endSource(complete: false)
            lock.locked { interrupted = true }
            return false
        } catch let error as InputError {
            // The good part before the damage is already in; the damage is one reject.
            if case .corrupt(_, let offset, let reason) = error {
                try ingestor.rejectSource(position: Position(byte: offset), reason: reason)
                warn("\(print): byte \(offset): \(reason); events before it were kept")
            } else {
                warn(error.description)
                lock.locked { openErrors.append(error) }
            }
        }
        let complete = !ingestor.stopped
        let made = complete ? file.size.flatMap { streamed?.finish(path: file.path, size: $0) } : nil
        try ingestor.endSource(complete: complete, fingerprint: made)
        return complete
    }
}

extension IngestCounts {
    mutating func add(_ o: IngestCounts) {
        files += o.files
        skippedFiles += o.skippedFiles
        unrecognizedFiles += o.unrecognizedFiles
        cleanFiles += o.cleanFiles
        events += o.events
        newEvents += o.newEvents
        duplicates += o.duplicates
        rejects += o.rejects
        for (k, v) in o.rejectsByReason { rejectsByReason[k, default: 0] += v }
        for (k, v) in o.filesByMapping { filesByMapping[k, default: 0] += v }
        requestsTouched += o.requestsTouched
    }
}

/// Hands a value to another thread when the code guarantees it is used there alone.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
