// One `attrib ingest` run: expand paths, skip what is already stored, read each input into the store.

/// The outcome of a run, for the summary and the exit code.
public struct IngestOutcome: Sendable {
    public var counts: IngestCounts
    /// Paths that could not be opened (exit 66).
    public var openErrors: [InputError] = []
    /// True when a stop was requested (Ctrl-C) and the run ended at a batch boundary.
    public var interrupted = false
    public var elapsedSeconds: Double = 0
}

public struct IngestOptions: Sendable {
    public var forcedShape: Shape?
    /// Re-read inputs even when an identical file was already ingested completely.
    public var force = false
    public init(forcedShape: Shape? = nil, force: Bool = false) {
        self.forcedShape = forcedShape
        self.force = force
    }
}

public enum IngestRun {
    /// Ingests `paths` into `store`. `warn` receives one line per skipped or unreadable input.
    public static func run(paths: [String], store: Store, options: IngestOptions = IngestOptions(),
                           ingestor: Ingestor, warn: (String) -> Void) throws -> IngestOutcome {
        let started = nowMillis()
        let storeFiles: Set<String> = [store.path, store.path + "-wal", store.path + "-shm", store.path + "-journal"]
        let (files, errors) = expandPaths(paths, excluding: storeFiles)
        var outcome = IngestOutcome(counts: IngestCounts(), openErrors: errors)
        for error in errors { warn(error.description) }
        ingestor.totalBytes = files.contains { $0.size == nil } ? nil : files.reduce(0) { $0 + ($1.size ?? 0) }
        var doneBytes: Int64 = 0
        for file in files {
            if ingestor.stopped {
                outcome.interrupted = true
                break
            }
            let opened: (source: ByteSource, compression: Compression)
            do {
                opened = try openInput(path: file.path)
            } catch {
                outcome.openErrors.append(error)
                warn(error.description)
                continue
            }
            defer { doneBytes += file.size ?? 0 }
            let source = opened.source
            let before = doneBytes
            ingestor.bytesRead = { before + source.rawBytesRead }
            let print = file.isStandardInput ? "(stdin)" : file.path
            let fp = (file.size != nil && !options.force) ? fingerprint(path: file.path, size: file.size!) : nil
            if try ingestor.beginSource(path: print, fingerprint: fp, bytes: file.size, compression: opened.compression) == .alreadyIngested {
                continue
            }
            do {
                let detected = try readInput(opened.source, path: file.path, forced: options.forcedShape, sink: ingestor)
                switch detected {
                case .empty:
                    warn("\(print): empty, skipped")
                    try ingestor.discardSource()
                    continue
                case .unrecognized:
                    warn("\(print): not a CloudWatch export or JSON log (shape not recognized), skipped")
                    try ingestor.discardSource()
                    continue
                default: break
                }
            } catch is IngestInterrupted {
                try ingestor.endSource(complete: false)
                outcome.interrupted = true
                break
            } catch let error as InputError {
                // The good part before the damage is already in; the damage is one reject.
                if case .corrupt(_, let offset, let reason) = error {
                    try ingestor.rejectSource(position: Position(byte: offset), reason: reason)
                    warn("\(print): byte \(offset): \(reason); events before it were kept")
                } else {
                    warn(error.description)
                    outcome.openErrors.append(error)
                }
            }
            try ingestor.endSource(complete: !ingestor.stopped)
        }
        outcome.counts = try ingestor.finish()
        outcome.interrupted = outcome.interrupted || ingestor.stopped
        outcome.elapsedSeconds = Double(nowMillis() - started) / 1000
        return outcome
    }
}
