// What every read command shares: it builds a Document in AttribCore; choosing the format and printing is here, once.

import ArgumentParser
import AttribCore

/// A command whose result is a document. Its flags are checked in `validate()`; `document()` may fail only
/// on the data (the store, a price file), and the shared `run()` prints the document in the chosen format.
protocol DocumentCommand: ParsableCommand {
    var output: OutputOptions { get }
    func document() throws -> Document
}

extension DocumentCommand {
    func run() throws {
        try runCommand {
            if let command = self as? any SQLPrintingCommand, command.sqlOptions.sql != nil {
                Terminal.write(try command.clickHouseSQL())
                return
            }
            let document = try document()
            let format = output.resolved
            Terminal.write(
                render(
                    document, format: format,
                    options: RenderOptions(color: Terminal.useColor, width: Terminal.stdoutWidth)))
            if format == .table {
                for note in document.notes { Terminal.write(note + "\n", to: 2) }
            }
        }
    }
}

/// A document command that reads the store: the store is opened read-only, once flags have passed `validate()`.
protocol StoreDocumentCommand: DocumentCommand {
    var global: GlobalOptions { get }
    func document(store: Store) throws -> Document
}

extension StoreDocumentCommand {
    func document() throws -> Document {
        try document(store: try global.openStore())
    }
}

/// The stderr warning SPEC §3 asks for: unpriced models by name, with the tokens they hide.
func warnUnpriced(_ unpriced: [UnpricedModel], quiet: Bool) {
    if quiet { return }
    for u in unpriced {
        Terminal.warn(
            "no price for model '\(u.modelId)' (\(withSeparators(u.requests)) requests, \(withSeparators(u.tokens.input)) input, \(withSeparators(u.tokens.output)) output, \(withSeparators(u.tokens.cacheRead)) cache read, \(withSeparators(u.tokens.cacheWrite)) cache write tokens): its cost is left empty; give a price with --prices FILE"
        )
    }
}
