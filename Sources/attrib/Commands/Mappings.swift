// `attrib mappings`: the built-in field mappings, or one mapping file's text to start your own from.

import ArgumentParser
import AttribCore

struct Mappings: DocumentCommand {
    static let configuration = CommandConfiguration(
        abstract: "The built-in field mappings, or the text of one.",
        discussion: """
            A mapping says, for each field attrib understands, where a gateway's log line carries it (see \
            the README, "Mapping files"). attrib ingest recognises each file's gateway from its first JSON \
            message, trying the mappings with a recognized_by rule in this order, else the router's; \
            ingest --mapping NAME|FILE reads every file with one mapping. With a NAME, prints that \
            built-in mapping's file, to copy and edit into your own.

            EXAMPLES:
              attrib mappings
              attrib mappings aura > my-gateway.json
              attrib ingest --mapping my-gateway.json logs/
            """
    )

    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("A built-in mapping whose file to print.", valueName: "name"))
    var name: String?

    func validate() throws {
        try usageChecked {
            if let name, FieldMapping.builtInText(named: name) == nil {
                let known = FieldMapping.builtIns.map(\.name).joined(separator: ", ")
                throw ReportError.usage("no built-in mapping '\(name)' (known: \(known))")
            }
        }
    }

    func run() throws {
        if let name, let text = FieldMapping.builtInText(named: name) {
            Terminal.write(text.hasSuffix("\n") ? text : text + "\n")
            return
        }
        try runCommand {
            let format = output.resolved
            Terminal.write(
                render(Reports.mappingsDocument(), format: format, options: RenderOptions(color: Terminal.useColor)))
        }
    }

    func document() throws -> Document { Reports.mappingsDocument() }
}
