// Request metadata tags (`meta.KEY` dimensions, Bedrock's requestMetadata) and llm-proxy's token id.

import Foundation
import Testing

@testable import AttribCore

@Suite("Request metadata tags and token ids")
struct RequestTagTests {
    static func bedrock(_ id: String, _ arn: String, meta: String?, tokens: Int = 10) -> String {
        let metadata = meta.map { #","requestMetadata":\#($0)"# } ?? ""
        return
            #"{"schemaType":"ModelInvocationLog","timestamp":"2026-03-01T10:00:00Z","identity":{"arn":"\#(arn)"},"requestId":"\#(id)","operation":"Converse","modelId":"anthropic.claude-3-5-haiku-20241022-v1:0","input":{"inputTokenCount":\#(tokens)},"output":{"outputTokenCount":1}\#(metadata)}"#
    }

    @Test("The mapping's requestMetadata object: its string members, not empty, not a value that means absent")
    func parsedTags() throws {
        var mapping = FieldMapping.router
        mapping.paths.append((.requestMetadata, [["tags"]]))
        mapping.absent = ["", "UNKNOWN"]
        let parser = LineParser(mapping: mapping)
        let line = ParsedLine()
        let text =
            #"{"request_id": "r-1", "tags": {"user": "dana", "n": 3, "team": "", "x": "UNKNOWN", "deep": {"a": "b"}, "t\u0065am2": "s\u00e9arch"}}"#
        text.utf8CString.withUnsafeBytes { raw in
            parser.parse(UnsafeRawBufferPointer(rebasing: raw.dropLast()), into: line)
        }
        let tags = line.metadata.map {
            (
                String(decoding: line.arena.slice($0.keyStart, $0.keyCount), as: UTF8.self),
                String(decoding: line.arena.slice($0.valueStart, $0.valueCount), as: UTF8.self)
            )
        }
        #expect(tags.map(\.0) == ["user", "team2"])
        #expect(tags.map(\.1) == ["dana", "séarch"])
        #expect(line.string(.requestId) == "r-1")
        // The router's mapping has none: nothing is kept.
        let router = LineParser()
        text.utf8CString.withUnsafeBytes { raw in
            router.parse(UnsafeRawBufferPointer(rebasing: raw.dropLast()), into: line)
        }
        #expect(line.metadata.isEmpty)
    }

    @Test("--by meta.user and --where meta.KEY: Bedrock's requestMetadata tags; a request without the tag has none")
    func reportByTag() throws {
        let sso = "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_0a1b/alice@example.com"
        let db = try ingested([
            "bedrock.jsonl": [
                Self.bedrock("b-1", sso, meta: #"{"user":"dana@example.com","team":"search"}"#, tokens: 10),
                Self.bedrock("b-2", sso, meta: #"{"user":"eli@example.com"}"#, tokens: 20),
                Self.bedrock("b-3", sso, meta: nil, tokens: 40),
                Self.bedrock("b-4", sso, meta: #"{"user":"dana@example.com","team":"ads"}"#, tokens: 80),
            ]
        ])
        #expect(
            try reportRows(["--db", db, "--by", "meta.user,meta.team", "--sort", "meta.user"], columns: 4) == [
                "meta.user,meta.team,requests,input_tokens", ",,1,40", "dana@example.com,ads,1,80",
                "dana@example.com,search,1,10", "eli@example.com,,1,20",
            ])
        let filtered = try attrib([
            "report", "--db", db, "--by", "user", "--where", "meta.team~s*", "--format", "csv",
        ])
        #expect(
            filtered.stdout.split(separator: "\n").last?.hasPrefix("dana@example.com,1,10,") == true,
            "\(filtered.stdout)")
        #expect(try sqlRows(db, "SELECT request_id, key, value FROM request_tags ORDER BY 1, 2").count == 5)
        // ClickHouse's query cannot carry it (attrib lines writes no tags): one line, exit 64.
        let sql = try attrib(["report", "--db", db, "--by", "meta.user", "--sql", "clickhouse"])
        #expect(sql.status == 64)
        #expect(sql.stderr.contains("--by meta.user cannot be translated for --sql"))
        let bad = try attrib(["report", "--db", db, "--by", "meta.a b"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("meta.KEY"))
    }

    @Test("Two lines of one request with different values for a tag: the byte-wise smallest, whatever their order")
    func smallestValueWins() throws {
        let line = { (user: String, tokens: Int) in
            Self.bedrock("b-1", "arn:aws:iam::123456789012:user/ci", meta: #"{"user":"\#(user)"}"#, tokens: tokens)
        }
        for order in [[("zed", 1), ("amy", 2)], [("amy", 2), ("zed", 1)]] {
            let db = try ingested(["a.jsonl": [line(order[0].0, order[0].1)]])
            let more = temporaryDirectory().appendingPathComponent("b.jsonl")
            try (line(order[1].0, order[1].1) + "\n").write(to: more, atomically: true, encoding: .utf8)
            #expect(try attrib(["ingest", "--db", db, more.path]).status == 0)
            #expect(try sqlRows(db, "SELECT value FROM request_tags WHERE key = 'user'") == ["amy"])
        }
    }

    @Test("llm-proxy's token_id is its own dimension and still the request's api_key_id (derive rule copy)")
    func tokenId() throws {
        let db = try ingested([
            "proxy.log": [
                #"{"level":"info","ts":"2026-03-01T10:00:00Z","msg":"Proxy request","request_id":"p-1","token_id":"sk-ab12****cd34","project_id":"proj-1"}"#,
                #"{"level":"info","ts":"2026-03-01T10:00:01Z","msg":"Proxy request","request_id":"p-2","token_id":"sk-ef56****0a1b","project_id":"proj-1"}"#,
            ]
        ])
        #expect(
            try reportRows(
                ["--db", db, "--requests", "all", "--by", "token_id,api_key_id,user", "--sort", "token_id"],
                columns: 4) == [
                    "token_id,api_key_id,user,requests", "sk-ab12****cd34,sk-ab12****cd34,sk-ab12****cd34,1",
                    "sk-ef56****0a1b,sk-ef56****0a1b,sk-ef56****0a1b,1",
                ])
        #expect(try sqlRows(db, "SELECT token_id FROM requests ORDER BY 1") == ["sk-ab12****cd34", "sk-ef56****0a1b"])
    }

    @Test("A mapping's derive rule copy: the other field's value as it is; an unknown rule names the key")
    func deriveCopy() throws {
        let dir = temporaryDirectory()
        let mapping = dir.appendingPathComponent("gw.json")
        try
            #"{"format": 1, "derive": {"userId": {"from": "tokenId", "rule": "copy"}}, "fields": {"requestId": [["id"]], "tokenId": [["tok"]], "userId": [["uid"]]}}"#
            .write(to: mapping, atomically: true, encoding: .utf8)
        let logs = dir.appendingPathComponent("gw.jsonl")
        try [#"{"id": "1", "tok": "arn:aws:iam::1:user/x"}"#, #"{"id": "2", "tok": "t-2", "uid": "u-2"}"#]
            .joined(separator: "\n").write(to: logs, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("gw.db").path
        let ingest = try attrib(["ingest", "--db", db, "--mapping", mapping.path, logs.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(
            try sqlRows(db, "SELECT request_id, user_id, token_id FROM requests ORDER BY 1") == [
                "1,arn:aws:iam::1:user/x,arn:aws:iam::1:user/x", "2,u-2,t-2",
            ])
        try
            #"{"format": 1, "derive": {"userId": {"from": "tokenId", "rule": "upper"}}, "fields": {"tokenId": [["tok"]]}}"#
            .write(to: mapping, atomically: true, encoding: .utf8)
        let bad = try attrib(["ingest", "--db", db, "--mapping", mapping.path, logs.path])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("derive.userId.rule") && bad.stderr.contains("arn-name, copy"), "\(bad.stderr)")
    }

    func ingested(_ files: [String: [String]]) throws -> String { try ingestedFolder(files) }
}

@Suite("Request assembly memory")
struct RequestDeltaSizeTests {
    @Test("A request's delta stays 128 bytes with the token id (a run holds every request it touches)")
    func size() {
        #expect(MemoryLayout<RequestDelta>.size == 128)
        var d = RequestDelta()
        d.flags |= RequestFlag.anyConflict | RequestFlag.modelRequest
        #expect(d.flags == RequestFlag.anyConflict | RequestFlag.modelRequest)
    }
}
