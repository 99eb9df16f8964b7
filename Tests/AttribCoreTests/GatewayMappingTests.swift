// Other gateways' logs through mapping files: values that mean absent, units, value rules, how a file's
// gateway is recognised from its content, --mapping, `attrib mappings`, and mapping errors (exit 64).

import Foundation
import Testing

@testable import AttribCore

/// Writes `files` (name → lines) into a new folder; its path.
func folder(_ files: [String: [String]]) throws -> String {
    let dir = temporaryDirectory()
    for (name, lines) in files {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }
    return dir.path
}

/// `attrib sql` rows (CSV lines without the header) on `db`.
func sqlRows(_ db: String, _ query: String) throws -> [String] {
    let r = try attrib(["sql", "--db", db, "--format", "csv", query])
    #expect(r.status == 0, "\(r.stderr)")
    return Array(r.stdout.split(separator: "\n").dropFirst().map(String.init))
}

enum GatewayLines {
    static let router = [
        #"{"timestamp": "2026-03-01T10:00:00.000Z", "message": "Request started", "request_id": "r-1", "user_email": "dana@example.com", "method": "POST", "path": "/v1/chat/completions"}"#,
        #"{"timestamp": "2026-03-01T10:00:01.000Z", "message": "Bedrock response", "request_id": "r-1", "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "usage": {"input_tokens": 7, "output_tokens": 3}}"#,
    ]
    static let aura = [
        #"{"timestamp": "2026-03-01T10:00:00.123Z", "level": "INFO", "logger_name": "audit", "audit_event": true, "request_id": "a-1", "user_id": "u-1", "auth_method": "api_key", "client_ip": "10.0.0.1", "method": "POST", "path": "/v1/chat", "query_params": "", "status_code": 200, "latency_ms": 12.34, "user_agent": "UNKNOWN"}"#,
        #"{"timestamp": "2026-03-01T10:00:01.123Z", "level": "INFO", "logger_name": "audit", "audit_event": true, "request_id": "a-2", "user_id": "UNKNOWN", "auth_method": "api_key", "client_ip": "UNKNOWN", "method": "GET", "path": "/v1/models", "query_params": "", "status_code": 500, "latency_ms": 3.6, "user_agent": "curl/8"}"#,
    ]
    /// A Cloud Logging LogEntry per line (a Cloud Storage sink file): the audit event in jsonPayload.
    static let auraLogEntry = [
        #"{"insertId": "x1", "logName": "projects/p/logs/audit", "timestamp": "2026-03-01T11:00:00.123456789Z", "jsonPayload": {"audit_event": true, "request_id": "a-3", "user_id": "u-3", "auth_method": "api_key", "method": "POST", "path": "/v1/chat", "status_code": 201, "latency_ms": 40.5}}"#
    ]
    static let bedrock = [
        #"{"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2026-03-01T10:00:00Z", "accountId": "123456789012", "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_0a1b/alice@example.com"}, "region": "us-east-1", "requestId": "b-1", "operation": "Converse", "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "input": {"inputContentType": "application/json", "inputTokenCount": 100, "cacheReadInputTokenCount": 50}, "output": {"outputContentType": "application/json", "outputTokenCount": 20}}"#,
        #"{"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2026-03-01T10:01:00Z", "accountId": "123456789012", "identity": {"arn": "arn:aws:iam::123456789012:user/bob"}, "region": "us-east-1", "requestId": "b-2", "operation": "InvokeModel", "modelId": "anthropic.claude-sonnet-4-5-20250929-v1:0", "input": {"inputTokenCount": 10}, "output": {"outputTokenCount": 5}}"#,
        #"{"schemaType": "ModelInvocationLog", "schemaVersion": "1.0", "timestamp": "2026-03-01T10:02:00Z", "accountId": "123456789012", "identity": {"arn": "arn:aws:iam::123456789012:user/bob"}, "region": "us-east-1", "requestId": "b-3", "operation": "Converse", "modelId": "anthropic.claude-sonnet-4-5-20250929-v1:0", "input": {"inputTokenCount": 1, "cacheWriteInputTokenCount": 9}, "output": {"outputTokenCount": 2}, "requestMetadata": {"user": "carol@example.com"}}"#,
    ]
}

