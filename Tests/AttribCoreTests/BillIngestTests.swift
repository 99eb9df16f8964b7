// Bills in the store: a CUR CSV is recognised by its header, only Bedrock's lines are kept (adjustments as
// their own kinds), and a period ingested again replaces what was stored for it.

import Foundation
import Testing

@testable import AttribCore

struct StoredBillRow: Equatable {
    var period: String
    var kind: String
    var usageType: String
    var micros: Int64
}

func storedBill(_ db: String) throws -> [StoredBillRow] {
    let store = try Store(path: db, readOnly: true)
    let s = try store.db.prepare(
        "SELECT period, kind, usage_type, unblended_micros FROM bill_line ORDER BY period, usage_type, kind, unblended_micros"
    )
    var rows: [StoredBillRow] = []
    while try s.step() {
        rows.append(StoredBillRow(period: s.text(0)!, kind: s.text(1)!, usageType: s.text(2)!, micros: s.int(3)))
    }
    return rows
}

func gzipFile(_ url: URL) throws -> URL {
    let out = url.appendingPathExtension("gz")
    _ = try shell("gzip -c '\(url.path)' > '\(out.path)'")
    return out
}

@Suite("Bill lines in the store")
struct BillIngestTests {
    let bill = fixturesURL.appendingPathComponent("bill")

