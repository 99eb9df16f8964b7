// ClickHouse gives attrib's answers: `attrib lines` on overlapping groups of files, loaded into chDB (a
// real ClickHouse engine, installed by scripts/install-chdb) through `attrib clickhouse schema`, and the
// SQL `--sql clickhouse` prints, equal attrib's own reports on one store built from all the files.
//
// chDB policy: the test needs chDB. scripts/install-chdb installs it (PyPI) on first use; when that
// fails the test fails with a message saying so. ATTRIB_SKIP_CHDB=1 skips the suite, visibly, for a
// machine that can never reach PyPI.

import Foundation
import Testing

@testable import AttribCore

/// The python of the chDB environment, installing it when missing; nil with the reason when impossible.
let chdbPython: Result<String, ChdbUnavailable> = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = [repositoryURL.appendingPathComponent("scripts/install-chdb").path]
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    do { try p.run() } catch { return .failure(ChdbUnavailable(reason: "\(error)")) }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let path = String(decoding: o, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard p.terminationStatus == 0, !path.isEmpty else {
        return .failure(ChdbUnavailable(reason: String(decoding: e, as: UTF8.self)))
    }
    return .success(path)
}()

struct ChdbUnavailable: Error, CustomStringConvertible {
    var reason: String
    var description: String {
        "chDB is not installed and scripts/install-chdb could not install it (it needs PyPI): \(reason)"
            + "\nSet ATTRIB_SKIP_CHDB=1 to skip the ClickHouse tests on a machine without PyPI."
    }
}

/// Runs a program with its stdout into `stdoutFile` (or returned), failing the test on a non-zero status.
@discardableResult
func run(_ program: String, _ args: [String], stdoutFile: URL? = nil, stdin: Data? = nil) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: program)
    p.arguments = args
    let err = Pipe()
    p.standardError = err
    let out = Pipe()
    if let stdoutFile {
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: stdoutFile)
    } else {
        p.standardOutput = out
    }
    let input = Pipe()
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let o = stdoutFile == nil ? out.fileHandleForReading.readDataToEndOfFile() : Data()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    try #require(
        p.terminationStatus == 0,
        "\(program) \(args.joined(separator: " ")) exited \(p.terminationStatus): \(String(decoding: e, as: UTF8.self))"
    )
    return String(decoding: o, as: UTF8.self)
}

/// Parses ClickHouse `CSVWithNames` (`\N` is NULL) into a header and rows.
func parseClickHouseCSV(_ text: String) -> (header: [String], rows: [[String?]]) {
    var records: [[String?]] = []
    var record: [String?] = []
    var field = ""
    var quoted = false
    var wasQuoted = false
    var chars = Array(text.unicodeScalars)
    if chars.last != "\n" { chars.append("\n") }
    var i = 0
    func endField() {
        record.append(!wasQuoted && field == "\\N" ? nil : field)
        field = ""
        wasQuoted = false
    }
    while i < chars.count {
        let c = chars[i]
        if quoted {
            if c == "\"" {
                if i + 1 < chars.count && chars[i + 1] == "\"" {
                    field.unicodeScalars.append("\"")
                    i += 1
                } else {
                    quoted = false
                }
            } else {
                field.unicodeScalars.append(c)
            }
        } else if c == "\"" {
            quoted = true
            wasQuoted = true
        } else if c == "," {
            endField()
        } else if c == "\n" {
            endField()
            records.append(record)
            record = []
        } else {
            field.unicodeScalars.append(c)
        }
        i += 1
    }
    let header = (records.first ?? []).map { $0 ?? "" }
    return (header, Array(records.dropFirst()))
}

/// A report row as both sides give it: dimension values, the counts, the cost.
struct ComparableRow: CustomStringConvertible {
    var values: [String?]
    var counts: [Int64]  // requests, input, output, cache read, cache write, total
    var cost: Double?
    var share: Double?

    var description: String { "\(values.map { $0 ?? "(null)" }) \(counts) \(cost.map { String($0) } ?? "null")" }

    init(values: [String?], counts: [Int64], cost: Double?, share: Double? = nil) {
        self.values = values
        self.counts = counts
        self.cost = cost
        self.share = share
    }

    init(_ r: ReportRow) {
        values = r.values
        counts = [r.requests, r.tokens.input, r.tokens.output, r.tokens.cacheRead, r.tokens.cacheWrite, r.totalTokens]
        cost = r.costUSD
    }

    /// From a ClickHouse result row with `dimensions` leading columns.
    init(clickhouse row: [String?], dimensions: Int) {
        values = Array(row.prefix(dimensions))
        counts = row[dimensions..<(dimensions + 6)].map { Int64($0 ?? "") ?? -1 }
        cost = row[dimensions + 6].flatMap(Double.init)
        share = row.count > dimensions + 7 ? row[dimensions + 7].flatMap(Double.init) : nil
    }

