// `attrib ingest`: read exports into the store, with a progress line and a summary on stderr.

import ArgumentParser
import AttribCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

nonisolated(unsafe) private var interruptRequested: sig_atomic_t = 0

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read CloudWatch log exports into the store.",
        discussion: """
            PATH may be a file, a directory (read recursively) or - for stdin; files are read several at \
            once (one per core, largest first; --threads to choose). The shape \
            (filter-log-events, also its events array alone as --query events prints it, get-log-events, S3 \
            export, Firehose, Logs Insights JSON/CSV/get-query-results, \
            JSON lines, and table exports: CSV or TSV with a header row, sqlite3 -json arrays) is detected from \
            the content, and gzip or zstd compression from the first bytes, \
            whatever the file is called. Each file's gateway is recognised from its first JSON message \
            (attrib mappings lists the built-in mappings and how each is recognised; the router's is the \
            default); --mapping reads every file with one mapping. Events already in the store are counted as duplicates and not \
            stored twice; a file whose exact content was ingested before is skipped. Lines that cannot be \
            read are rejects: counted, reported with their position, kept in the store, and the rest of \
            the input is still read. Between the documents of an envelope export (Firehose records, pages), \
            anything that is not one (a foreign JSON object, plain text) is a reject. A recognised export \
            with no events (a Firehose health check, an empty page) is a success, not "nothing readable".

            TABLE EXPORTS: each row is a message for the mapping whose columns it has (ClickHouse CSVWithNames, \
            TSVWithNames and JSONEachRow; psql \\copy ... CSV HEADER; sqlite3 -json). \\N, and an unquoted empty \
            CSV field, are NULL. A row is a whole record: the same record in two exports (CSV and \
            JSONEachRow, or two overlapping exports) counts once, by its mapping's record id. A row whose typed \
            column does not parse (a token count abc, a bad time), with the wrong number of fields, or with an \
            unterminated quote is a reject naming its line (the header is line 1). A table whose columns no \
            mapping reads is skipped with a warning (--mapping reads it).

            An S3 export's log stream is the path between the export task's folder (the nearest folder \
            above the file's own folder named by a UUID task id) and 000000.gz, so 2019/06/19/[$LATEST]abc \
            or ecs/router/0a1b2c stays whole; a file outside that layout has no stream. A Logs Insights \
            CSV row that is not RFC 4180 is never cut short: when only @message is malformed (quotes not \
            doubled, as the console writes JSON messages) it is read whole, as the text between the other \
            columns, with a warning; any other malformed row is a reject naming its line.

            Messages are kept as exported, except that line ends (\\n, \\r\\n) at the end of a message are \
            removed (all of them), in every shape, so that the same event looks the same in every export \
            and counts once (Lambda's END and REPORT lines end in \\n; an S3 export cannot carry it).

            BILLS: a Cost and Usage Report CSV (CUR 2.0 / Data Exports, or legacy CUR; .csv, .csv.gz, \
            .csv.zst) is recognised by its header, and Cost Explorer's answer (aws ce get-cost-and-usage \
            --granularity DAILY --group-by Type=DIMENSION,Key=SERVICE --group-by \
            Type=DIMENSION,Key=USAGE_TYPE; without SERVICE only usage types that name tokens are kept) by its \
            first keys. Only Bedrock's lines are kept (AmazonBedrock, \
            AmazonBedrockService, Marketplace models "(Amazon Bedrock Edition)"), with credits, \
            discounts, tax and refunds as their own kinds. Each billing period read replaces what the \
            store held for it, so ingest all the files of a period together (an export folder, whose \
            manifests name the current files of each period: earlier deliveries beside them are not \
            read). A Parquet export is not read (exit 65): convert it to CSV, e.g. with duckdb. A bill \
            line with a cost that is not a number, and a truncated file's cut line, are skipped with one \
            line on stderr; --strict makes them exit 65.

            Ctrl-C stops at the next batch boundary; run the same command again to finish. A second \
            ingest into the same store waits for the first to end.

            EXAMPLES:
              attrib ingest exports/
              aws logs filter-log-events --log-group-name /ecs/llm-router | attrib ingest -
              attrib ingest --strict logs.jsonl.zst
              attrib ingest --mapping my-gateway.json gateway-logs/
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Force the input shape instead of detecting it.", valueName: "shape"))
    var format: ShapeArgument?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Read every file with this field mapping: a built-in one's name (attrib mappings) or a mapping file.",
            valueName: "name|file"))
    var mapping: String?

    @Flag(name: .long, help: "Exit with status 65 if any line was rejected.")
    var strict = false

    @Flag(name: .long, help: "Read files again even if identical content was already ingested.")
    var force = false

    @Option(
        name: [.customShort("j"), .long],
        help: ArgumentHelp(
            "Files read at once, one per thread (default: one per core, at most 4; each thread adds about 17 MB).",
            valueName: "n"))
    var threads: Int?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Events per transaction (tests use small batches to interrupt between them).", visibility: .hidden))
    var batchSize: Int = 25_000

    @Argument(help: ArgumentHelp("Files, directories, or - for stdin.", valueName: "path"))
    var paths: [String]

    /// Before run(): a bad value must not create or migrate a store.
    func validate() throws {
        try usageChecked {
            guard batchSize >= 1 else { throw ReportError.usage("--batch-size must be at least 1") }
            if let threads, threads < 1 { throw ReportError.usage("--threads must be at least 1") }
            if let mapping { _ = try FieldMapping.named(mapping) }
        }
    }

    func run() throws {
        signal(SIGINT) { _ in
            if interruptRequested != 0 { _exit(130) }  // a second Ctrl-C: stop now (the batch rolls back)
            interruptRequested = 1
        }
        try runCommand {
            let store = try global.openStore(forWriting: true)
            let forced = try mapping.map { name throws(MappingError) in try FieldMapping.named(name) }
            let ingestor = try IngestWorker(store: store, mapping: forced, batchSize: batchSize)
            ingestor.shouldStop = { interruptRequested != 0 }
            if !global.quiet {
                ingestor.onReject = { line in
                    if Terminal.stderrIsTerminal { Terminal.write("\r\u{1B}[K", to: 2) }
                    Terminal.write("attrib: reject: \(line)\n", to: 2)
                }
            }
            let showProgress = Terminal.stderrIsTerminal && !global.quiet
            var lastDraw: Int64 = 0
            let start = monotonicMillis()
            if showProgress {
                ingestor.onProgress = { counts, read, total in
                    let now = monotonicMillis()
                    guard now - lastDraw >= 200 else { return }
                    lastDraw = now
                    let line = IngestProgress.line(
                        events: counts.events, read: read, total: total, elapsedSeconds: Double(now - start) / 1000)
                    Terminal.write("\r\u{1B}[K" + line, to: 2)
                }
            }
            let warn = { (message: String) in
                if showProgress { Terminal.write("\r\u{1B}[K", to: 2) }
                Terminal.warn(message)
            }
            let outcome = try IngestRun.run(
                paths: paths, store: store,
                options: IngestOptions(forcedShape: format?.shape, force: force, workers: threads),
                ingestor: ingestor,
                warn: warn,
                // --quiet: nothing on stderr but errors, and a file skipped as empty or not an export is not one.
                note: global.quiet ? { _ in } : warn)
            if showProgress { Terminal.write("\r\u{1B}[K", to: 2) }
            if !global.quiet { Terminal.write(summary(outcome), to: 2) }
            if outcome.interrupted {
                Terminal.error(
                    "interrupted: everything up to the last batch is saved; run the same command again to finish")
                throw ExitCode(Exit.interrupted)
            }
            if !outcome.openErrors.isEmpty { throw ExitCode(Exit.noInput) }
            // A recognised file read without a reject is a success even with no events (a Firehose health
            // check, an empty page): nothing readable means no such file, no event, nothing skipped as known.
            if !outcome.bill.parquetFiles.isEmpty {
                Terminal.error("\(outcome.bill.parquetFiles.count) Parquet file(s) not read; convert them to CSV")
                throw ExitCode(Exit.data)
            }
            if outcome.counts.events == 0 && outcome.counts.skippedFiles == 0 && outcome.counts.cleanFiles == 0
                && outcome.bill.files.isEmpty
            {
                Terminal.error("nothing readable in the inputs")
                throw ExitCode(Exit.data)
            }
            if strict && outcome.counts.rejects > 0 {
                Terminal.error("--strict: \(outcome.counts.rejects) rejected line(s)")
                throw ExitCode(Exit.data)
            }
            let billProblems = outcome.bill.problems.count + outcome.bill.manifestProblems.count
            if strict && billProblems > 0 {
                Terminal.error("--strict: \(billProblems) bill problem(s)")
                throw ExitCode(Exit.data)
            }
        }
    }

    func summary(_ o: IngestOutcome) -> String {
        let c = o.counts
        var lines: [String] = []
        var files = "\(withSeparators(c.files)) file\(c.files == 1 ? "" : "s") read"
        if c.skippedFiles > 0 { files += ", \(withSeparators(c.skippedFiles)) already ingested (skipped)" }
        if c.unrecognizedFiles > 0 { files += ", \(withSeparators(c.unrecognizedFiles)) not recognized" }
        lines.append("ingest: \(files) in \(String(format: "%.2f", o.elapsedSeconds)) s")
        // Which mapping read the files, when any but the router's did (the router-only summary is unchanged).
        if c.filesByMapping.keys.contains(where: { $0 != FieldMapping.router.name }) {
            let byMapping = c.filesByMapping.sorted { $0.key < $1.key }.map { "\($0.key) \(withSeparators($0.value))" }
            lines.append("  mappings: " + byMapping.joined(separator: ", "))
        }
        lines.append(
            "  events: \(withSeparators(c.events)) (\(withSeparators(c.newEvents)) new, \(withSeparators(c.duplicates)) duplicates)"
        )
        if c.rejects > 0 {
            let reasons = c.rejectsByReason.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                .map { "\($0.key) \(withSeparators($0.value))" }.joined(separator: ", ")
            lines.append(
                "  rejects: \(withSeparators(c.rejects)) (\(reasons)); see `attrib sql \"SELECT * FROM reject\"`")
        } else {
            lines.append("  rejects: 0")
        }
        lines.append("  requests touched: \(withSeparators(c.requestsTouched))")
        let b = o.bill
        if !b.files.isEmpty {
            let kept = b.files.reduce(0) { $0 + $1.lines }
            let other = b.files.reduce(0) { $0 + $1.otherLines }
            var text =
                "  bill: \(b.files.count) file\(b.files.count == 1 ? "" : "s"), \(withSeparators(kept)) Bedrock line\(kept == 1 ? "" : "s") (\(withSeparators(other)) other lines skipped)"
            if !b.problems.isEmpty { text += ", \(b.problems.count) problem\(b.problems.count == 1 ? "" : "s")" }
            lines.append(text)
            if let w = b.written, !w.periods.isEmpty {
                lines.append(
                    "  bill periods replaced: \(w.periods.joined(separator: ", ")) (\(withSeparators(w.replacedLines)) lines before, \(withSeparators(w.lines)) now)"
                )
            }
        }
        if !b.replacedFiles.isEmpty {
            lines.append(
                "  bill files not named by their manifest (earlier deliveries, not read): \(b.replacedFiles.count)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `--format` values for ingest: the shape names of SPEC §2.
struct ShapeArgument: ExpressibleByArgument {
    var shape: Shape
    init?(argument: String) {
        guard let s = Shape(rawValue: argument) else { return nil }
        shape = s
    }
    static var allValueStrings: [String] { Shape.allCases.map(\.rawValue) }
}

func monotonicMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
