// The `attrib` command: flags, subcommands, and nothing else; the product lives in AttribCore.

import ArgumentParser
import AttribCore

@main
struct Attrib: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "attrib",
        abstract:
            "Who used which LLM, and what did it cost? Attribution of LLM gateway usage from CloudWatch log exports.",
        discussion: """
            attrib ingests CloudWatch Logs exports of an LLM router's JSON logs (filter-log-events, \
            get-log-events, S3 export, Firehose, Logs Insights results, raw JSON lines; gzip or zstd) \
            into a local SQLite store, joins the lines of each request by request_id, and reports \
            tokens and cost by user and model. Other gateways' logs (llm-proxy, mizan, budgateway, aura) \
            and Bedrock's invocation logs are read through mappings (attrib mappings), each file's system \
            recognised from its content.

            EXAMPLES:
              attrib ingest exports/                       # any mix of shapes, .gz/.zst, directories, - for stdin
              attrib report --by user_email,modelId        # tokens and cost per user and model
              attrib report --format csv > usage.csv       # into a spreadsheet (CSV is the default when piped)
              attrib mantle                                # who is behind the Bedrock Mantle spend
              attrib gaps                                  # where identity is missing, and what it hides
              attrib reconcile --split --by user_email     # the Bedrock bill against the logs, in billed dollars

            INPUT SHAPES (detected from content; gzip and zstd from magic bytes):
              filter-log-events   aws logs filter-log-events output, any size, pretty or compact
              get-log-events      aws logs get-log-events pages, back to back in one file
              s3-export           CreateExportTask files: lines "2026-03-01T10:00:00.123Z <message>"
              firehose            subscription records {"messageType":"DATA_MESSAGE",...}, gzip members or }{
              insights-json       the Logs Insights console's JSON export (array of rows)
              insights-csv        the console's CSV export (@timestamp, @message, ...; BOM allowed)
              get-query-results   aws logs get-query-results output
              json-lines          a container's raw JSON lines (logs.jsonl)
              gcloud-logging-read gcloud logging read --format=json: an array of Cloud Logging LogEntry
              cloud-logging-sink  Cloud Logging's Cloud Storage sink files: one LogEntry a line
              bills               a Cost and Usage Report CSV (CUR 2.0 or legacy) or its export folder: see reconcile

            STORE: --db PATH, else $ATTRIB_DB, else ./attrib.db: one SQLite file (WAL). The views \
            requests and events are documented under attrib sql.

            EXIT STATUS:
              0    success
              64   usage error: a bad flag, an unknown dimension, a bad date or time zone, a bad mapping file
              65   data error: nothing readable in the inputs, --strict and a reject, an unreadable price file
              66   an input path that does not exist or cannot be opened (other inputs are still read)
              130  interrupted (Ctrl-C): what was committed stays; run the same command again to finish
              1    anything else (the store cannot be opened, is busy, ...)
            """,
        version: version,
        subcommands: [
            Ingest.self, Lines.self, Report.self, Mantle.self, Gaps.self, Html.self, Reconcile.self, Show.self,
            Sources.self, Prices.self, Mappings.self, BillModelsCommand.self, Sql.self, ClickHouse.self,
        ]
    )
}