    @Test(
        "A CUR 2.0 CSV keeps Bedrock's lines: Bedrock, Bedrock Service, Bedrock-edition Marketplace; adjustments apart")
    func keepsBedrock() throws {
        let db = temporaryDirectory().appendingPathComponent("b.db").path
        let (outcome, warnings) = try ingestPaths([bill.appendingPathComponent("cur2-2026-03.csv").path], db: db)
        #expect(warnings.isEmpty)
        #expect(outcome.bill.files.map(\.otherLines) == [1])
        let rows = try storedBill(db)
        #expect(rows.count == 6)
        #expect(rows.contains(StoredBillRow(period: "2026-03", kind: "tax", usageType: "", micros: 1_250_000)))
        #expect(rows.contains(StoredBillRow(period: "2026-03", kind: "credit", usageType: "", micros: -2_000_000)))
        #expect(
            rows.contains(
                StoredBillRow(
                    period: "2026-03", kind: "discount", usageType: "USE1-Claude4.5Sonnet-input-tokens",
                    micros: -370_370)))
        #expect(
            rows.contains(
                StoredBillRow(
                    period: "2026-03", kind: "usage", usageType: "USE1-MP:USE1_OutputTokenCount-Units",
                    micros: 7_500_000)))
        #expect(!rows.contains { $0.usageType.contains("BoxUsage") })
    }

    @Test("Legacy CUR headers (lineItem/UsageType) are read the same way")
    func legacy() throws {
        let db = temporaryDirectory().appendingPathComponent("b.db").path
        _ = try ingestPaths([bill.appendingPathComponent("legacy-2026-03.csv").path], db: db)
        #expect(
            try storedBill(db) == [
                StoredBillRow(
                    period: "2026-03", kind: "usage", usageType: "USE1-Claude4.5Sonnet-output-tokens", micros: 1_500_000
                )
            ])
    }

    @Test("The same bill twice (again later, or compressed beside itself in one run) never adds")
    func sameBillTwice() throws {
        let dir = temporaryDirectory()
        let csv = dir.appendingPathComponent("cur.csv")
        try FileManager.default.copyItem(at: bill.appendingPathComponent("cur2-2026-03.csv"), to: csv)
        let gz = try gzipFile(csv)
        let db = dir.appendingPathComponent("b.db").path
        _ = try ingestPaths([csv.path], db: db)
        let once = try storedBill(db)
        let (outcome, warnings) = try ingestPaths([csv.path, gz.path], db: db)
        #expect(try storedBill(db) == once)
        #expect(outcome.bill.written?.replacedLines == 6)
        #expect(warnings.contains { $0.contains("the same bill lines as another file of this run") })
    }

    @Test("A period delivered again replaces the period, and leaves other periods alone")
    func periodReplaced() throws {
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("b.db").path
        let header = try String(contentsOf: bill.appendingPathComponent("legacy-2026-03.csv"), encoding: .utf8)
            .split(separator: "\n")[0]
        func write(_ name: String, _ rows: [String]) throws -> String {
            let url = dir.appendingPathComponent(name)
            try ([String(header)] + rows).joined(separator: "\n").appending("\n").write(
                to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let row = { (period: String, cost: String) in
            "x,\(period)-01T00:00:00Z,\(period)-02T00:00:00Z,\(period)-03T00:00:00Z,AmazonBedrock,USE1-Claude4.5Sonnet-output-tokens,InvokeModel,Usage,1,1K tokens,\(cost),1"
        }
        _ = try ingestPaths([try write("march-v1.csv", [row("2026-03", "1.0"), row("2026-03", "2.0")])], db: db)
        _ = try ingestPaths([try write("april.csv", [row("2026-04", "5.0")])], db: db)
        _ = try ingestPaths([try write("march-v2.csv", [row("2026-03", "4.0")])], db: db)
        #expect(try storedBill(db).map(\.micros) == [4_000_000, 5_000_000])
    }

    @Test("An export folder: only the files its manifest names are read; a missing one is one line")
    func exportFolder() throws {
        let root = temporaryDirectory().appendingPathComponent("exports/bedrock")
        let data = root.appendingPathComponent("data/BILLING_PERIOD=2026-03")
        let meta = root.appendingPathComponent("metadata/BILLING_PERIOD=2026-03")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: meta, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: bill.appendingPathComponent("legacy-2026-03.csv"), to: data.appendingPathComponent("old-00001.csv"))
        try FileManager.default.copyItem(
            at: bill.appendingPathComponent("cur2-2026-03.csv"), to: data.appendingPathComponent("bedrock-00001.csv"))
        let manifest = """
            {"exportName": "bedrock", "billingPeriod": {"start": "2026-03-01T00:00:00.000Z"},
             "dataFiles": ["s3://bucket/exports/bedrock/data/BILLING_PERIOD=2026-03/bedrock-00001.csv",
                           "s3://bucket/exports/bedrock/data/BILLING_PERIOD=2026-03/bedrock-00002.csv"]}
            """
        try manifest.write(to: meta.appendingPathComponent("bedrock-Manifest.json"), atomically: true, encoding: .utf8)
        let db = temporaryDirectory().appendingPathComponent("b.db").path
        let (outcome, warnings) = try ingestPaths([root.path], db: db)
        #expect(outcome.bill.replacedFiles.count == 1)
        #expect(warnings.filter { $0.contains("bedrock-00002.csv, which is not here") }.count == 1)
        #expect(try storedBill(db).count == 6)
    }

    @Test("A cost that is not a number is one line naming the file and line; the other lines are kept")
    func badCost() throws {
        let dir = temporaryDirectory()
        let text = try String(contentsOf: bill.appendingPathComponent("cur2-2026-03.csv"), encoding: .utf8)
            .replacingOccurrences(of: ",0.96,0.96,", with: ",n/a,0.96,")
        let url = dir.appendingPathComponent("bad.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("b.db").path
        let (outcome, warnings) = try ingestPaths([url.path], db: db)
        #expect(warnings == ["\(url.path): line 4: line_item_unblended_cost 'n/a' is not a number; line skipped"])
        #expect(outcome.bill.problems.count == 1)
        #expect(try storedBill(db).count == 5)
    }

    @Test("A truncated .csv.gz keeps the lines before the damage and says where it stopped")
    func truncated() throws {
        let dir = temporaryDirectory()
        var text = try String(contentsOf: bill.appendingPathComponent("cur2-2026-03.csv"), encoding: .utf8)
        for i in 0..<300 {  // enough lines that the cut falls in the middle of the file
            text +=
                "z\(i),2026-03-01T00:00:00.000Z,2026-03-05T00:00:00.000Z,2026-03-06T00:00:00.000Z,AmazonBedrock,USE1-Claude4.5Sonnet-output-tokens,InvokeModel,Usage,1,1K tokens,0.015,0.015,\"{}\",123456789012\n"
        }
        let csv = dir.appendingPathComponent("long.csv")
        try text.write(to: csv, atomically: true, encoding: .utf8)
        let gz = try gzipFile(csv)
        let bytes = try Data(contentsOf: gz)
        let cut = dir.appendingPathComponent("cut.csv.gz")
        try bytes.prefix(bytes.count * 2 / 3).write(to: cut)
        let db = dir.appendingPathComponent("b.db").path
        let (_, warnings) = try ingestPaths([cut.path], db: db)
        #expect(warnings.count == 1)
        #expect(warnings[0].contains("truncated") && warnings[0].contains("the lines before this one were kept"))
        let kept = try storedBill(db)
        #expect(kept.count > 6 && kept.count < 306)
        #expect(kept.allSatisfy { $0.micros != 0 || $0.kind != "usage" })
    }

    @Test("A Parquet file: one line that says how to convert it, and exit 65")
    func parquet() throws {
        let dir = temporaryDirectory()
        let file = dir.appendingPathComponent("part-00000.snappy.parquet")
        try Data("PAR1\u{0}\u{0}\u{0}\u{0}PAR1".utf8).write(to: file)
        let r = try attrib(["ingest", "--db", dir.appendingPathComponent("b.db").path, file.path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("\(file.path): a Parquet file; attrib reads bills as CSV: convert it (duckdb"))
    }
}

@Suite("Bill lines in the store: usage types at ingest")
struct BillIngestUsageTypeTests {
    @Test("An unknown usage type is one line naming it; the line is kept")
    func unknownUsageType() throws {
        let dir = temporaryDirectory()
        let text = try String(
            contentsOf: fixturesURL.appendingPathComponent("bill/cur2-2026-03.csv"), encoding: .utf8
        ).replacingOccurrences(
            of: "USE1-Claude4.5Sonnet-input-tokens,InvokeModel,Usage",
            with: "USE1-Claude4.5Sonnet-ModelUnits,InvokeModel,Usage")
        let url = dir.appendingPathComponent("odd.csv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("b.db").path
        let (outcome, warnings) = try ingestPaths([url.path], db: db)
        #expect(
            warnings == [
                "\(url.path): line 2: usage type 'USE1-Claude4.5Sonnet-ModelUnits' names no token type attrib knows (1 line); kept, and shown by reconcile as unexplained"
            ])
        #expect(outcome.bill.unknownUsageTypes == ["USE1-Claude4.5Sonnet-ModelUnits"])
        #expect(try storedBill(db).count == 6)
    }
}

@Suite("Cost Explorer answers as bills")
struct CostExplorerTests {
    let answer = """
        {
            "GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
            "ResultsByTime": [{"TimePeriod": {"Start": "2026-03-02", "End": "2026-03-03"}, "Total": {}, "Estimated": false,
                "Groups": [
                    {"Keys": ["Amazon Bedrock", "USE1-Claude4.5Sonnet-input-tokens"],
                     "Metrics": {"UnblendedCost": {"Amount": "3.703701", "Unit": "USD"}, "UsageQuantity": {"Amount": "1234.567", "Unit": "1K tokens"}}},
                    {"Keys": ["Amazon Elastic Compute Cloud - Compute", "USE1-BoxUsage:m5.large"],
                     "Metrics": {"UnblendedCost": {"Amount": "2.304", "Unit": "USD"}, "UsageQuantity": {"Amount": "24", "Unit": "Hrs"}}},
                    {"Keys": ["Amazon Bedrock Service", "USE1-moonshotai.kimi-k2.5-mantle-input-tokens-standard"],
                     "Metrics": {"UnblendedCost": {"Amount": "COST", "Unit": "USD"}, "UsageQuantity": {"Amount": "2000", "Unit": "1K tokens"}}}
                ]}]
        }
        """

    @Test("get-cost-and-usage by SERVICE and USAGE_TYPE: Bedrock's groups become bill lines")
    func read() throws {
        let dir = temporaryDirectory()
        let url = dir.appendingPathComponent("ce.json")
        try answer.replacingOccurrences(of: "COST", with: "0.96").write(to: url, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("b.db").path
        let (outcome, warnings) = try ingestPaths([url.path], db: db)
        #expect(warnings.isEmpty)
        #expect(outcome.bill.files.map(\.otherLines) == [1])
        #expect(try storedBill(db).map(\.micros) == [3_703_701, 960_000])
    }

    @Test("A cost that is not a number names the group; the others are kept")
    func badCost() throws {
        let dir = temporaryDirectory()
        let url = dir.appendingPathComponent("ce.json")
        try answer.replacingOccurrences(of: "COST", with: "lots").write(to: url, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("b.db").path
        let (_, warnings) = try ingestPaths([url.path], db: db)
        #expect(
            warnings == [
                "\(url.path): ResultsByTime[0].Groups[2]: UnblendedCost.Amount 'lots' is not a number; skipped"
            ])
        #expect(try storedBill(db).count == 1)
    }
}

@Suite("Reconcile on a hand-made bill")
struct ReconcileFixtureTests {
    @Test("Token counts come from pricing_unit (1K tokens, 1M Units); an unknown usage type is a row of its own")
    func units() throws {
        let dir = temporaryDirectory()
        let text = try String(
            contentsOf: fixturesURL.appendingPathComponent("bill/cur2-2026-03.csv"), encoding: .utf8
        ).replacingOccurrences(
            of: "USE1-Claude4.5Sonnet-input-tokens,InvokeModel,Usage",
            with: "USE1-Claude4.5Sonnet-ModelUnits,InvokeModel,Usage")
        let odd = dir.appendingPathComponent("odd.csv")
        try text.write(to: odd, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("b.db").path
        #expect(try attrib(["ingest", "-q", "--db", db, odd.path]).status == 0)
        let r = try attrib(["reconcile", "--db", db, "--by", "model,token_type", "--format", "csv"])
        #expect(r.status == 0)
        #expect(
            r.stdout == """
                model,token_type,billed_tokens,logged_tokens,explained_share,billed_cost_usd,list_cost_usd,unexplained_tokens,unexplained_cost_usd,status
                USE1-Claude4.5Sonnet-ModelUnits,,0,0,,3.703701,0.000000,0,3.703701,unknown usage type
                anthropic.claude-sonnet-4-5-20250929-v1:0,output,500000,0,0.000000,7.500000,0.000000,500000,7.500000,not in logs
                moonshotai.kimi-k2.5,input,2000000,0,0.000000,0.960000,0.000000,2000000,0.960000,not in logs

                """)
        #expect(
            r.stderr
                == "attrib: warning: bill: usage type 'USE1-Claude4.5Sonnet-ModelUnits' (1 line) names no token type attrib knows; its cost is shown under that name, all unexplained\n"
        )
    }

    @Test("Logged above billed (the bill lags) is shown as such, never clipped; the split still adds up to the bill")
    func loggedAboveBilled() throws {
        let dir = temporaryDirectory()
        let logs = dir.appendingPathComponent("logs.jsonl")
        let lines = [
            #"{"timestamp": "2026-03-02T09:00:00.000Z", "message": "Request started", "request_id": "r1", "user_email": "ana@example.com"}"#,
            #"{"timestamp": "2026-03-02T09:00:01.000Z", "message": "Stream usage emitted", "request_id": "r1", "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "input_tokens": 1500000, "output_tokens": 0}"#,
            #"{"timestamp": "2026-03-02T10:00:00.000Z", "message": "Request started", "request_id": "r2", "user_email": "bo@example.com"}"#,
            #"{"timestamp": "2026-03-02T10:00:01.000Z", "message": "Stream usage emitted", "request_id": "r2", "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "input_tokens": 500000, "output_tokens": 0}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(to: logs, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("b.db").path
        let bill = fixturesURL.appendingPathComponent("bill/cur2-2026-03.csv").path
        #expect(try attrib(["ingest", "-q", "--db", db, logs.path, bill]).status == 0)
        // The logs say us.anthropic.… (priced at its own regional list price, as `attrib report` does), the bill
        // Claude4.5Sonnet: the same model.
        let r = try attrib([
            "reconcile", "--db", db, "--by", "day,model,token_type", "--where", "model~*sonnet*", "--format", "csv",
        ])
        #expect(
            r.stdout.split(separator: "\n").contains(
                "2026-03-02,anthropic.claude-sonnet-4-5-20250929-v1:0,input,1234567,2000000,1.620001,3.703701,6.600000,-765433,0.000000,logged above billed"
            ))
        let split = try attrib([
            "reconcile", "--db", db, "--split", "--by", "user_email", "--where", "model~*sonnet*", "--format", "csv",
        ])
        // 3.703701 in proportion 3:1, to the micro-dollar: 2.77777575 and 0.92592525 floor to 2.777775 and 0.925925;
        // the micro-dollar left goes to the larger remainder. The Marketplace output line has no logged output.
        #expect(
            split.stdout == """
                user_email,source,tokens,billed_cost_usd
                ,unexplained,500000,7.500000
                ana@example.com,logs,1500000,2.777776
                bo@example.com,logs,500000,0.925925

                """)
    }

    @Test("A store without a bill: reconcile says so on stderr, and shows the logged side as not billed")
    func noBill() throws {
        let db = temporaryDirectory().appendingPathComponent("b.db").path
        #expect(
            try attrib(["ingest", "-q", "--db", db, fixturesURL.appendingPathComponent("exports").path]).status == 0)
        let r = try attrib(["reconcile", "--db", db, "--format", "csv"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("no bill lines in the store: ingest a CUR 2.0"))
        let rows = csvRows(r.stdout)
        #expect(!rows.isEmpty && rows.allSatisfy { $0["status"] == "not billed" && $0["billed_tokens"] == "0" })
    }

    @Test(
        "Flags: --split needs an identity, --where on a dimension the bill lacks needs --split, --by knows its columns (exit 64)"
    )
    func flags() throws {
        let db = temporaryDirectory().appendingPathComponent("none.db").path
        for args in [["--split", "--by", "day"], ["--where", "user=a"], ["--by", "route"], ["--by", "day,week"]] {
            let r = try attrib(["reconcile", "--db", db] + args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(args)")
        }
        #expect(!FileManager.default.fileExists(atPath: db))
    }
}