@Suite("Mapping files for other gateways")
struct GatewayMappingTests {
    @Test("A value listed in absent means absent, as an empty string does")
    func absentValues() throws {
        let aura = try #require(FieldMapping.builtIn(named: "aura"))
        #expect(parse(GatewayLines.aura[0], with: aura).string(.userId) == "u-1")
        #expect(parse(GatewayLines.aura[0], with: aura).string(.userAgent) == nil)
        #expect(parse(GatewayLines.aura[1], with: aura).string(.userId) == nil)
        // The router's mapping has no such value: UNKNOWN is a user id there.
        #expect(parse(GatewayLines.aura[1], with: .router).string(.userId) == "UNKNOWN")
    }

    @Test("Latency as a float, in ms or seconds; a numeric timestamp in epoch seconds or ms")
    func units() throws {
        let aura = try #require(FieldMapping.builtIn(named: "aura"))
        #expect(parse(GatewayLines.aura[0], with: aura).integer(.latencyMs) == 12)
        #expect(parse(GatewayLines.aura[1], with: aura).integer(.latencyMs) == 4)
        let seconds = try MappingLoader.decode(
            #"{"format": 1, "units": {"latencyMs": "s", "timestamp": "epoch-s"}, "fields": {"latencyMs": [["took"]], "timestamp": [["ts"]]}}"#,
            file: "s.json")
        let line = parse(#"{"ts": 1772359200.5, "took": 0.25}"#, with: seconds)
        #expect(line.integer(.latencyMs) == 250)
        #expect(line.ownTimestamp == 1_772_359_200_500)
        #expect(parse(#"{"ts": "1772359200", "took": "1.5"}"#, with: seconds).ownTimestamp == 1_772_359_200_000)
        let millis = try MappingLoader.decode(
            #"{"format": 1, "units": {"timestamp": "epoch-ms"}, "fields": {"timestamp": [["ts"]]}}"#, file: "m.json")
        #expect(parse(#"{"ts": 1772359200500}"#, with: millis).ownTimestamp == 1_772_359_200_500)
    }

    @Test("arn-name: an assumed role's session name, an IAM user's name; requestMetadata.user comes first")
    func arnName() throws {
        let bedrock = try #require(FieldMapping.builtIn(named: "bedrock-invocations"))
        #expect(parse(GatewayLines.bedrock[0], with: bedrock).string(.userId) == "alice@example.com")
        #expect(parse(GatewayLines.bedrock[1], with: bedrock).string(.userId) == "bob")
        #expect(parse(GatewayLines.bedrock[2], with: bedrock).string(.userId) == "carol@example.com")
        let root = #"{"schemaType": "ModelInvocationLog", "identity": {"arn": "arn:aws:iam::123456789012:root"}}"#
        #expect(parse(root, with: bedrock).string(.userId) == "arn:aws:iam::123456789012:root")
    }

    @Test("Each file's gateway is recognised from its first JSON message; the router's is the default")
    func recognition() {
        let candidates = MappingChoice.builtIn.candidates
        func recognised(_ line: String) -> String {
            let r = Array(line.utf8).withUnsafeBytes { MappingRecognizer.recognize($0, candidates) }
            return r.index.map { candidates[$0].name } ?? (r.isJSON ? "router" : "not JSON")
        }
        #expect(recognised(GatewayLines.router[0]) == "router")
        #expect(recognised(GatewayLines.aura[0]) == "aura")
        #expect(recognised(GatewayLines.auraLogEntry[0]) == "aura")
        #expect(recognised(GatewayLines.bedrock[0]) == "bedrock-invocations")
        #expect(recognised(#"{"audit_event": false, "request_id": "x"}"#) == "router")
        #expect(recognised(#"{"schemaType": "Other"}"#) == "router")
        #expect(recognised("Traceback (most recent call last):") == "not JSON")
    }

    @Test("One ingest of a folder with three gateways, no flags: each file read by its own mapping")
    func mixedFolder() throws {
        let dir = try folder([
            "router/logs.jsonl": GatewayLines.router, "aura/audit.jsonl": GatewayLines.aura,
            "aura/sink/audit/2026/03/01/11:00:00_11:59:59_S0.json": GatewayLines.auraLogEntry,
            "bedrock/AWSLogs/123456789012/BedrockModelInvocationLogs/us-east-1/2026/03/01/10/a.json":
                GatewayLines.bedrock,
        ])
        let db = temporaryDirectory().appendingPathComponent("mixed.db").path
        let r = try attrib(["ingest", "--db", db, dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("mappings: aura 2, bedrock-invocations 1, router 1"))
        #expect(
            try sqlRows(
                db,
                "SELECT request_id, user_email, user_id, auth_source, model_id, status, latency_ms, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens FROM requests ORDER BY request_id"
            ) == [
                "a-1,,u-1,api_key,,200,12,0,0,0,0",
                "a-2,,,api_key,,500,4,0,0,0,0",
                "a-3,,u-3,api_key,,201,41,0,0,0,0",
                "b-1,,alice@example.com,,us.anthropic.claude-sonnet-4-5-20250929-v1:0,,,100,20,50,0",
                "b-2,,bob,,anthropic.claude-sonnet-4-5-20250929-v1:0,,,10,5,0,0",
                "b-3,,carol@example.com,,anthropic.claude-sonnet-4-5-20250929-v1:0,,,1,2,0,9",
                "r-1,dana@example.com,,,us.anthropic.claude-sonnet-4-5-20250929-v1:0,,,7,3,0,0",
            ])
        let report = try attrib(["report", "--db", db, "--by", "user", "--format", "csv", "--sort", "user"])
        #expect(
            report.stdout.split(separator: "\n").map { $0.split(separator: ",").prefix(2).joined(separator: ",") } == [
                "user,requests", "alice@example.com,1", "bob,1", "carol@example.com,1", "dana@example.com,1",
            ])
    }

    @Test("--mapping reads every file with one mapping, by name or file; a bad one is exit 64 in one line")
    func forcedMapping() throws {
        let dir = try folder(["audit.jsonl": GatewayLines.aura])
        let db = temporaryDirectory().appendingPathComponent("forced.db").path
        let r = try attrib(["ingest", "--db", db, "--mapping", "router", dir])
        #expect(r.status == 0)
        #expect(try sqlRows(db, "SELECT user_id FROM requests ORDER BY request_id") == ["u-1", "UNKNOWN"])
        for (args, message) in [
            (["--mapping", "nosuch"], "nosuch: no built-in mapping of that name"),
            (["--mapping", "/nonexistent/gw.json"], "/nonexistent/gw.json: no such file"),
        ] {
            let bad = try attrib(["ingest", "--db", db] + args + [dir])
            #expect(bad.status == 64)
            #expect(bad.stderr.split(separator: "\n").count == 1)
            #expect(bad.stderr.contains(message), "\(bad.stderr)")
        }
    }

    @Test("A mapping file's errors name the file and the key: unknown field, bad path, bad unit, bad rule")
    func mappingErrors() throws {
        let cases: [(String, String)] = [
            (#"{"format": 1, "fields": {"colour": [["c"]]}}"#, "bad.json:1:26: fields.colour: unknown canonical field"),
            (
                #"{"format": 1, "fields": {"modelId": ["model.name"]}}"#,
                "bad.json:1:38: fields.modelId[0]: expected a path"
            ),
            (
                #"{"format": 1, "units": {"latencyMs": "min"}, "fields": {"latencyMs": [["t"]]}}"#,
                #"bad.json:1:38: units.latencyMs: unknown unit "min" (known: ms, s)"#
            ),
            (
                #"{"format": 1, "units": {"timestamp": "epoch-us"}, "fields": {"timestamp": [["t"]]}}"#,
                "units.timestamp: unknown unit"
            ),
            (#"{"format": 1, "units": {"cost": "usd"}, "fields": {}}"#, "units.cost: no unit to set for this key"),
            (
                #"{"format": 1, "values": {"userId": "upper"}, "fields": {"userId": [["u"]]}}"#,
                "values.userId: expected a rule"
            ),
            (
                #"{"format": 1, "values": {"userId": "arn-name"}, "fields": {}}"#,
                "values.userId: the field has no paths"
            ),
            (#"{"format": 1, "recognize": [], "fields": {}}"#, "recognize: expected an array of alternatives"),
            (#"{"format": 1, "recognize": [[{"key": ["a"]}]], "fields": {}}"#, "recognize[0][0].key: unknown key"),
            (#"{"format": 1, "recognize": [[{"path": "a"}]], "fields": {}}"#, "recognize[0][0].path: expected a path"),
            (#"{"format": 1, "absent": ["", 0], "fields": {}}"#, "absent[1]: expected a string"),
        ]
        for (text, message) in cases {
            let e = try #require(mappingError(text), "\(text)")
            #expect(e.description.contains(message), "\(e.description)")
            #expect(!e.description.contains("\n"))
        }
        let path = temporaryDirectory().appendingPathComponent("gw.json").path
        try cases[2].0.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try attrib([
            "ingest", "--db", temporaryDirectory().appendingPathComponent("e.db").path, "--mapping", path, "-",
        ])
        #expect(r.status == 64)
        #expect(r.stderr == "attrib: \(path):1:38: units.latencyMs: unknown unit \"min\" (known: ms, s)\n")
    }

    @Test("attrib mappings lists the built-in ones; with a name, prints that file exactly")
    func mappingsCommand() throws {
        let list = try attrib(["mappings", "--format", "csv"])
        #expect(list.status == 0)
        #expect(
            list.stdout.split(separator: "\n").map { String($0.prefix { $0 != "," }) } == [
                "mapping", "router", "aura", "bedrock-invocations", "budgateway", "llm-proxy", "mizan",
            ])
        let aura = try attrib(["mappings", "aura"])
        #expect(aura.stdout == FieldMapping.builtInText(named: "aura").map { $0.hasSuffix("\n") ? $0 : $0 + "\n" })
        #expect(try attrib(["mappings", "nosuch"]).status == 64)
    }
}

@Suite("A seventh gateway is a file written from the README")
struct CustomMappingTests {
    /// A made-up schema: epoch-second times, latency in seconds, `n/a` for absent, OpenAI-style tokens.
    let lines = [
        #"{"kind": "quill.call", "when": 1772359200, "rid": "q-1", "who": {"mail": "erin@example.com", "key": "k-9"}, "llm": "moonshotai.kimi-k2.5", "tok": {"prompt": 120, "cached": 20, "completion": 30}, "secs": 0.25, "code": "200"}"#,
        #"{"kind": "quill.call", "when": 1772359260, "rid": "q-2", "who": {"mail": "n/a", "key": "k-9"}, "llm": "moonshotai.kimi-k2.5", "tok": {"prompt": 5, "completion": 1}, "secs": 1.5, "code": 502}"#,
    ]
    let mapping = """
        {
          "format": 1,
          "description": "quill, a made-up gateway",
          "recognize": [[{"path": ["kind"], "equals": "quill.call"}]],
          "absent": ["n/a"],
          "units": {"latencyMs": "s", "timestamp": "epoch-s"},
          "fields": {
            "requestId": [["rid"]],
            "timestamp": [["when"]],
            "userEmail": [["who", "mail"]],
            "apiKeyId": [["who", "key"]],
            "modelId": [["llm"]],
            "promptTokens": [["tok", "prompt"]],
            "cachedTokens": [["tok", "cached"]],
            "completionTokens": [["tok", "completion"]],
            "latencyMs": [["secs"]],
            "status": [["code"]]
          }
        }
        """

    @Test("--mapping quill.json reads its lines: identity, absent values, units and token semantics")
    func quill() throws {
        let dir = try folder(["quill.jsonl": lines])
        let file = temporaryDirectory().appendingPathComponent("quill.json").path
        try mapping.write(toFile: file, atomically: true, encoding: .utf8)
        let db = temporaryDirectory().appendingPathComponent("quill.db").path
        let r = try attrib(["ingest", "--db", db, "--mapping", file, dir])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("mappings: quill 1"))
        #expect(
            try sqlRows(
                db,
                "SELECT request_id, start_time, user_email, api_key_id, model_id, status, latency_ms, input_tokens, output_tokens, cache_read_tokens FROM requests ORDER BY request_id"
            ) == [
                "q-1,2026-03-01T10:00:00.000Z,erin@example.com,k-9,moonshotai.kimi-k2.5,200,250,100,30,20",
                "q-2,2026-03-01T10:01:00.000Z,,k-9,moonshotai.kimi-k2.5,502,1500,5,1,0",
            ])
        let report = try attrib(["report", "--db", db, "--by", "user", "--sort", "user", "--format", "csv"])
        #expect(
            report.stdout.split(separator: "\n").map { $0.prefix { $0 != "," } } == ["user", "erin@example.com", "k-9"])
    }
}

@Suite("The gateway samples in Fixtures/gateways")
struct GatewayFixtureTests {
    @Test("One ingest of Fixtures/gateways, no flag: every request by source, user and model (golden)")
    func golden() throws {
        let db = temporaryDirectory().appendingPathComponent("fixtures.db").path
        let r = try attrib(["ingest", "--db", db, fixturesURL.appendingPathComponent("gateways").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("mappings: aura 2, bedrock-invocations 1, budgateway 2, llm-proxy 2, mizan 2"))
        let report = try attrib([
            "report", "--db", db, "--requests", "all", "--by", "source,user,modelId", "--sort", "source", "--format",
            "csv",
        ])
        #expect(report.status == 0)
        try compareGolden(report.stdout, "gateways.csv")
    }
}
