// On the generated corpus with its bill (scripts/gen-corpus --bill: a CUR 2.0 export priced at rates that
// differ from list, with usage the logs never saw), reconcile and its split equal the generator's expectation,
// computed from its own requests and rates: every cell, billed costs exact to the micro-dollar.

// The expectation's field names are the generator's JSON keys.
// swift-format-ignore-file: AlwaysUseLowerCamelCase

import Foundation
import Testing

@testable import AttribCore

struct BillTruthReconcileRow: Decodable {
    var day: String
    var model: String
    var billed_tokens: Int64
    var logged_tokens: Int64
    var explained_share: Double?
    var billed_micros: Int64
    var list_cost_usd: Double?
    var unexplained_tokens: Int64
    var unexplained_micros: Int64
    var status: String
}

struct BillTruthSplitRow: Decodable {
    var user_email: String?
    var source: String
    var tokens: Int64
    var billed_micros: Int64
}

struct BillTruth: Decodable {
    var gateway_principal: String
    var lost_day: String
    var exports: [String: String]
    var legacy_cur: String
    var cost_explorer: String
    var early_delivery: String
    var bill_usage_micros: Int64
    var bill_usage_micros_principals: Int64
    var mantle_usage_micros: Int64
    var reconcile_by_day_model: [BillTruthReconcileRow]
    var reconcile_by_day_model_cost_explorer: [BillTruthReconcileRow]
    var split_by_user_email: [BillTruthSplitRow]
    var split_by_user_email_no_principal: [BillTruthSplitRow]
}

