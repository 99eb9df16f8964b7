// What Bedrock's invocation logging writes to S3 beside its records is set aside, not read into rejects.

import Foundation
import Testing

@Suite("Bedrock's S3 delivery")
struct BedrockDeliveryTests {
    @Test("data/ body files and the permission-check object are skipped with one line each; the records are read")
    func bodiesAndPermissionCheckSkipped() throws {
        let logs = "AWSLogs/123456789012/BedrockModelInvocationLogs"
        let record =
            #"{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"2026-03-01T10:00:00Z","accountId":"123456789012","identity":{"arn":"arn:aws:iam::123456789012:user/ci-bot"},"region":"us-east-1","requestId":"b-1","operation":"Converse","modelId":"anthropic.claude-3-5-haiku-20241022-v1:0","input":{"inputTokenCount":10},"output":{"outputTokenCount":5}}"#
        // A body is pretty-printed JSON: read as JSON lines, each of its lines would be a reject.
        let body = ["{", #"  "messages": ["#, #"    {"role": "user", "content": [{"text": "hi"}]}"#, "  ]", "}"]
        let dir = try folder([
            "\(logs)/us-east-1/2026/03/01/10/20260301T100000000Z_0a1b.json": [record],
            "\(logs)/us-east-1/2026/03/01/10/data/0a1b-0001_input.json": body,
            "\(logs)/us-east-1/2026/03/01/10/data/0a1b-0001_output.json": body,
            "\(logs)/amazon-bedrock-logs-permission-check": ["Permission Check Successful"],
        ])
        let db = URL(fileURLWithPath: dir).appendingPathComponent("b.db").path
        let r = try attrib(["ingest", "--db", db, dir])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").map { $0.replacingOccurrences(of: "attrib: warning: ", with: "") }
        #expect(
            lines.filter { $0.contains("permission check") }
                == [
                    "\(dir)/\(logs)/amazon-bedrock-logs-permission-check: Bedrock's logging permission check, not a log; skipped"
                ])
        #expect(
            lines.filter { $0.contains("body file") }
                == [
                    "2 Bedrock invocation body file(s) under BedrockModelInvocationLogs/.../data/ skipped: request and response bodies, not invocation records"
                ])
        #expect(try sqlRows(db, "SELECT count(*) FROM reject") == ["0"])
        let report = try attrib(["report", "--db", db, "--by", "source,user", "--format", "csv"])
        #expect(report.stdout.hasPrefix("source,user,requests,input_tokens,output_tokens"))
        #expect(report.stdout.contains("\nbedrock-invocations,ci-bot,1,10,5,"))
    }
}
