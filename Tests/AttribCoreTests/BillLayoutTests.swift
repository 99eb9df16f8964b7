// How bills arrive: a legacy CUR report folder (a period's manifest names the current assembly's files; older
// assemblies stay beside it) and Cost Explorer pages (appended in one file, or a file each): each line once.

import Foundation
import Testing

@testable import AttribCore

@Suite("Bill delivery layouts")
struct BillLayoutTests {
    static let header =
        "identity/LineItemId,bill/BillingPeriodStartDate,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,lineItem/Operation,lineItem/LineItemType,lineItem/UsageAmount,pricing/unit,lineItem/UnblendedCost,lineItem/UsageAccountId"

    /// A gzip legacy CUR CSV with one Bedrock line per cost, on consecutive days of March 2026.
    func legacyCSV(_ url: URL, costs: [String]) throws {
        let rows = costs.enumerated().map { i, cost in
            "l\(i),2026-03-01T00:00:00Z,2026-03-0\(i + 1)T00:00:00Z,2026-03-0\(i + 2)T00:00:00Z,AmazonBedrock,USE1-Claude4.5Sonnet-output-tokens,InvokeModel,Usage,1,1K tokens,\(cost),123456789012"
        }
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let plain = url.deletingPathExtension()
        try ([Self.header] + rows).joined(separator: "\n").appending("\n").write(
            to: plain, atomically: true, encoding: .utf8)
        _ = try gzipFile(plain)
        try FileManager.default.removeItem(at: plain)
    }