    func matches(_ o: ComparableRow) -> Bool {
        values == o.values && counts == o.counts && sameCost(cost, o.cost)
    }
}

func sameCost(_ a: Double?, _ b: Double?) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case (let x?, let y?): return abs(x - y) < 1e-6
    default: return false
    }
}

/// Every row equal, in the same order (attrib's and ClickHouse's); names the first differences.
func expectSameRows(_ attribRows: [ComparableRow], _ clickhouse: [ComparableRow], _ what: String) {
    #expect(
        attribRows.count == clickhouse.count,
        "\(what): \(attribRows.count) rows from attrib, \(clickhouse.count) from ClickHouse")
    var shown = 0
    for (a, c) in zip(attribRows, clickhouse) where !a.matches(c) {
        Issue.record("\(what): attrib \(a), ClickHouse \(c)")
        shown += 1
        if shown == 5 { break }
    }
}

/// Partial results of shards merged as docs/clickhouse.md says: per dimension values, counts and costs
/// add up (an unknown cost stays unknown).
func mergeShards(_ parts: [[ComparableRow]]) -> [ComparableRow] {
    var merged: [[String?]: ComparableRow] = [:]
    for part in parts {
        for r in part {
            guard var m = merged[r.values] else {
                merged[r.values] = r
                continue
            }
            m.counts = zip(m.counts, r.counts).map { $0 + $1 }
            m.cost = m.cost.flatMap { a in r.cost.map { a + $0 } }
            merged[r.values] = m
        }
    }
    return merged.values.sorted { a, b in
        for (x, y) in zip(a.values, b.values) where x != y {
            return (x ?? "").utf8.lexicographicallyPrecedes((y ?? "").utf8) || (x == nil && y == "")
        }
        return false
    }
}

func byValues(_ rows: [ComparableRow]) -> [ComparableRow] { mergeShards([rows]) }

@Suite(
    "ClickHouse (chDB) gives attrib's answers from attrib lines", .serialized,
    .disabled(if: ProcessInfo.processInfo.environment["ATTRIB_SKIP_CHDB"] == "1", "ATTRIB_SKIP_CHDB=1"))
struct ClickHouseTests {
    /// The invocations the issue names, as `attrib` arguments.
    static let reports: [(name: String, args: [String], dimensions: Int)] = [
        ("report-user-model", ["report", "--by", "user_email,modelId"], 2),
        ("report-day-route-berlin", ["report", "--by", "day,route", "--tz", "Europe/Berlin"], 2),
        ("mantle-user-email", ["mantle", "--by", "user_email"], 1),
    ]

