// The third witness on the generated corpus (scripts/gen-corpus --bill --invocations): Bedrock's invocation logs
// of the router role's calls (a few lost; the day the router's logs were lost) and of a principal that bypasses
// the router. `reconcile --witnesses` equals the generator's table, every cell; the router role's invocation
// records are never counted beside the router's requests unless asked; reconcile --where filters both sides.

// The expectation's field names are the generator's JSON keys.
// swift-format-ignore-file: AlwaysUseLowerCamelCase

import Foundation
import Testing

@testable import AttribCore

struct WitnessTruthRow: Decodable {
    var day: String
    var principal: String
    var model: String
    var invocation_tokens: Int64
    var gateway_tokens: Int64
    var billed_tokens: Int64
}

struct WitnessTruth: Decodable {
    var invocations: String
    var invocation_records: Int
    var router_calls_without_record: Int
    var bypass_invocation_tokens: Int64
    var bypass_invocation_records: Int64
    var gateway_invocation_tokens: Int64
    var witnesses_by_day_principal_model: [WitnessTruthRow]
    var reconcile_by_day_model_with_invocations: [BillTruthReconcileRow]
}

struct CorpusGroundTruth: Decodable {
    struct UserModel: Decodable { var total_tokens: Int64 }
    struct Gaps: Decodable { var model_requests: Int64 }
    var by_user_model: [UserModel]
    var gaps: Gaps
}

extension BillCorpusTests {
    var witnessTruth: WitnessTruth {
        get throws {
            try JSONDecoder().decode(
                WitnessTruth.self, from: Data(contentsOf: Self.corpus.appendingPathComponent("bill-truth.json")))
        }
    }

    var corpusTruth: CorpusGroundTruth {
        get throws {
            try JSONDecoder().decode(
                CorpusGroundTruth.self,
                from: Data(contentsOf: Self.corpus.appendingPathComponent("ground-truth.json")))
        }
    }

