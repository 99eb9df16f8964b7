// `attrib show`: one request's lines as stored, and the row attrib assembled from them.

import ArgumentParser
import AttribCore

struct Show: StoreDocumentCommand {
    static let configuration = CommandConfiguration(
        abstract: "One request: its lines in time order, as stored, and its assembled row.",
        discussion: """
            Prints every distinct line of the request (read back from the store's compressed blocks), then \
            the row attrib assembled from them: identity, model, route, status, the four token counts. \
            In JSON: {"lines": [{"time", "statement", "message"}...], "request": {...}}.

            EXAMPLE:
              attrib show 6f1c2a9e-0d7b-4c3e-9a51-2b8f4e7d1c20
              attrib show 6f1c2a9e-0d7b-4c3e-9a51-2b8f4e7d1c20 --format json | jq .request
            """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var output: OutputOptions

    @Argument(
        help: ArgumentHelp(
            "The request_id (orphan usage lines: the orphan-<hex> id from attrib sql).", valueName: "request-id"))
    var requestId: String

    func document(store: Store) throws -> Document {
        guard let shown = try Reports.show(requestId: requestId, store: store) else {
            throw ReportError.data("no request with request_id '\(requestId)' in \(store.path)")
        }
        return Reports.document(shown)
    }
}
