// Reports over every source: the `source` dimension, request ids joined within one source, the principal and
// client address, `report --requests all` with latency percentiles, and stores of schema 5 migrating unchanged.

import Foundation
import Testing

@testable import AttribCore

@Suite("Reports over every source", .serialized)
struct SourceReportTests {
    /// Ingests `files` with no flag; the store's path.
    func ingested(_ files: [String: [String]]) throws -> String { try ingestedFolder(files) }

    @Test("Two gateways' lines with the same request id are two requests, one per source")
    func joinedWithinSource() throws {
        let db = try ingested([
            "router.jsonl": [
                #"{"timestamp": "2026-03-01T10:00:00.000Z", "message": "Request started", "request_id": "same-1", "user_email": "dana@example.com"}"#,
                #"{"timestamp": "2026-03-01T10:00:01.000Z", "message": "Bedrock response", "request_id": "same-1", "modelId": "m", "usage": {"input_tokens": 7, "output_tokens": 3}}"#,
            ],
            "aura.jsonl": [
                #"{"timestamp": "2026-03-01T10:00:00.500Z", "audit_event": true, "request_id": "same-1", "user_id": "u-7", "status_code": 200, "latency_ms": 5}"#
            ],
        ])
        #expect(
            try sqlRows(db, "SELECT source, request_id, user_email, user_id, lines FROM requests ORDER BY source") == [
                "aura,same-1,,u-7,1", "router,same-1,dana@example.com,,2",
            ])
        // The router's request names a model without a price: its cost is empty and it sorts last.
        let r = try attrib(["report", "--db", db, "--requests", "all", "--by", "source,user", "--format", "csv"])
        #expect(
            r.stdout.split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false).prefix(3).joined(separator: ",")
            }
                == ["source,user,requests", "aura,u-7,1", "router,dana@example.com,1"])
    }

    @Test("--requests all counts requests without a model, with nearest-rank latency p50, p95 and max")
    func allRequestsWithLatency() throws {
        // 20 audit events of one user and path: latencies 1..20 ms (as floats, some rounding), one 500.
        var lines: [String] = []
        for i in 1...20 {
            let status = i == 20 ? 500 : 200
            lines.append(
                #"{"timestamp": "2026-03-01T10:00:\#(String(format: "%02d", i)).000Z", "audit_event": true, "request_id": "a-\#(i)", "user_id": "u-1", "path": "/v1/chat", "status_code": \#(status), "latency_ms": \#(Double(i) - 0.25)}"#
            )
        }
        lines.append(
            #"{"timestamp": "2026-03-01T11:00:00.000Z", "audit_event": true, "request_id": "b-1", "user_id": "UNKNOWN", "path": "/v1/models", "status_code": 200}"#
        )
        let db = try ingested(["audit.jsonl": lines, "router.jsonl": GatewayLines.router])
        let r = try attrib([
            "report", "--db", db, "--requests", "all", "--by", "user_id,path,status", "--where", "source=aura",
            "--sort", "user_id", "--format", "csv",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // Latencies 0.75 → 1, 1.75 → 2, ... 19.75 → 20 ms: of the 19 with status 200, p50 is the 10th
        // (10 ms), p95 the 19th (ceil(0.95 × 19) = 19: 19 ms).
        #expect(
            r.stdout == """
                user_id,path,status,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,total_tokens,cost_usd,latency_p50_ms,latency_p95_ms,latency_max_ms
                ,/v1/models,200,1,0,0,0,0,0,0.000000,,,
                u-1,/v1/chat,200,19,0,0,0,0,0,0.000000,10,19,19
                u-1,/v1/chat,500,1,0,0,0,0,0,0.000000,20,20,20

                """)
        // Without the flag: model requests only, and the columns of every other report.
        let usage = try attrib(["report", "--db", db, "--by", "source", "--format", "csv"])
        #expect(
            usage.stdout
                == "source,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,total_tokens,cost_usd\nrouter,1,7,3,0,0,10,0.000073\n"
        )
    }

    @Test("principal is Bedrock's identity.arn; client_ip is aura's address; both are dimensions")
    func identityDimensions() throws {
        let db = try ingested(["bedrock.jsonl": GatewayLines.bedrock, "aura.jsonl": GatewayLines.aura])
        let r = try attrib(["report", "--db", db, "--by", "principal,user", "--sort", "user", "--format", "csv"])
        #expect(
            r.stdout.split(separator: "\n").map { $0.split(separator: ",").prefix(3).joined(separator: ",") } == [
                "principal,user,requests",
                "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Dev_0a1b/alice@example.com,alice@example.com,1",
                "arn:aws:iam::123456789012:user/bob,bob,1",
                "arn:aws:iam::123456789012:user/bob,carol@example.com,1",
            ])
        let ips = try attrib(["report", "--db", db, "--requests", "all", "--by", "client_ip", "--where", "source=aura"])
        #expect(ips.stdout.split(separator: "\n").map { $0.prefix { $0 != "," } } == ["client_ip", "", "10.0.0.1"])
    }

    @Test("A report adding Bedrock's invocation logs to another gateway's says so in one warning line")
    func bedrockOverlapWarning() throws {
        let db = try ingested(["bedrock.jsonl": GatewayLines.bedrock, "router.jsonl": GatewayLines.router])
        let warning = "Bedrock's invocation logs to other gateways' logs"
        let both = try attrib(["report", "--db", db, "--by", "source"])
        #expect(both.stderr.split(separator: "\n").filter { $0.contains(warning) }.count == 1)
        for filter in ["source=router", "source=bedrock-invocations", "source!=router"] {
            #expect(!(try attrib(["report", "--db", db, "--where", filter]).stderr.contains(warning)), "\(filter)")
        }
        let routerOnly = try ingested(["router.jsonl": GatewayLines.router])
        #expect(!(try attrib(["report", "--db", routerOnly]).stderr.contains(warning)))
    }

    @Test("A store of schema 5 (Fixtures/stores) migrates: the same reports, every request from the router")
    func schema5Migrates() throws {
        let db = temporaryDirectory().appendingPathComponent("v5.db")
        try FileManager.default.copyItem(at: fixturesURL.appendingPathComponent("stores/schema-v5.db"), to: db)
        let r = try attrib(["report", "--db", db.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout
                == (try String(contentsOf: fixturesURL.appendingPathComponent("golden/exports.csv"), encoding: .utf8)))
        #expect(try sqlRows(db.path, "SELECT DISTINCT source FROM requests") == ["router"])
        let count = try sqlRows(db.path, "SELECT count(*) FROM requests")
        // The router's request keys did not change: ingesting the same events again joins the stored requests.
        let again = try attrib([
            "ingest", "--force", "--db", db.path, fixturesURL.appendingPathComponent("exports").path,
        ])
        #expect(again.stderr.contains("(0 new, 196 duplicates)"))
        #expect(try sqlRows(db.path, "SELECT count(*) FROM requests") == count)
        #expect(try attrib(["report", "--db", db.path]).stdout == r.stdout)
    }
}