    func manifest(_ url: URL, assembly: String, keys: [String]) throws {
        let text = """
            {"assemblyId": "\(assembly)", "reportName": "bedrock-cur", "compression": "GZIP",
             "billingPeriod": {"start": "20260301T000000.000Z", "end": "20260401T000000.000Z"},
             "reportKeys": [\(keys.map { "\"\($0)\"" }.joined(separator: ", "))]}
            """
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    @Test("Legacy CUR: only the current assembly of each period is read; older assemblies and their manifests are not")
    func legacyAssemblies() throws {
        let report = temporaryDirectory().appendingPathComponent("cur/bedrock-cur")
        let period = report.appendingPathComponent("20260301-20260401")
        let old = "0a1b2c3d-0000-4000-8000-000000000001"
        let current = "0a1b2c3d-0000-4000-8000-000000000002"
        try legacyCSV(period.appendingPathComponent("\(old)/bedrock-cur-1.csv.gz"), costs: ["1.0", "2.0"])
        try legacyCSV(period.appendingPathComponent("\(current)/bedrock-cur-1.csv.gz"), costs: ["3.0", "4.0"])
        try legacyCSV(period.appendingPathComponent("\(current)/bedrock-cur-2.csv.gz"), costs: ["5.0"])
        let key = { (assembly: String, n: Int) in
            "cur/bedrock-cur/20260301-20260401/\(assembly)/bedrock-cur-\(n).csv.gz"
        }
        try manifest(
            period.appendingPathComponent("\(old)/bedrock-cur-Manifest.json"), assembly: old, keys: [key(old, 1)])
        try manifest(
            period.appendingPathComponent("\(current)/bedrock-cur-Manifest.json"), assembly: current,
            keys: [key(current, 1), key(current, 2)])
        try manifest(
            period.appendingPathComponent("bedrock-cur-Manifest.json"), assembly: current,
            keys: [key(current, 1), key(current, 2)])
        let db = temporaryDirectory().appendingPathComponent("b.db").path
        for _ in 0..<2 {
            let (outcome, warnings) = try ingestPaths([report.path], db: db)
            #expect(warnings.isEmpty, "\(warnings)")
            #expect(
                outcome.bill.replacedFiles.map {
                    URL(fileURLWithPath: $0).deletingLastPathComponent().lastPathComponent
                } == [old])
            #expect(try storedBill(db).map(\.micros) == [3_000_000, 4_000_000, 5_000_000])
        }
        // The period's manifest names a file that is not here: one line; the others are read.
        try manifest(
            period.appendingPathComponent("bedrock-cur-Manifest.json"), assembly: current,
            keys: [key(current, 1), key(current, 2), key(current, 3)])
        let (_, warnings) = try ingestPaths([report.path], db: db)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("names \(current)/bedrock-cur-3.csv.gz, which is not here") == true)
        #expect(try storedBill(db).map(\.micros) == [3_000_000, 4_000_000, 5_000_000])
    }

    /// A `get-cost-and-usage` page: one day, one Bedrock group, and a NextPageToken unless it is the last.
    func page(day: Int, cost: String, next: Bool) -> String {
        """
        {
            "GroupDefinitions": [{"Type": "DIMENSION", "Key": "SERVICE"}, {"Type": "DIMENSION", "Key": "USAGE_TYPE"}],
            "ResultsByTime": [{"TimePeriod": {"Start": "2026-03-0\(day)", "End": "2026-03-0\(day + 1)"}, "Total": {}, "Estimated": false,
                "Groups": [{"Keys": ["Amazon Bedrock", "USE1-Claude4.5Sonnet-input-tokens"],
                            "Metrics": {"UnblendedCost": {"Amount": "\(cost)", "Unit": "USD"}, "UsageQuantity": {"Amount": "1000", "Unit": "1K tokens"}}}]}],
            "DimensionValueAttributes": []\(next ? ",\n    \"NextPageToken\": \"page-\(day + 1)\"" : "")
        }

        """
    }

    @Test(
        "Cost Explorer pages appended in one file are each read; a page met again (in the file or another) counts once")
    func costExplorerPages() throws {
        let dir = temporaryDirectory()
        let appended = dir.appendingPathComponent("ce-appended.json")
        try
            (page(day: 1, cost: "1.5", next: true) + page(day: 2, cost: "2.5", next: true)
            + page(day: 3, cost: "3.5", next: false)).write(to: appended, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("b.db").path
        let (_, quiet) = try ingestPaths([appended.path], db: db)
        #expect(quiet.isEmpty, "\(quiet)")
        #expect(try storedBill(db).map(\.micros) == [1_500_000, 2_500_000, 3_500_000])

        // Page 2 again: appended twice to the file, and as a file of its own (compact, as --output json writes).
        try
            (page(day: 1, cost: "1.5", next: true) + page(day: 2, cost: "2.5", next: true)
            + page(day: 2, cost: "2.5", next: true) + page(day: 3, cost: "3.5", next: false)).write(
                to: appended, atomically: true, encoding: .utf8)
        let alone = dir.appendingPathComponent("ce-page-2.json")
        try page(day: 2, cost: "2.5", next: true).replacingOccurrences(of: "\n", with: "").write(
            to: alone, atomically: true, encoding: .utf8)
        let (_, warnings) = try ingestPaths([appended.path, alone.path], db: db)
        #expect(
            warnings == ["Cost Explorer: 2 groups met again (the same day and keys on a page read twice); counted once"]
        )
        #expect(try storedBill(db).map(\.micros) == [1_500_000, 2_500_000, 3_500_000])
    }

    @Test("Cost Explorer: a broken document among pages is one line; the pages around it are read")
    func costExplorerBrokenPage() throws {
        let dir = temporaryDirectory()
        let url = dir.appendingPathComponent("ce.json")
        try
            (page(day: 1, cost: "1.5", next: true) + "{\"ResultsByTime\": 7}\n" + page(day: 3, cost: "3.5", next: false)
            + "garbage").write(to: url, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("b.db").path
        let (_, warnings) = try ingestPaths([url.path], db: db)
        #expect(warnings.count == 2, "\(warnings)")
        #expect(warnings.first?.contains("document 2 (byte ") == true)
        #expect(warnings.last?.contains(": not the start of a JSON document; the rest is skipped") == true)
        #expect(try storedBill(db).map(\.micros) == [1_500_000, 3_500_000])
        #expect(jsonDocuments(Data("{\"a\": \"}{\\\"\"} [1]".utf8)).ranges == [0..<13, 14..<17])
    }
}
