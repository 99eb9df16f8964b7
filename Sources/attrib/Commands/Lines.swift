// `attrib lines`: the map step for ClickHouse: one normalised row per distinct event, on stdout.

import ArgumentParser
import AttribCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LineRowFormat: ExpressibleByArgument {}

struct Lines: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print one normalised row per distinct event, for ClickHouse (no store needed).",
        discussion: """
            Reads raw exports of every shape ingest reads (same detection, decompression, rejects, and \
            dedup within the run) and writes one row per distinct event to stdout: event_key, time_ms, \
            source, log_group, log_stream, request_id, statement, every canonical field, is_json, \
            is_usage, is_mantle, and the token counts as attrib stores them (input uncached, output, \
            cache read, cache write; zero on lines without usage). Nothing is stored. With --db and no \
            PATH, writes the rows of the lines an existing store holds instead.

            The event key is the store's: a fixed 64-bit hash of the message's bytes (line ends at its \
            end removed); a JSON message with its own timestamp is keyed by its text alone, anything \
            else by its text and its time. The same event has the same key on every machine and in every \
            run, so attrib_lines (a ReplacingMergeTree keyed by it, attrib clickhouse schema) counts a \
            file delivered twice once.

            EXAMPLES:
              attrib lines exports/ | clickhouse-client --query "INSERT INTO attrib_lines FORMAT JSONEachRow"
              attrib lines --format csv logs.jsonl.zst | head
              attrib lines --db attrib.db > lines.jsonl
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "jsoneachrow (default), csv or tsv (both with a header; ClickHouse CSVWithNames, TSVWithNames).",
            valueName: "format"))
    var format: LineRowFormat = .jsonEachRow

    @Option(
        name: .long,
        help: ArgumentHelp("Write the rows of this store's lines instead of reading exports.", valueName: "path"))
    var db: String?

    @Flag(name: .shortAndLong, help: "Print nothing on stderr but errors.")
    var quiet = false

    @Option(
        name: [.customShort("j"), .long],
        help: ArgumentHelp("Files read at once, one per thread (default: one per core, at most 4).", valueName: "n"))
    var threads: Int?

    @Argument(help: ArgumentHelp("Files, directories, or - for stdin.", valueName: "path"))
    var paths: [String] = []

    func validate() throws {
        try usageChecked {
            if let threads, threads < 1 { throw ReportError.usage("--threads must be at least 1") }
            if db != nil && !paths.isEmpty { throw ReportError.usage("--db writes a store's lines: give no PATH") }
            if db == nil && paths.isEmpty { throw ReportError.usage("give files to read, or --db STORE") }
        }
    }

    func run() throws {
        try runCommand {
            if let db {
                _ = try Store(path: db, readOnly: true).writeLineRows(format: format, output: writeOut)
                return
            }
            let sink = LinesSink(format: format, output: writeOut)
            let worker = try IngestWorker(lines: sink)
            if !quiet {
                worker.onReject = { line in Terminal.write("attrib: reject: \(line)\n", to: 2) }
            }
            let outcome = try IngestRun.run(
                paths: paths, excluding: [], options: IngestOptions(workers: threads), ingestor: worker,
                warn: { Terminal.warn($0) })
            let c = outcome.counts
            if !quiet {
                Terminal.write(
                    "lines: \(withSeparators(sink.rowsWritten)) rows from \(withSeparators(c.files)) file\(c.files == 1 ? "" : "s") (\(withSeparators(c.duplicates)) duplicates, \(withSeparators(c.rejects)) rejects) in \(String(format: "%.2f", outcome.elapsedSeconds)) s\n",
                    to: 2)
            }
            if !outcome.openErrors.isEmpty { throw ExitCode(Exit.noInput) }
            if c.events == 0 && c.cleanFiles == 0 {
                Terminal.error("nothing readable in the inputs")
                throw ExitCode(Exit.data)
            }
        }
    }
}

/// Writes bytes to stdout; a closed pipe (`attrib lines ... | head`) ends the program quietly.
func writeOut(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = Glibc.write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { exit(0) }
                return
            }
            offset += n
        }
    }
}
