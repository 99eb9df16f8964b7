// `attrib sources`: what the store holds, one row per input read.

import ArgumentParser
import AttribCore

struct Sources: StoreDocumentCommand {
    static let configuration = CommandConfiguration(
        abstract: "What the store holds: inputs ingested, time range, event and request counts.",
        discussion: """
            One row per input read: its path, detected shape and compression, events (new and duplicate), \
            rejects, whether it was read completely, and its time range.

            EXAMPLES:
              attrib sources
              attrib sources --format json | jq '.rows[] | select(.rejects > 0)'
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var output: OutputOptions

    func document(store: Store) throws -> Document {
        Reports.document(try Reports.sources(store: store), summaryLine: !global.quiet)
    }
}