    /// The router's logs, a bill and Bedrock's invocation logs in one store.
    func storeWithInvocations(export: String) throws -> String {
        let db = temporaryDirectory().appendingPathComponent("witness.db").path
        let r = try attrib([
            "ingest", "-q", "--db", db, Self.corpus.appendingPathComponent("exports").path,
            Self.corpus.appendingPathComponent(try truth.exports[export]!).path,
            Self.corpus.appendingPathComponent(try witnessTruth.invocations).path,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return db
    }

    @Test("reconcile --witnesses --by day,principal,model equals the generator's three witnesses, every cell")
    func witnessesEveryCell() throws {
        let truth = try truth
        let expected = try witnessTruth.witnesses_by_day_principal_model
        let db = try storeWithInvocations(export: "attrib-bedrock-principals")
        let r = try attrib([
            "reconcile", "--db", db, "--prices", prices, "--witnesses", "--gateway-principal", truth.gateway_principal,
            "--format", "csv",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = csvRows(r.stdout)
        #expect(rows.count == expected.count)
        let byKey = Dictionary(
            uniqueKeysWithValues: rows.map { ("\($0["day"]!) \($0["principal"]!) \($0["model"]!)", $0) })
        for e in expected {
            let name = "\(e.day) \(e.principal) \(e.model)"
            let g = try #require(byKey[name], "row \(name) missing")
            #expect(g["invocation_tokens"] == String(e.invocation_tokens), "\(name)")
            #expect(g["gateway_tokens"] == String(e.gateway_tokens), "\(name)")
            #expect(g["billed_tokens"] == String(e.billed_tokens), "\(name)")
            if e.invocation_tokens > 0 {
                let share = Double(e.gateway_tokens) / Double(e.invocation_tokens)
                #expect(abs(Double(g["gateway_share"]!)! - share) < 1e-6, "\(name)")
            } else {
                #expect(g["gateway_share"] == "", "\(name)")
            }
            if e.billed_tokens > 0 {
                let share = Double(e.invocation_tokens) / Double(e.billed_tokens)
                #expect(abs(Double(g["invocation_share"]!)! - share) < 1e-6, "\(name)")
            } else {
                #expect(g["invocation_share"] == "", "\(name)")
            }
        }
        // The lost day: Bedrock saw the router role's calls, the router logged none, the bill has them.
        let lost = expected.filter { $0.day == truth.lost_day }
        #expect(!lost.isEmpty && lost.allSatisfy { $0.gateway_tokens == 0 && $0.invocation_tokens == $0.billed_tokens })
        // For people: the sentence under the table, the principal remembered.
        let table = try attrib(["reconcile", "--db", db, "--prices", prices, "--witnesses", "--format", "table"])
        #expect(table.status == 0)
        #expect(table.stdout.contains("The gateway logged "))
        #expect(table.stdout.contains("of the tokens Bedrock saw from its principal \(truth.gateway_principal)"))
    }

    @Test("reconcile --witnesses needs the gateway's principal; --by hour leaves the daily bill's column empty")
    func witnessesUsage() throws {
        let db = try storeWithInvocations(export: "attrib-bedrock-principals")
        let none = try attrib(["reconcile", "--db", db, "--witnesses"])
        #expect(none.status == 64)
        #expect(none.stderr.contains("--gateway-principal GLOB"))
        #expect(none.stderr.split(separator: "\n").count == 1)
        let split = try attrib(["reconcile", "--db", db, "--witnesses", "--split", "--by", "user"])
        #expect(split.status == 64)
        let hourly = try attrib([
            "reconcile", "--db", db, "--prices", prices, "--witnesses", "--gateway-principal",
            try truth.gateway_principal,
            "--by", "hour,principal", "--format", "csv",
        ])
        #expect(hourly.status == 0)
        #expect(hourly.stderr.contains("the billed_tokens column is left empty"))
        let rows = csvRows(hourly.stdout)
        #expect(!rows.isEmpty && rows.allSatisfy { $0["billed_tokens"] == "" && $0["hour"]!.hasSuffix(":00") })
        let invocations = rows.reduce(Int64(0)) { $0 + Int64($1["invocation_tokens"]!)! }
        let w = try witnessTruth
        #expect(invocations == w.gateway_invocation_tokens + w.bypass_invocation_tokens)
        // A bill without callers: its tokens on rows of principal (none), and stderr says why.
        let plain = try storeWithInvocations(export: "attrib-bedrock")
        let r = try attrib([
            "reconcile", "--db", plain, "--prices", prices, "--witnesses", "--gateway-principal",
            try truth.gateway_principal, "--by", "principal", "--format", "csv",
        ])
        #expect(r.status == 0)
        #expect(r.stderr.contains("the bill names no callers"))
        let byPrincipal = Dictionary(uniqueKeysWithValues: csvRows(r.stdout).map { ($0["principal"]!, $0) })
        let billed = w.witnesses_by_day_principal_model.reduce(Int64(0)) { $0 + $1.billed_tokens }
        #expect(byPrincipal[""]?["billed_tokens"] == String(billed))
        #expect(byPrincipal[""]?["invocation_tokens"] == "0")
        #expect(byPrincipal[try truth.gateway_principal]?["billed_tokens"] == "0")
    }

    @Test(
        "The router role's invocation records are the router's requests: left out of report, mantle and gaps unless asked"
    )
    func gatewayInvocationsCountedOnce() throws {
        let truth = try truth
        let w = try witnessTruth
        let router = try corpusTruth.by_user_model.reduce(Int64(0)) { $0 + $1.total_tokens }
        let db = try storeWithInvocations(export: "attrib-bedrock-principals")
        func bySource(_ extra: [String]) throws -> ([String: Int64], String) {
            let r = try attrib(["report", "--db", db, "--by", "source", "--format", "csv"] + extra)
            #expect(r.status == 0)
            let rows = csvRows(r.stdout)
            return (
                Dictionary(uniqueKeysWithValues: rows.map { ($0["source"]!, Int64($0["total_tokens"]!)!) }), r.stderr
            )
        }
        // No principal known yet: both counted, and stderr says how to stop it.
        let (unknown, warned) = try bySource([])
        #expect(unknown["bedrock-invocations"] == w.gateway_invocation_tokens + w.bypass_invocation_tokens)
        #expect(warned.contains("no gateway principal is known"))
        // Remembered once (reconcile --gateway-principal): only the bypass's records count.
        #expect(try attrib(["reconcile", "--db", db, "--gateway-principal", truth.gateway_principal]).status == 0)
        let (known, quiet) = try bySource([])
        #expect(known["router"] == router)
        #expect(known["bedrock-invocations"] == w.bypass_invocation_tokens)
        #expect(!quiet.contains("counted twice"))
        let (asked, told) = try bySource(["--include-gateway-invocations"])
        #expect(asked["bedrock-invocations"] == w.gateway_invocation_tokens + w.bypass_invocation_tokens)
        #expect(told.contains("counted twice"))
        // gaps counts the router's model requests and the bypass's records.
        let gaps = try attrib(["gaps", "--db", db, "--format", "json"])
        let object = try #require(JSONSerialization.jsonObject(with: Data(gaps.stdout.utf8)) as? [String: Any])
        #expect(
            (object["model_requests"] as? NSNumber)?.int64Value
                == (try corpusTruth.gaps.model_requests) + w.bypass_invocation_records)
        // mantle: the router role's Mantle calls once.
        let mantle = try attrib(["mantle", "--db", db, "--format", "json"])
        let asIs = try attrib(["mantle", "--db", db, "--format", "json", "--where", "source=router"])
        #expect(mantle.status == 0)
        func total(_ out: String) throws -> Int64? {
            let o = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
            return ((o?["totals"] as? [String: Any])?["total_tokens"] as? NSNumber)?.int64Value
        }
        #expect(try total(mantle.stdout) == total(asIs.stdout))
    }

    @Test(
        "reconcile with Bedrock's invocation logs: the bypass's records explain its usage, the router role's are not added"
    )
    func reconcileWithInvocations() throws {
        let truth = try truth
        let db = try storeWithInvocations(export: "attrib-bedrock")
        #expect(try attrib(["reconcile", "--db", db, "--gateway-principal", truth.gateway_principal]).status == 0)
        _ = try checkReconcile(db, try witnessTruth.reconcile_by_day_model_with_invocations)
    }

    @Test("reconcile --where: day and model filter both sides; a dimension the bill lacks filters the split rows")
    func reconcileWhere() throws {
        let truth = try truth
        let db = try store(export: "attrib-bedrock-principals")
        // A dimension the bill lacks, without --split: one line, exit 64.
        let refused = try attrib(["reconcile", "--db", db, "--where", "user_email=a@example.com"])
        #expect(refused.status == 64)
        #expect(refused.stderr.contains("the bill has no user_email"))
        #expect(refused.stderr.split(separator: "\n").count == 1)
        // A day: the rows of that day, as without the filter.
        let plain = try store(export: "attrib-bedrock")
        let day = truth.reconcile_by_day_model[truth.reconcile_by_day_model.count / 2].day
        let r = try attrib([
            "reconcile", "--db", plain, "--prices", prices, "--by", "day,model", "--format", "csv", "--where",
            "day=\(day)",
        ])
        #expect(r.status == 0)
        let expected = truth.reconcile_by_day_model.filter { $0.day == day }
        let rows = csvRows(r.stdout)
        #expect(rows.count == expected.count && rows.allSatisfy { $0["day"] == day })
        for e in expected {
            let g = try #require(rows.first { $0["model"] == e.model })
            #expect(g["billed_tokens"] == String(e.billed_tokens) && g["logged_tokens"] == String(e.logged_tokens))
            #expect(g["billed_cost_usd"] == money(e.billed_micros) && g["status"] == e.status)
        }
        // --split with user_email: the user's rows of the whole split, unchanged (cells still split among all).
        let top = try #require(truth.split_by_user_email.first { $0.source == "logs" && $0.user_email != nil })
        let split = try attrib([
            "reconcile", "--db", db, "--prices", prices, "--split", "--by", "user_email", "--format", "csv",
            "--gateway-principal", truth.gateway_principal, "--where", "user_email=\(top.user_email!)",
        ])
        #expect(split.status == 0)
        try checkSplit(split.stdout, [top], total: top.billed_micros)
        // A principal: the bypass's own lines only.
        let bypass = try attrib([
            "reconcile", "--db", db, "--prices", prices, "--split", "--by", "user_email", "--format", "csv",
            "--where", "principal~*bob.direct*",
        ])
        #expect(bypass.status == 0)
        let principalRow = try #require(truth.split_by_user_email.first { $0.source == "principal" })
        try checkSplit(bypass.stdout, [principalRow], total: principalRow.billed_micros)
        // The gateway's principal: its lines, held against the router's requests (which carry no principal).
        let gateway = try attrib([
            "reconcile", "--db", db, "--prices", prices, "--format", "json", "--where", "principal~*llm-router-task*",
        ])
        #expect(gateway.status == 0)
        let object = try #require(JSONSerialization.jsonObject(with: Data(gateway.stdout.utf8)) as? [String: Any])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(
            money(truth.bill_usage_micros_principals - principalRow.billed_micros)
                == String(format: "%.6f", totals["billed_cost_usd"] as! Double))
        let router = try corpusTruth.by_user_model.reduce(Int64(0)) { $0 + $1.total_tokens }
        #expect((totals["logged_tokens"] as? NSNumber)?.int64Value == router)
    }
}
