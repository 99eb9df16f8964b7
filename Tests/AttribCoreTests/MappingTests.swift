// Mappings are files: parsing and routing follow the mapping file, its errors name file and key, and the
// compiled-in mappings are the files in Parse/Mappings.

import Foundation
import Testing

@testable import AttribCore

let mappingsURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Sources/AttribCore/Parse/Mappings")

/// The router's mapping file as it is on disk.
func routerMappingText() throws -> String {
    try String(contentsOf: mappingsURL.appendingPathComponent("router.json"), encoding: .utf8)
}

/// The router's mapping file with one change, written to a file of its own and loaded from there.
func editedMapping(_ edit: (String) -> String, name: String = "gateway.json") throws -> FieldMapping {
    let text = try routerMappingText()
    let edited = edit(text)
    #expect(edited != text, "the edit changed nothing")
    let path = temporaryDirectory().appendingPathComponent(name).path
    try edited.write(toFile: path, atomically: true, encoding: .utf8)
    return try MappingLoader.load(path: path)
}

/// The router's file with `user_email` renamed `email_address`.
func renamedEmailMapping() throws -> FieldMapping {
    try editedMapping {
        $0.replacingOccurrences(of: #""userEmail": [["user_email"]]"#, with: #""userEmail": [["email_address"]]"#)
    }
}

func parse(_ message: String, with mapping: FieldMapping) -> ParsedLine {
    let line = ParsedLine()
    Array(message.utf8).withUnsafeBytes { LineParser(mapping: mapping).parse($0, into: line) }
    return line
}

/// Ingests JSON lines with `mapping` into a new store; the stored requests.
func ingestLines(_ lines: [String], mapping: FieldMapping) throws -> [StoredRequest] {
    let db = temporaryDirectory().appendingPathComponent("attrib.db").path
    let store = try Store(path: db)
    let ingestor = try IngestWorker(store: store, mapping: mapping, batchSize: 3)
    _ = try ingestor.beginSource(path: "logs.jsonl", fingerprint: nil, bytes: nil, compression: .none)
    _ = try readInput(MemorySource(lines.joined(separator: "\n") + "\n"), path: "logs.jsonl", sink: ingestor)
    try ingestor.endSource(complete: true)
    _ = try ingestor.finish()
    return try storedRequests(db)
}

/// The error decoding `text` as `bad.json` throws, or nil.
func mappingError(_ text: String) -> MappingError? {
    do {
        _ = try MappingLoader.decode(text, file: "bad.json")
        return nil
    } catch {
        return error
    }
}

@Suite("Mapping files")
struct MappingTests {
    let bothEmails =
        #"{"message": "Request started", "request_id": "r1", "user_email": "old@example.com", "email_address": "new@example.com"}"#
    let oldEmailOnly = #"{"message": "Request started", "request_id": "r1", "user_email": "old@example.com"}"#

    @Test("Parsing follows the file: a key renamed in a copy of router.json is where userEmail comes from")
    func parsingFollowsTheFile() throws {
        let mapping = try renamedEmailMapping()
        #expect(mapping.name == "gateway")
        #expect(parse(bothEmails, with: mapping).string(.userEmail) == "new@example.com")
        #expect(parse(oldEmailOnly, with: mapping).string(.userEmail) == nil)
        #expect(parse(bothEmails, with: .router).string(.userEmail) == "old@example.com")
    }

    @Test("Ingest follows the file: requests are attributed through the renamed key")
    func ingestFollowsTheFile() throws {
        let lines = [
            #"{"timestamp": "2026-03-02T09:00:00.000Z", "message": "Request started", "request_id": "r1", "email_address": "new@example.com", "user_email": "old@example.com"}"#,
            #"{"timestamp": "2026-03-02T09:00:01.000Z", "message": "Stream usage emitted", "request_id": "r1", "modelId": "m", "input_tokens": 5, "output_tokens": 6}"#,
        ]
        #expect(try ingestLines(lines, mapping: renamedEmailMapping()).map(\.email) == ["new@example.com"])
        #expect(try ingestLines(lines, mapping: .router).map(\.email) == ["old@example.com"])
    }

    @Test("A Mantle statement given in a mapping file puts a request on the mantle route")
    func mantleStatementsFromTheFile() throws {
        let mapping = try editedMapping {
            $0.replacingOccurrences(of: #""mantle": ["#, with: #""mantle": ["Relayed to Mantle", "#)
        }
        #expect(mapping.mantleStatements.first == "Relayed to Mantle")
        let relayed = Array("Relayed to Mantle".utf8)
        #expect(relayed.withUnsafeBufferPointer { CompiledMapping(mapping).isMantleStatement($0) })
        #expect(!relayed.withUnsafeBufferPointer { CompiledMapping(.router).isMantleStatement($0) })

        let line =
            #"{"timestamp": "2026-03-02T09:05:00.000Z", "message": "Relayed to Mantle", "request_id": "r2", "modelId": "moonshotai.kimi-k2.5", "prompt_tokens": 10, "completion_tokens": 1}"#
        #expect(try ingestLines([line], mapping: mapping).map(\.route) == ["mantle"])
        #expect(try ingestLines([line], mapping: .router).map(\.route) == ["bedrock"])
    }

    @Test("The router's Mantle statements are the three of SPEC §3, read from router.json")
    func routerMantleStatements() {
        #expect(
            FieldMapping.router.mantleStatements == [
                "Forwarding to Bedrock Mantle", "Mantle streaming complete", "Mantle non-streaming response",
            ])
    }

    @Test("The compiled-in mappings are the files in Parse/Mappings, byte for byte (else run scripts/embed-mappings)")
    func builtInMatchesFiles() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: mappingsURL.path).filter {
            $0.hasSuffix(".json")
        }.sorted()
        #expect(BuiltInMappings.files.map(\.name) == names)
        for (name, json) in BuiltInMappings.files {
            let onDisk = try String(contentsOf: mappingsURL.appendingPathComponent(name), encoding: .utf8)
            #expect(json == onDisk, "\(name) differs from its embedded copy: run scripts/embed-mappings")
            #expect(throws: Never.self, "\(name)") { try MappingLoader.decode(json, file: name) }
        }
    }

    @Test("router.json maps every canonical field, in canonical order")
    func routerMapsEveryField() {
        #expect(FieldMapping.router.name == "router")
        #expect(FieldMapping.router.paths.map(\.0) == CanonicalField.allCases)
        #expect(
            FieldMapping.router.paths.first { $0.0 == .cachedTokens }?.1
                == [["prompt_tokens_details", "cached_tokens"], ["usage", "prompt_tokens_details", "cached_tokens"]])
    }

    @Test("The order of the fields in a file decides nothing")
    func fieldOrder() throws {
        let a = try MappingLoader.decode(
            #"{"format": 1, "fields": {"modelId": [["model"]], "requestId": [["id"]]}}"#, file: "a.json")
        let b = try MappingLoader.decode(
            #"{"format": 1, "fields": {"requestId": [["id"]], "modelId": [["model"]]}}"#, file: "b.json")
        #expect(a.paths.map(\.0) == b.paths.map(\.0))
        #expect(a.paths.map(\.1) == b.paths.map(\.1))
    }

    @Test("A key with a dot in it is one key; nested keys are a path of several")
    func dottedKeys() throws {
        let mapping = try MappingLoader.decode(
            #"{"format": 1, "fields": {"inputTokens": [["gen_ai.usage.input_tokens"]], "outputTokens": [["usage", "out"]]}}"#,
            file: "otel.json")
        let line = parse(#"{"gen_ai.usage.input_tokens": 7, "usage": {"out": 8}}"#, with: mapping)
        #expect(line.integer(.inputTokens) == 7)
        #expect(line.integer(.outputTokens) == 8)
    }

    // The loader's errors: file, position, key, and what was expected.

    @Test("An unknown top-level key is named with file and position")
    func unknownKey() {
        #expect(
            mappingError(#"{"format": 1, "fields": {}, "route": {}}"#)?.description
                == "bad.json:1:29: route: unknown key (known: format, description, recognize, absent, units, values, derive, fields, routes, record)"
        )
    }

    @Test("An unknown canonical field is named")
    func unknownField() {
        #expect(
            mappingError("{\"format\": 1,\n  \"fields\": {\"modelID\": [[\"model\"]]}}")?.description.hasPrefix(
                "bad.json:2:14: fields.modelID: unknown canonical field (known: requestId, statement,") == true)
    }

    @Test("A value of the wrong type is named with its key")
    func wrongType() {
        #expect(
            mappingError(#"{"format": 1, "fields": {"modelId": "model"}}"#)?.description
                == #"bad.json:1:37: fields.modelId: expected an array of paths, e.g. [["model"], ["usage", "model"]]"#)
    }

    @Test("A path written as a dotted string is refused, with both readings spelled out")
    func dottedString() {
        #expect(
            mappingError(#"{"format": 1, "fields": {"inputTokens": ["usage.input_tokens"]}}"#)?.description
                == #"bad.json:1:42: fields.inputTokens[0]: expected a path: an array of keys: ["usage.input_tokens"] is one key with a dot in it, ["usage", "input_tokens"] is a nested path"#
        )
    }

    @Test("Bad JSON is named with its position")
    func badJSON() {
        #expect(
            mappingError("{\"format\": 1,\n  \"fields\": {\"modelId\": [[\"model\"]],}\n}")?.description
                == "bad.json:2:37: invalid JSON: expected a key in quotes, found '}'")
        #expect(
            mappingError(#"{"format": 1, "format": 1, "fields": {}}"#)?.description
                == #"bad.json:1:15: invalid JSON: key "format" given twice"#)
        #expect(
            mappingError(#"{"format": 1, "fields": {"#)?.description
                == "bad.json:1:26: invalid JSON: expected a key in quotes, found end of file")
    }

    @Test("A later format, an absent value that is not a string, an unknown route and a path given twice are refused")
    func refused() {
        #expect(
            mappingError(#"{"format": 2, "fields": {}}"#)?.description
                == "bad.json:1:12: format: format 2 is not supported: this attrib reads format 1")
        #expect(mappingError(#"{"format": 1, "absent": ["", 3], "fields": {}}"#)?.key == "absent[1]")
        #expect(mappingError(#"{"format": 1, "absent": ["", "-"], "fields": {}}"#) == nil)
        #expect(mappingError(#"{"format": 1, "fields": {}}"#) == nil)
        #expect(mappingError(#"{"fields": {}}"#)?.key == "format")
        #expect(
            mappingError(#"{"format": 1, "fields": {"statement": [["message"]]}, "routes": {"bedrock": []}}"#)?.key
                == "routes.bedrock")
        #expect(mappingError(#"{"format": 1, "fields": {}, "routes": {"mantle": ["x"]}}"#)?.key == "routes")
        #expect(
            mappingError(#"{"format": 1, "fields": {"userId": [["id"]], "apiKeyId": [["id"]]}}"#)?.description
                == "bad.json:1:59: fields.apiKeyId[0]: the same path as fields.userId[0]: a path carries one field, once"
        )
    }

    @Test("A file that is not there is named")
    func missingFile() {
        #expect(throws: MappingError(file: "/nonexistent/gw.json", key: "", reason: "no such file")) {
            try MappingLoader.load(path: "/nonexistent/gw.json")
        }
    }
}
