// --format for every command that prints a document, and the default when it is not given.

import ArgumentParser
import AttribCore

extension OutputFormat: ExpressibleByArgument {}

struct OutputOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "table, csv, tsv, json, jsonl or markdown. Default: table on a terminal, csv otherwise.",
            valueName: "format"))
    var format: OutputFormat?

    /// A table for people on a terminal, CSV for programs reading a pipe.
    var resolved: OutputFormat { format ?? (Terminal.stdoutIsTerminal ? .table : .csv) }
}
