// A generated folder holding six systems' logs (the router's and five other gateways', each in its real
// shapes with its quirks): one ingest with no flag, then reports equal the generator's own ground truth.

import Foundation
import Testing

/// Runs scripts/gen-corpus with `--gateways` into a new folder.
func generateGatewayCorpus(requests: Int, gateways: Int, seed: Int) throws -> URL {
    let out = temporaryDirectory().appendingPathComponent("corpus")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [
        "python3", repositoryURL.appendingPathComponent("scripts/gen-corpus").path, "--requests", String(requests),
        "--gateways", String(gateways), "--seed", String(seed), "--out", out.path,
    ]
    p.standardError = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    try #require(p.terminationStatus == 0, "scripts/gen-corpus failed")
    return out
}

/// The rows of a `--format json` document, keyed by the values of `keys` joined with NUL.
func jsonRows(_ text: String, keys: [String]) throws -> [String: [String: Any]] {
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    let rows = try #require(doc["rows"] as? [[String: Any]])
    var out: [String: [String: Any]] = [:]
    for row in rows {
        out[
            keys.map { "\(row[$0] as? String ?? (row[$0] as? NSNumber)?.stringValue ?? "")" }.joined(separator: "\u{0}")
        ] = row
    }
    #expect(out.count == rows.count, "each row once")
    return out
}

func int(_ v: Any?) -> Int64? { (v as? NSNumber)?.int64Value }

@Suite("Six systems in one folder", .serialized)
struct GatewayCorpusTests {
    @Test(
        "One ingest, no flags: report --by source,user,model equals the ground truth of every system; aura's audit events by user_id,path,status with latency percentiles, llm-proxy's by token_id and Bedrock's by meta.user too"
    )
    func groundTruthOfEverySystem() throws {
        let corpus = try generateGatewayCorpus(requests: 3000, gateways: 400, seed: 11)
        let truth = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: corpus.appendingPathComponent("ground-truth.json")))
                as? [String: Any])
        let db = corpus.appendingPathComponent("attrib.db").path
        let ingest = try attrib(["ingest", "--db", db, "--quiet", corpus.appendingPathComponent("exports").path])
        #expect(ingest.status == 0, "\(ingest.stderr)")

        let prices = corpus.appendingPathComponent("prices.csv").path
        let report = try attrib([
            "report", "--db", db, "--by", "source,user,model", "--prices", prices, "--format", "json",
        ])
        #expect(report.status == 0, "\(report.stderr)")
        let actual = try jsonRows(report.stdout, keys: ["source", "user", "model"])
        let expected = try #require(truth["by_source_user_model"] as? [[String: Any]])
        #expect(
            Set(expected.compactMap { $0["source"] as? String }) == [
                "router", "llm-proxy", "bedrock-invocations", "budgateway", "mizan",
            ])
        #expect(actual.count == expected.count)
        var mismatches = 0
        for t in expected {
            let key = ["source", "user", "model"].map { t[$0] as? String ?? "" }.joined(separator: "\u{0}")
            guard let a = actual[key] else {
                Issue.record("missing row \(key.replacingOccurrences(of: "\u{0}", with: " × "))")
                mismatches += 1
                continue
            }
            for column in [
                "requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "total_tokens",
            ]
            where int(a[column]) != int(t[column]) {
                Issue.record("\(key) \(column): attrib \(a[column] ?? "nil"), truth \(t[column] ?? "nil")")
                mismatches += 1
            }
            let x = (a["cost_usd"] as? NSNumber)?.doubleValue
            let y = (t["cost_usd"] as? NSNumber)?.doubleValue
            if (x == nil) != (y == nil) || (x != nil && abs(x! - y!) > 1e-6) {
                Issue.record("\(key) cost: attrib \(x as Any), truth \(y as Any)")
                mismatches += 1
            }
        }
        #expect(mismatches == 0)

        let audit = try attrib([
            "report", "--db", db, "--requests", "all", "--by", "user_id,path,status", "--where", "source=aura",
            "--format", "json",
        ])
        #expect(audit.status == 0, "\(audit.stderr)")
        let rows = try jsonRows(audit.stdout, keys: ["user_id", "path", "status"])
        let auraTruth = try #require(truth["aura_by_user_path_status"] as? [[String: Any]])
        #expect(rows.count == auraTruth.count)
        for t in auraTruth {
            let key = [t["user_id"] as? String ?? "", t["path"] as? String ?? "", "\(int(t["status"]) ?? 0)"]
                .joined(separator: "\u{0}")
            let a = try #require(rows[key], "missing \(key)")
            for column in ["requests", "latency_p50_ms", "latency_p95_ms", "latency_max_ms"] {
                #expect(int(a[column]) == int(t[column]), "\(key) \(column)")
            }
        }

        // The token_id and meta.KEY dimensions: llm-proxy's tokens, Bedrock's requestMetadata user tag (records
        // delivered to both CloudWatch and S3 count once).
        for (dimension, source, truthKey, field) in [
            ("token_id", "llm-proxy", "llm_proxy_by_token_id", "token_id"),
            ("meta.user", "bedrock-invocations", "bedrock_by_meta_user", "meta_user"),
        ] {
            let r = try attrib([
                "report", "--db", db, "--by", dimension, "--where", "source=\(source)", "--format", "json",
            ])
            #expect(r.status == 0, "\(r.stderr)")
            let rows = try jsonRows(r.stdout, keys: [dimension])
            let expected = try #require(truth[truthKey] as? [[String: Any]])
            #expect(rows.count == expected.count, "\(dimension)")
            #expect(expected.count > 1, "\(dimension): the corpus has several values")
            for t in expected {
                let value = t[field] as? String ?? ""
                let a = try #require(rows[value], "\(dimension): missing \(value)")
                for column in ["requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens"] {
                    #expect(int(a[column]) == int(t[column]), "\(dimension) \(value) \(column)")
                }
            }
        }
    }
}
