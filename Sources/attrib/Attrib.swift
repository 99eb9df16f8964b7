// The `attrib` command: flags, subcommands, and nothing else; the product lives in AttribCore.

import ArgumentParser
import AttribCore

@main
struct Attrib: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "attrib",
        abstract: "Who used which LLM, and what did it cost? Attribution of LLM gateway usage from CloudWatch log exports.",
        discussion: """
            attrib ingests CloudWatch Logs exports of an LLM router's JSON logs (filter-log-events, \
            get-log-events, S3 export, Firehose, Logs Insights results, raw JSON lines; gzip or zstd) \
            into a local SQLite store, joins the lines of each request by request_id, and reports \
            tokens and cost by user and model.

            EXAMPLES:
              attrib ingest exports/                       # any mix of shapes, .gz/.zst, directories
              attrib report --by user_email,modelId        # tokens and cost per user and model
              attrib report --format csv > usage.csv       # into a spreadsheet (CSV is the default when piped)

            EXIT STATUS:
              0 success; 64 usage error (bad flag, unknown dimension, bad date); 65 data error (nothing \
            readable in the inputs, --strict rejects, an unreadable price file); 66 an input path that \
            does not exist or cannot be opened; 130 interrupted (Ctrl-C); 1 anything else.
            """,
        version: version,
        subcommands: [Ingest.self, Report.self, Mantle.self, Gaps.self, Show.self, Sources.self]
    )
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The store file.", discussion: "Default: $ATTRIB_DB, else ./attrib.db.", valueName: "path"))
    var db: String?

    @Flag(name: .shortAndLong, help: "Print nothing on stderr but errors.")
    var quiet = false

    var storePath: String {
        if let db { return db }
        if let env = getenv("ATTRIB_DB"), let s = String(validatingCString: env), !s.isEmpty { return s }
        return "attrib.db"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