/// Parses CSV without quoted fields (reconcile's output for this corpus has none) into rows keyed by header.
func csvRows(_ text: String) -> [[String: String]] {
    let lines = text.split(separator: "\n").map(String.init)
    guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false).map(String.init) else {
        return []
    }
    return lines.dropFirst().map { line in
        Dictionary(
            uniqueKeysWithValues: zip(
                header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
    }
}

func money(_ micros: Int64) -> String { String(format: "%.6f", Double(micros) / 1_000_000) }

@Suite("The bill on a generated corpus", .serialized)
struct BillCorpusTests {
    static let corpus: URL = {
        let out = temporaryDirectory().appendingPathComponent("corpus")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            "python3", repositoryURL.appendingPathComponent("scripts/gen-corpus").path, "--requests", "3000", "--seed",
            "5", "--out", out.path, "--bill", "--invocations",
        ]
        p.standardError = FileHandle.nullDevice
        try! p.run()
        p.waitUntilExit()
        precondition(p.terminationStatus == 0, "scripts/gen-corpus --bill --invocations failed")
        return out
    }()

    var truth: BillTruth {
        get throws {
            try JSONDecoder().decode(
                BillTruth.self, from: Data(contentsOf: Self.corpus.appendingPathComponent("bill-truth.json")))
        }
    }

    func store(export: String) throws -> String {
        try store(bill: try truth.exports[export]!)
    }

    func store(bill: String) throws -> String {
        let db = temporaryDirectory().appendingPathComponent("bill.db").path
        let r = try attrib(
            [
                "ingest", "-q", "--db", db, Self.corpus.appendingPathComponent("exports").path,
                Self.corpus.appendingPathComponent(bill).path,
            ])
        #expect(r.status == 0, "\(r.stderr)")
        return db
    }

    var prices: String { Self.corpus.appendingPathComponent("prices.csv").path }

    func checkReconcile(_ db: String, _ expected: [BillTruthReconcileRow]) throws -> [[String: String]] {
        let r = try attrib(["reconcile", "--db", db, "--prices", prices, "--by", "day,model", "--format", "csv"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("billed model 'AcmeUnpriced'"))  // named, never dropped
        let rows = csvRows(r.stdout)
        #expect(rows.count == expected.count)
        let byKey = Dictionary(uniqueKeysWithValues: rows.map { ("\($0["day"]!) \($0["model"]!)", $0) })
        for e in expected {
            let g = try #require(byKey["\(e.day) \(e.model)"], "row \(e.day) \(e.model) missing")
            #expect(g["billed_tokens"] == String(e.billed_tokens), "\(e.day) \(e.model)")
            #expect(g["logged_tokens"] == String(e.logged_tokens), "\(e.day) \(e.model)")
            #expect(g["unexplained_tokens"] == String(e.unexplained_tokens), "\(e.day) \(e.model)")
            #expect(g["billed_cost_usd"] == money(e.billed_micros), "\(e.day) \(e.model)")
            #expect(g["unexplained_cost_usd"] == money(e.unexplained_micros), "\(e.day) \(e.model)")
            #expect(g["status"] == e.status, "\(e.day) \(e.model)")
            if let share = e.explained_share {
                #expect(abs(Double(g["explained_share"]!)! - share) < 1e-6)
            } else {
                #expect(g["explained_share"] == "")
            }
            if let list = e.list_cost_usd {
                #expect(abs(Double(g["list_cost_usd"]!)! - list) < 1e-5, "\(e.day) \(e.model)")
            } else {
                #expect(g["list_cost_usd"] == "")
            }
        }
        return rows
    }

    @Test("reconcile --by day,model --format csv equals the expectation, every cell, billed costs exact")
    func reconcileByDayModel() throws {
        let truth = try truth
        let db = try store(export: "attrib-bedrock")
        let rows = try checkReconcile(db, truth.reconcile_by_day_model)
        // The lost day: billed, not in the logs.
        #expect(rows.filter { $0["day"] == truth.lost_day }.allSatisfy { $0["status"] == "not in logs" })
        // JSON totals and the Mantle subtotal.
        let json = try attrib(["reconcile", "--db", db, "--prices", prices, "--format", "json"])
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(money(truth.bill_usage_micros) == String(format: "%.6f", totals["billed_cost_usd"] as! Double))
        let subtotals = try #require(object["subtotals"] as? [[String: Any]])
        let mantle = try #require(subtotals.first { $0["subtotal"] as? String == "mantle" })
        #expect(money(truth.mantle_usage_micros) == String(format: "%.6f", mantle["billed_cost_usd"] as! Double))
    }

    @Test("The same bill as legacy CUR gives the same reconcile; as Cost Explorer JSON, its own (costs summed per day)")
    func legacyAndCostExplorer() throws {
        let truth = try truth
        _ = try checkReconcile(try store(bill: truth.legacy_cur), truth.reconcile_by_day_model)
        _ = try checkReconcile(try store(bill: truth.cost_explorer), truth.reconcile_by_day_model_cost_explorer)
    }

    func checkSplit(_ stdout: String, _ expected: [BillTruthSplitRow], total: Int64) throws {
        let rows = csvRows(stdout)
        #expect(rows.count == expected.count)
        let byKey = Dictionary(uniqueKeysWithValues: rows.map { ("\($0["user_email"]!)|\($0["source"]!)", $0) })
        for e in expected {
            let g = try #require(byKey["\(e.user_email ?? "")|\(e.source)"], "row \(e.user_email ?? "") \(e.source)")
            #expect(g["tokens"] == String(e.tokens), "\(e.user_email ?? "") \(e.source)")
            #expect(g["billed_cost_usd"] == money(e.billed_micros), "\(e.user_email ?? "") \(e.source)")
        }
        // The split adds up to the bill exactly.
        let sum = rows.reduce(Int64(0)) { $0 + parseMicros($1["billed_cost_usd"]!)! }
        #expect(sum == total)
    }

    @Test(
        "reconcile --split --by user_email: the gateway principal's lines among its users, the bypass principal by name"
    )
    func splitWithPrincipals() throws {
        let truth = try truth
        let db = try store(export: "attrib-bedrock-principals")
        let r = try attrib([
            "reconcile", "--db", db, "--prices", prices, "--split", "--by", "user_email", "--format", "csv",
            "--gateway-principal", truth.gateway_principal,
        ])
        #expect(r.status == 0)
        try checkSplit(r.stdout, truth.split_by_user_email, total: truth.bill_usage_micros_principals)
        #expect(r.stdout.contains("bob.direct@example.com,principal,"))
        #expect(!r.stderr.contains("no gateway principal is known"))
        // Without the principal the same bill is held whole against the logs, and stderr says why.
        let fresh = try store(export: "attrib-bedrock-principals")
        let whole = try attrib(["reconcile", "--db", fresh, "--prices", prices, "--split", "--by", "user_email"])
        #expect(
            whole.stderr.contains(
                "its lines name 2 callers (line_item_iam_principal) and no gateway principal is known"))
        #expect(!whole.stdout.contains(",principal,"))
        // The gateway principal is remembered in the store.
        let again = try attrib(["reconcile", "--db", db, "--prices", prices, "--split", "--by", "user_email"])
        #expect(again.stdout == r.stdout)
    }

    @Test("reconcile --split --by user_email on a bill without principals: the bypass usage is unexplained")
    func splitWithoutPrincipals() throws {
        let truth = try truth
        let db = try store(export: "attrib-bedrock")
        let r = try attrib([
            "reconcile", "--db", db, "--prices", prices, "--split", "--by", "user_email", "--format", "csv",
        ])
        #expect(r.status == 0)
        try checkSplit(r.stdout, truth.split_by_user_email_no_principal, total: truth.bill_usage_micros)
    }

    @Test("The first delivery of a period, ingested before the export folder, is replaced, never added")
    func deliveredTwice() throws {
        let truth = try truth
        let db = temporaryDirectory().appendingPathComponent("bill.db").path
        let early = Self.corpus.appendingPathComponent(truth.early_delivery).path
        #expect(try attrib(["ingest", "-q", "--db", db, early]).status == 0)
        let export = Self.corpus.appendingPathComponent(truth.exports["attrib-bedrock"]!).path
        for _ in 0..<2 {
            let r = try attrib(["ingest", "--db", db, export])
            #expect(r.status == 0)
            #expect(r.stderr.contains("not named by their manifest (earlier deliveries, not read): 1"))
        }
        let json = try attrib(["reconcile", "--db", db, "--prices", prices, "--format", "json"])
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(money(truth.bill_usage_micros) == String(format: "%.6f", totals["billed_cost_usd"] as! Double))
    }
}