    @Test(
        "20,000 requests in three overlapping groups of files: every report row, token count and cost equal attrib's; also split into three shards by the request-id hash"
    )
    func corpusInThreeGroups() throws {
        let python: String
        switch chdbPython {
        case .success(let p): python = p
        case .failure(let e):
            Issue.record("\(e)")
            return
        }
        let chdbRun = repositoryURL.appendingPathComponent("scripts/chdb-run").path
        let bin = attribBinary.path
        let corpus = try generateCorpus(requests: 20_000, seed: 7)
        let dir = corpus.appendingPathComponent("clickhouse")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let prices = corpus.appendingPathComponent("prices.csv").path

        // Three overlapping groups: the first two thirds, the last two thirds, every other file.
        let all = files(under: corpus.appendingPathComponent("exports"))
        let n = all.count
        let groups = [
            Array(all[0..<(2 * n / 3)]), Array(all[(n / 3)..<n]),
            all.enumerated().filter { $0.offset % 2 == 0 }.map(\.element),
        ]
        #expect(Set(groups.flatMap { $0 }) == Set(all))
        var lineFiles: [String] = []
        for (i, group) in groups.enumerated() {
            let out = dir.appendingPathComponent("lines-\(i).jsonl")
            try run(bin, ["lines", "-q"] + group, stdoutFile: out)
            lineFiles.append(out.path)
        }

        // attrib's own answers: one store built from all files.
        let db = corpus.appendingPathComponent("attrib.db").path
        _ = try ingestPaths([corpus.appendingPathComponent("exports").path], db: db)
        let store = try Store(path: db, readOnly: true)
        let table = try PriceTable.load(path: prices)
        let expected: [[ComparableRow]] = [
            try Reports.run(ReportQuery(dimensions: [.userEmail, .modelId]), store: store, prices: table).rows
                .map(ComparableRow.init),
            try Reports.run(
                ReportQuery(
                    dimensions: [.day, .route], window: TimeWindow(zone: TimeZone(identifier: "Europe/Berlin")!)),
                store: store, prices: table
            ).rows.map(ComparableRow.init),
            try {
                var q = ReportQuery(dimensions: [.userEmail])
                q.scope = .mantle
                return try Reports.run(q, store: store, prices: table).rows.map(ComparableRow.init)
            }(),
        ]
        #expect(expected[0].count > 50 && expected[1].count > 10 && expected[2].count > 5)
        let gaps = try Reports.gaps(store: store, prices: table)

        // The schema, the prices, the model keys, and the printed queries.
        let schema = dir.appendingPathComponent("schema.sql")
        try run(bin, ["clickhouse", "schema"], stdoutFile: schema)
        let priceFile = dir.appendingPathComponent("prices.csv")
        try run(bin, ["clickhouse", "prices", "--prices", prices], stdoutFile: priceFile)
        var queries: [URL] = []
        for r in Self.reports + [("gaps", ["gaps"], 0)] {
            let q = dir.appendingPathComponent("\(r.name).sql")
            try run(bin, r.args + ["--sql", "clickhouse"], stdoutFile: q)
            queries.append(q)
        }
        let modelsQuery = dir.appendingPathComponent("models.sql")
        try "SELECT DISTINCT model_id FROM attrib_lines WHERE model_id IS NOT NULL FORMAT TSV;\n".write(
            to: modelsQuery, atomically: true, encoding: .utf8)
        let keysFile = dir.appendingPathComponent("keys.csv")

        /// Loads `condition`'s share of the lines into a fresh chDB database and runs every query.
        func answers(_ name: String, condition: String?) throws -> [String] {
            let path = dir.appendingPathComponent("chdb-\(name)").path
            var steps = ["--path", path, "--exec", schema.path]
            for f in lineFiles {
                steps +=
                    condition.map { ["--insert-where", "attrib_lines", "JSONEachRow", f, $0] }
                    ?? ["--insert", "attrib_lines", "JSONEachRow", f]
            }
            let models = try run(python, [chdbRun] + steps + ["--query", modelsQuery.path])
            try run(bin, ["clickhouse", "keys", "--prices", prices], stdoutFile: keysFile, stdin: Data(models.utf8))
            try run(
                python,
                [
                    chdbRun, "--path", path, "--insert", "attrib_prices", "CSVWithNames", priceFile.path, "--insert",
                    "attrib_model_keys", "CSVWithNames", keysFile.path,
                ])
            return try queries.map { try run(python, [chdbRun, "--path", path, "--query", $0.path]) }
        }

        // One database holding all three groups' rows.
        let whole = try answers("whole", condition: nil)
        for (i, r) in Self.reports.enumerated() {
            let rows = parseClickHouseCSV(whole[i]).rows.map { ComparableRow(clickhouse: $0, dimensions: r.dimensions) }
            expectSameRows(byValues(expected[i]), byValues(rows), r.name)
            // The order too: the rows of attrib's output, in attrib's order.
            #expect(rows.map(\.values) == expected[i].map(\.values), "\(r.name): row order")
        }
        let g = parseClickHouseCSV(whole[3])
        try #require(g.rows.count == 1)
        let totals = Dictionary(uniqueKeysWithValues: zip(g.header, g.rows[0]))
        func text(_ name: String) -> String? { totals[name] ?? nil }
        func count(_ name: String) -> Int64? { text(name).flatMap { Int64($0) } }
        #expect(count("requests") == gaps.requests)
        #expect(count("model_requests") == gaps.modelRequests)
        #expect(count("attributed_requests") == gaps.attributedRequests)
        #expect(count("unattributed_requests") == gaps.unattributedRequests)
        #expect(count("unattributed_tokens") == gaps.unattributedTokens)
        #expect(sameCost(text("unattributed_cost_usd").flatMap { Double($0) }, gaps.unattributedCostUSD))
        #expect(count("joined_requests") == gaps.joinedRequests)
        #expect(count("conflicts") == gaps.conflicts)
        #expect(count("usage_lines_without_request_id") == gaps.usageLinesWithoutRequestId)

        // Three shards by the documented hash: each computes its partial result alone; merged, the same rows.
        var shards: [[String]] = []
        for s in 0..<3 {
            shards.append(try answers("shard\(s)", condition: "\(ClickHouseSchema.shardKey) % 3 = \(s)"))
        }
        for (i, r) in Self.reports.enumerated() {
            let parts = shards.map {
                parseClickHouseCSV($0[i]).rows.map { ComparableRow(clickhouse: $0, dimensions: r.dimensions) }
            }
            #expect(parts.allSatisfy { !$0.isEmpty })
            expectSameRows(byValues(expected[i]), mergeShards(parts), "\(r.name), three shards")
        }
        var merged = [Int64](repeating: 0, count: 9)
        for shard in shards {
            let t = parseClickHouseCSV(shard[3]).rows[0]
            for k in [0, 1, 2, 3, 4, 6, 7, 8] { merged[k] += Int64(t[k] ?? "") ?? -1_000_000 }
        }
        #expect(
            merged == [
                gaps.requests, gaps.modelRequests, gaps.attributedRequests, gaps.unattributedRequests,
                gaps.unattributedTokens, 0, gaps.joinedRequests, gaps.conflicts, gaps.usageLinesWithoutRequestId,
            ])
    }

    @Test("Every golden ClickHouse query runs on the printed schema")
    func goldensRun() throws {
        let python: String
        switch chdbPython {
        case .success(let p): python = p
        case .failure(let e):
            Issue.record("\(e)")
            return
        }
        let golden = fixturesURL.appendingPathComponent("golden/sql/clickhouse")
        let dir = temporaryDirectory()
        var steps = [
            repositoryURL.appendingPathComponent("scripts/chdb-run").path, "--path",
            dir.appendingPathComponent("db").path,
            "--exec", golden.appendingPathComponent("schema.sql").path,
        ]
        let names = try FileManager.default.contentsOfDirectory(atPath: golden.path).filter { $0 != "schema.sql" }
            .sorted()
        #expect(names.count >= 6)
        for name in names { steps += ["--query", golden.appendingPathComponent(name).path] }
        let out = try run(python, steps)
        // Each query prints its header (the database is empty: no rows, gaps one row of totals).
        #expect(out.components(separatedBy: "\"requests\"").count - 1 == names.count)
    }

    @Test("On the fixture exports, each invocation's printed query gives attrib's CSV rows")
    func fixtureInvocations() throws {
        let python: String
        switch chdbPython {
        case .success(let p): python = p
        case .failure(let e):
            Issue.record("\(e)")
            return
        }
        let chdbRun = repositoryURL.appendingPathComponent("scripts/chdb-run").path
        let bin = attribBinary.path
        let exports = fixturesURL.appendingPathComponent("exports").path
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("a.db").path
        _ = try ingestPaths([exports], db: db)
        let path = dir.appendingPathComponent("chdb").path
        let file = { (name: String) in dir.appendingPathComponent(name) }
        try run(bin, ["lines", "-q", exports], stdoutFile: file("lines.jsonl"))
        try run(bin, ["clickhouse", "schema"], stdoutFile: file("schema.sql"))
        try run(bin, ["clickhouse", "prices"], stdoutFile: file("prices.csv"))
        let models = try Store(path: db, readOnly: true).query("SELECT DISTINCT model_id FROM requests").rows
            .compactMap { row -> String? in if case .text(let v) = row[0] { return v } else { return nil } }
        try run(bin, ["clickhouse", "keys"] + models, stdoutFile: file("keys.csv"))
        try run(
            python,
            [
                chdbRun, "--path", path, "--exec", file("schema.sql").path, "--insert", "attrib_lines", "JSONEachRow",
                file("lines.jsonl").path, "--insert", "attrib_prices", "CSVWithNames", file("prices.csv").path,
                "--insert", "attrib_model_keys", "CSVWithNames", file("keys.csv").path,
            ])
        let invocations: [[String]] = [
            ["report", "--by", "status,path"], ["report", "--by", "model,week", "--where", "status=200"],
            ["report", "--by", "user", "--cost", "auto", "--sort", "requests:asc", "--top", "3"],
            ["report", "--by", "auth_source,user_agent,hour", "--tz", "Asia/Kolkata"],
            [
                "report", "--by", "user_sub,month", "--where", "modelId~*kimi*", "--where",
                "user_email!=ana@example.com",
            ],
            ["report", "--by", "project,api_key_id,user_id", "--since", "2026-03-03T10:05:00Z", "--cost", "logged"],
            ["mantle", "--by", "user,day", "--model", "*kimi*"], ["mantle", "--sort", "user"],
        ]
        for (i, args) in invocations.enumerated() {
            let q = file("q\(i).sql")
            try run(bin, args + ["--sql", "clickhouse"], stdoutFile: q)
            let fromClickHouse = parseClickHouseCSV(try run(python, [chdbRun, "--path", path, "--query", q.path]))
            let fromAttrib = parseClickHouseCSV(try run(bin, args + ["--db", db, "--format", "csv", "-q"]))
            #expect(fromClickHouse.header == fromAttrib.header, "\(args)")
            #expect(fromClickHouse.rows.count == fromAttrib.rows.count, "\(args)")
            for (c, a) in zip(fromClickHouse.rows, fromAttrib.rows) {
                // attrib's CSV: an absent value is empty, numbers have 6 decimals.
                let same = zip(c, a).allSatisfy { x, y in
                    let x = x ?? ""
                    let y = y ?? ""
                    if x == y { return true }
                    guard let dx = Double(x), let dy = Double(y) else { return false }
                    return abs(dx - dy) < 1e-6
                }
                #expect(same && c.count == a.count, "\(args): ClickHouse \(c), attrib \(a)")
            }
        }
    }
}
