// `attrib html` opened in headless Chromium: no console errors, nothing injected, and the numbers the page
// shows are the numbers of the CSV reports (report, mantle, gaps) over the same store.

import Foundation
import Testing

@testable import AttribCore

/// Chromium from scripts/install-chromium (which installs Debian's package when it is missing).
let chromiumPath: Result<String, ChromiumMissing> = {
    let p = Process()
    p.executableURL = repositoryURL.appendingPathComponent("scripts/install-chromium")
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    do { try p.run() } catch { return .failure(ChromiumMissing(reason: "\(error)")) }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let path = String(decoding: o, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard p.terminationStatus == 0, !path.isEmpty else {
        return .failure(ChromiumMissing(reason: String(decoding: e, as: UTF8.self)))
    }
    return .success(path)
}()

struct ChromiumMissing: Error, CustomStringConvertible {
    var reason: String
    var description: String { "scripts/install-chromium could not provide chromium: \(reason)" }
}

/// What scripts/check-html saw in the browser.
struct BrowserView {
    var json: [String: Any]

    func table(_ id: String) throws -> (head: [String], rows: [[String]], foot: [String]?) {
        let tables = json["tables"] as? [[String: Any]] ?? []
        let t = try #require(tables.first { $0["id"] as? String == id }, "no table \(id) on the page")
        return (t["head"] as? [String] ?? [], t["rows"] as? [[String]] ?? [], t["foot"] as? [String])
    }
    var consoleErrors: [String] { json["console_errors"] as? [String] ?? [] }
    var chartNumbersNotInTables: [String] { json["chart_numbers_not_in_tables"] as? [String] ?? [] }
    var injected: [String: Any] { json["injected"] as? [String: Any] ?? [:] }
    var tableIds: [String] { (json["tables"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }
    var timing: [String: Double] { json["timing_ms"] as? [String: Double] ?? [:] }
    func overflow(_ paper: String) -> Int? {
        ((json["print"] as? [String: Any])?[paper] as? [String: Any])?["overflow_px"] as? Int
    }
}

/// Opens `page` in headless Chromium through scripts/check-html.
func openInBrowser(_ page: URL, screenshot: URL? = nil, at element: String? = nil) throws -> BrowserView {
    let chromium = try chromiumPath.get()
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments =
        ["python3", repositoryURL.appendingPathComponent("scripts/check-html").path, page.path, "--chromium", chromium]
        + (screenshot.map { ["--screenshot", $0.path] } ?? []) + (element.map { ["--screenshot-at", $0] } ?? [])
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    try #require(p.terminationStatus == 0, "scripts/check-html failed: \(String(decoding: e, as: UTF8.self))")
    return BrowserView(json: try #require(try JSONSerialization.jsonObject(with: o) as? [String: Any]))
}

/// RFC 4180 rows with their header's names.
func parseCSV(_ text: String) -> [[String: String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var chars = Array(text)[...]
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" {
                    field.append("\"")
                    chars = chars.dropFirst()
                } else {
                    quoted = false
                }
            } else {
                field.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            record.append(field)
            field = ""
        } else if c == "\n" || c == "\r\n" {
            record.append(field)
            records.append(record)
            record = []
            field = ""
        } else {
            field.append(c)
        }
    }
    guard let header = records.first else { return [] }
    return records.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
}

/// A page's dollars: "$1,234.57" → 1234.57; "unpriced" → nil.
func pageMoney(_ s: String) -> Double? {
    s == "unpriced" ? nil : Double(s.replacingOccurrences(of: "$", with: "").replacingOccurrences(of: ",", with: ""))
}
func pageCount(_ s: String) -> Int64? { Int64(s.replacingOccurrences(of: ",", with: "")) }

/// The cents shown equal the CSV's dollars (6 decimals, summed over `rows` CSV values at most).
func sameMoney(_ page: String, _ csv: Double?, rows: Int = 1, _ what: String) {
    let shown = pageMoney(page)
    if let csv, let shown {
        #expect(abs(shown - csv) <= 0.005 + Double(rows) * 1e-6, "\(what): page \(page), CSV \(csv)")
    } else {
        #expect(shown == nil && csv == nil, "\(what): page \(page), CSV \(csv.map { "\($0)" } ?? "empty")")
    }
}

/// Adds CSV costs as the runner adds rows: any empty (unpriced) cost makes the sum empty.
func csvSum(_ rows: some Sequence<[String: String]>, _ key: String = "cost_usd") -> Double? {
    var total: Double? = 0
    for r in rows { total = total.flatMap { t in Double(r[key] ?? "").map { t + $0 } } }
    return total
}

let countColumns = [
    "requests", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "total_tokens",
]

/// The page's numbers against `report`, `mantle` and `gaps` in CSV (and gaps' totals in JSON) over `db`.
/// `filters` (--where) go to report and mantle only: gaps takes none, and the page's coverage part neither.
func expectPageMatchesReports(
    _ view: BrowserView, db: String, options: [String], filters: [String] = [], top: Int
) throws {
    func csv(_ args: [String]) throws -> [[String: String]] {
        let r = try attrib(
            args + ["--db", db, "--format", "csv", "--quiet"] + options + (args[0] == "gaps" ? [] : filters))
        try #require(r.status == 0, "\(args): \(r.stderr)")
        return parseCSV(r.stdout)
    }

    // Users, and the Mantle attribution with its unattributed remainder always shown.
    for (id, command) in [("users", ["report", "--by", "user"]), ("mantle", ["mantle"])] {
        let all = try csv(command)
        let (head, rows, foot) = try view.table(id)
        var shown = Array(all.prefix(top))
        var rest: [[String: String]] = []
        for r in all.dropFirst(top) {
            if id == "mantle" && r["user"] == "" { shown.append(r) } else { rest.append(r) }
        }
        if rest.count == 1 {
            shown += rest
            rest = []
        }
        #expect(rows.count == shown.count + (rest.isEmpty ? 0 : 1) || (all.isEmpty && rows.count == 1), "\(id) rows")
        for (expected, row) in zip(shown, rows) {
            let cell = Dictionary(uniqueKeysWithValues: zip(head, row))
            #expect(cell["user"] == (expected["user"] == "" ? "(none)" : expected["user"]), "\(id) user")
            for c in countColumns { #expect(pageCount(cell[c] ?? "") == Int64(expected[c] ?? ""), "\(id) \(c)") }
            sameMoney(
                cell["cost_usd"] ?? "", Double(expected["cost_usd"] ?? ""), "\(id) \(expected["user"] ?? "") cost")
            if let share = cell["share"], let csvShare = Double(expected["share"] ?? "") {
                let shown = Double(share.dropLast()) ?? -1
                #expect(abs(shown - csvShare * 100) <= 0.05 + 1e-6, "\(id) share \(share) vs \(csvShare)")
            }
        }
        if !rest.isEmpty, let others = rows.last {
            let cell = Dictionary(uniqueKeysWithValues: zip(head, others))
            #expect(cell["user"] == "(\(rest.count) other users)")
            for c in countColumns {
                #expect(pageCount(cell[c] ?? "") == rest.reduce(0) { $0 + (Int64($1[c] ?? "") ?? 0) }, "others \(c)")
            }
            sameMoney(cell["cost_usd"] ?? "", csvSum(rest), rows: rest.count, "\(id) others cost")
        }
        if !all.isEmpty {
            let total = Dictionary(uniqueKeysWithValues: zip(head, try #require(foot)))
            for c in countColumns {
                #expect(
                    pageCount(total[c] ?? "") == all.reduce(0) { $0 + (Int64($1[c] ?? "") ?? 0) }, "\(id) total \(c)")
            }
            sameMoney(total["cost_usd"] ?? "", csvSum(all), rows: all.count, "\(id) total cost")
        }
    }

    // Spend per day: each day's total, each model's cost that day, the Mantle spend that day.
    let days = try csv(["report", "--by", "day"]).sorted { ($0["day"] ?? "") < ($1["day"] ?? "") }
    let dayModel = try csv(["report", "--by", "day,modelId"])
    let mantleDays = try csv(["mantle", "--by", "day"])
    let models = try csv(["report", "--by", "modelId"])
    let (head, rows, foot) = try view.table("spend-by-day")
    #expect(rows.count == max(days.count, 1))
    let modelNames = Array(head.dropFirst().prefix { $0 != "cost_usd" })
    let named = Set(modelNames)
    for (expected, row) in zip(days, rows) where !days.isEmpty {
        let day = expected["day"] ?? ""
        #expect(row[0] == day)
        sameMoney(row[head.firstIndex(of: "cost_usd")!], Double(expected["cost_usd"] ?? ""), "\(day) cost")
        for (i, name) in modelNames.enumerated() {
            let parts = dayModel.filter { r in
                r["day"] == day
                    && (name.hasSuffix(" other models") ? !named.contains(r["modelId"] ?? "") : r["modelId"] == name)
            }
            sameMoney(row[i + 1], csvSum(parts), rows: parts.count, "\(day) \(name)")
        }
        let mantle = mantleDays.filter { $0["day"] == day }
        sameMoney(row[head.firstIndex(of: "mantle_cost_usd")!], csvSum(mantle), "\(day) Mantle")
    }
    if !days.isEmpty, let foot {
        for (i, name) in modelNames.enumerated() where !name.hasSuffix(" other models") {
            let model = models.filter { $0["modelId"] == name }
            sameMoney(foot[i + 1], csvSum(model), "\(name) total")
        }
    }

    // Identity coverage: the gaps day table (CSV) and totals (JSON, where gaps puts them).
    let gapsDays = try csv(["gaps"])
    let gapsRows = try view.table("gaps-by-day").rows
    #expect(gapsRows.count == max(gapsDays.count, 1))
    for (expected, row) in zip(gapsDays, gapsRows) where !gapsDays.isEmpty {
        #expect(row[0] == expected["day"])
        #expect(pageCount(row[1]) == Int64(expected["model_requests"] ?? ""))
        #expect(pageCount(row[2]) == Int64(expected["unattributed_requests"] ?? ""))
        sameMoney(row[3], Double(expected["unattributed_cost_usd"] ?? ""), "gaps \(row[0])")
    }
    let json = try attrib(["gaps", "--db", db, "--format", "json", "--quiet"] + options)
    let totals = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    for row in try view.table("gaps-totals").rows {
        switch totals[row[0]] {
        case let n as Int where row[0] != "unattributed_cost_usd": #expect(pageCount(row[1]) == Int64(n), "\(row[0])")
        case let d as Double: sameMoney(row[1], d, row[0])
        case let s as String: #expect(row[1] == s, "\(row[0])")
        default: #expect(row[1] == "(none)" || row[0] == "unattributed_cost_usd", "\(row[0]) = \(row[1])")
        }
    }
}

/// Router lines for one day with hostile names: markup in an email and a model id, right-to-left text,
/// a model with no price, and a Mantle request with no identity.
let hostileLines = [
    #"{"timestamp": "2026-03-02T09:00:00.000Z", "message": "Mantle streaming complete", "request_id": "h-1", "user_email": "<script>alert(\"x\")</script>@evil.example", "modelId": "moonshotai.kimi-k2.5", "prompt_tokens": 1000, "completion_tokens": 10, "total_tokens": 1010}"#,
    #"{"timestamp": "2026-03-02T10:00:00.000Z", "message": "Stream usage emitted", "request_id": "h-2", "user_email": "مريم.العلي@example.com", "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "input_tokens": 100, "output_tokens": 200}"#,
    #"{"timestamp": "2026-03-02T11:00:00.000Z", "message": "Stream usage emitted", "request_id": "h-3", "user_email": "\"><img src=x onerror=alert(1)>@x", "modelId": "<script>evil()</script>-no-price", "input_tokens": 7, "output_tokens": 8}"#,
    #"{"timestamp": "2026-03-02T12:00:00.000Z", "message": "Mantle streaming complete", "request_id": "h-4", "modelId": "moonshotai.kimi-k2.5", "prompt_tokens": 500, "completion_tokens": 5, "total_tokens": 505}"#,
]

@Suite("The HTML page in headless Chromium", .serialized)
struct HTMLPageTests {
    func page(_ inputs: [String], args: [String] = []) throws -> (db: String, page: URL) {
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("page.db").path
        let ingest = try attrib(["ingest", "--db", db, "--quiet"] + inputs)
        try #require(ingest.status == 0, "ingest: \(ingest.stderr)")
        let page = dir.appendingPathComponent("report.html")
        let html = try attrib(["html", "--db", db, "--out", page.path, "--quiet"] + args)
        try #require(html.status == 0, "html: \(html.stderr)")
        return (db, page)
    }

    func expectClean(_ view: BrowserView) {
        #expect(view.consoleErrors.isEmpty, "console: \(view.consoleErrors)")
        #expect(view.chartNumbersNotInTables.isEmpty, "chart numbers not in a table: \(view.chartNumbersNotInTables)")
        #expect(view.injected["scripts"] as? Int == 0)
        #expect(view.injected["event_attributes"] as? Int == 0)
        #expect(view.injected["javascript_urls"] as? Int == 0)
        #expect((view.injected["external"] as? [String])?.isEmpty == true, "external: \(view.injected)")
        #expect(view.overflow("a4") == 0, "wider than A4's printable width")
        #expect(view.overflow("letter") == 0, "wider than Letter's printable width")
    }

    @Test("The Fixtures sample: the page's numbers are the CSV reports' numbers, no console error")
    func fixturesSample() throws {
        let (db, url) = try page([fixturesURL.appendingPathComponent("exports").path])
        let shot = FileManager.default.temporaryDirectory.appendingPathComponent("attrib-html-fixtures.png")
        let view = try openInBrowser(url, screenshot: shot)
        expectClean(view)
        try expectPageMatchesReports(view, db: db, options: [], top: 20)
        #expect(FileManager.default.fileExists(atPath: shot.path))
        // No bill in the store: no reconcile panel.
        #expect(!view.tableIds.isEmpty && !view.tableIds.contains { $0.hasPrefix("reconcile") }, "\(view.tableIds)")
        #expect(!(try String(contentsOf: url, encoding: .utf8)).contains("id=\"reconcile\""))
    }

    @Test("--since, --until, --tz and --where reach the page's queries as they reach the CSV reports")
    func options() throws {
        let time = ["--since", "2026-03-03T05:00:00", "--until", "2026-03-04", "--tz", "America/New_York"]
        let filters = ["--where", "modelId!=deepseek.v3-v1:0", "--where", "user~*@*"]
        let (db, url) = try page([fixturesURL.appendingPathComponent("exports").path], args: time + filters)
        let view = try openInBrowser(url)
        expectClean(view)
        try expectPageMatchesReports(view, db: db, options: time, filters: filters, top: 20)
        #expect(try view.table("users").rows.allSatisfy { $0[0].contains("@") })
    }

    @Test("A generated corpus of 20,000 requests, top 5: same numbers as the CSV reports, under 2 MB")
    func generatedCorpus() throws {
        let corpus = try generateCorpus(requests: 20_000, seed: 7)
        let prices = corpus.appendingPathComponent("prices.csv").path
        let (db, url) = try page(
            [corpus.appendingPathComponent("exports").path], args: ["--prices", prices, "--top", "5", "--models", "4"])
        let bytes = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
        #expect(bytes < 2_000_000)
        let shot = FileManager.default.temporaryDirectory.appendingPathComponent("attrib-html-corpus.png")
        let view = try openInBrowser(url, screenshot: shot)
        expectClean(view)
        try expectPageMatchesReports(view, db: db, options: ["--prices", prices], top: 5)
        // A figure for the record (BENCHMARKS.md), never an assertion: tests are not timed.
        print("attrib html corpus page: \(bytes) bytes, timing \(view.timing)")
    }

    @Test("Markup and right-to-left names are text, a model with no price is 'unpriced', one day is one column")
    func hostileNames() throws {
        let dir = temporaryDirectory()
        let file = dir.appendingPathComponent("hostile.jsonl")
        try (hostileLines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let (db, url) = try page([file.path])
        let html = try String(contentsOf: url, encoding: .utf8)
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.lowercased().contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;@evil.example"))
        let view = try openInBrowser(url)
        expectClean(view)
        try expectPageMatchesReports(view, db: db, options: [], top: 20)
        let users = try view.table("users").rows.map { $0[0] }
        #expect(users.contains("<script>alert(\"x\")</script>@evil.example"))
        #expect(users.contains("مريم.العلي@example.com"))
        #expect(users.contains("\"><img src=x onerror=alert(1)>@x"))
        let spend = try view.table("spend-by-day")
        #expect(spend.rows.count == 1)
        let column = try #require(spend.head.firstIndex(of: "<script>evil()</script>-no-price"))
        #expect(spend.rows[0][column] == "unpriced")
        #expect(try view.table("mantle").rows.contains { $0[0] == "(none)" })
    }

    @Test("A store with no requests: empty tables, no chart numbers, no error")
    func emptyStore() throws {
        let dir = temporaryDirectory()
        let file = dir.appendingPathComponent("empty.json")
        try #"{"events": [], "searchedLogStreams": []}"#.write(to: file, atomically: true, encoding: .utf8)
        let (db, url) = try page([file.path])
        let view = try openInBrowser(url)
        expectClean(view)
        try expectPageMatchesReports(view, db: db, options: [], top: 20)
        #expect(try view.table("users").rows == [["(no rows)"]])
        #expect(try view.table("spend-by-day").rows == [["(no rows)"]])
    }

    /// The reconcile panel's day table against `reconcile --by day` in CSV (and its subtotals in JSON).
    func expectReconcilePanel(_ view: BrowserView, db: String, options: [String]) throws {
        let args = ["reconcile", "--by", "day", "--db", db, "--quiet"] + options
        let csv = try attrib(args + ["--format", "csv"])
        try #require(csv.status == 0, "\(csv.stderr)")
        let expected = parseCSV(csv.stdout)
        let (head, rows, foot) = try view.table("reconcile-by-day")
        #expect(expected.count > 3)
        #expect(rows.count == expected.count)
        for (want, row) in zip(expected, rows) {
            let cell = Dictionary(uniqueKeysWithValues: zip(head, row))
            let day = want["day"] ?? ""
            #expect(cell["day"] == day)
            for c in ["billed_tokens", "logged_tokens", "unexplained_tokens"] {
                #expect(pageCount(cell[c] ?? "") == Int64(want[c] ?? ""), "\(day) \(c)")
            }
            for c in ["billed_cost_usd", "list_cost_usd", "unexplained_cost_usd"] {
                sameMoney(cell[c] ?? "", Double(want[c] ?? ""), "\(day) \(c)")
            }
            #expect(cell["status"] == want["status"], "\(day) status")
            if let share = Double(want["explained_share"] ?? "") {
                #expect(abs((Double(cell["explained_share"]?.dropLast() ?? "") ?? -1) - share * 100) <= 0.05 + 1e-6)
            }
            // Billed = explained + unexplained (reconcile's own split).
            let billed = try #require(Double(want["billed_cost_usd"] ?? ""))
            let unexplained = try #require(Double(want["unexplained_cost_usd"] ?? ""))
            sameMoney(cell["explained_cost_usd"] ?? "", billed - unexplained, rows: 2, "\(day) explained")
        }
        let total = Dictionary(uniqueKeysWithValues: zip(head, try #require(foot)))
        #expect(
            pageCount(total["billed_tokens"] ?? "")
                == expected.reduce(0) { $0 + (Int64($1["billed_tokens"] ?? "") ?? 0) })
        sameMoney(total["billed_cost_usd"] ?? "", csvSum(expected, "billed_cost_usd"), rows: expected.count, "total")

        let json = try attrib(args + ["--format", "json"])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let subtotals = try #require(doc["subtotals"] as? [[String: Any]])
        let shown = try view.table("reconcile-subtotals")
        #expect(shown.rows.count == subtotals.count)
        for (want, row) in zip(subtotals, shown.rows) {
            let cell = Dictionary(uniqueKeysWithValues: zip(shown.head, row))
            #expect(cell["subtotal"] == want["subtotal"] as? String)
            sameMoney(cell["billed_cost_usd"] ?? "", want["billed_cost_usd"] as? Double, "subtotal billed")
            sameMoney(
                cell["unexplained_cost_usd"] ?? "", want["unexplained_cost_usd"] as? Double, "subtotal unexplained")
        }
    }

    @Test(
        "A store with a bill: the reconcile panel shows `reconcile --by day`'s numbers, explained + unexplained = billed"
    )
    func reconcilePanel() throws {
        let corpus = BillCorpusTests.corpus
        let prices = ["--prices", corpus.appendingPathComponent("prices.csv").path]
        let bill = corpus.appendingPathComponent("bill/cur2/attrib-bedrock").path
        let (db, url) = try page([corpus.appendingPathComponent("exports").path, bill], args: prices)
        let shot = FileManager.default.temporaryDirectory.appendingPathComponent("attrib-html-reconcile.png")
        let view = try openInBrowser(url, screenshot: shot, at: "reconcile")
        expectClean(view)
        try expectReconcilePanel(view, db: db, options: prices)
        #expect(FileManager.default.fileExists(atPath: shot.path))

        // The same time options reach the panel as reach `reconcile`.
        let time = ["--since", "2026-03-05", "--until", "2026-03-15", "--tz", "Europe/Berlin"]
        let windowed = url.deletingLastPathComponent().appendingPathComponent("window.html")
        let html = try attrib(["html", "--db", db, "--out", windowed.path, "--quiet"] + prices + time)
        try #require(html.status == 0, "\(html.stderr)")
        let view2 = try openInBrowser(windowed)
        expectClean(view2)
        try expectReconcilePanel(view2, db: db, options: prices + time)
        #expect(try view2.table("reconcile-by-day").rows.count == 10)
    }

    @Test("A bill whose model names are markup: the reconcile panel keeps them text")
    func hostileBill() throws {
        let corpus = BillCorpusTests.corpus
        let dir = temporaryDirectory()
        let bill = dir.appendingPathComponent("bill")
        try FileManager.default.copyItem(at: corpus.appendingPathComponent("bill/cur2/attrib-bedrock"), to: bill)
        for file in files(under: bill) where file.hasSuffix(".csv.gz") {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = [
                "-c",
                #"zcat "$1" | sed 's/AcmeUnpriced/<script>alert("bill")<\/script>/g' | gzip > "$1.new" && mv "$1.new" "$1""#,
                "sh", file,
            ]
            try p.run()
            p.waitUntilExit()
            try #require(p.terminationStatus == 0)
        }
        let (db, url) = try page([corpus.appendingPathComponent("exports").path, bill.path])
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(!text.lowercased().contains("<script"))
        #expect(text.contains("&lt;script&gt;alert(&quot;bill&quot;)&lt;/script&gt;"))
        let view = try openInBrowser(url)
        expectClean(view)
        try expectReconcilePanel(view, db: db, options: [])
    }
}

@Suite("The HTML printer and the --bars column, without a browser")
struct HTMLPrinterTests {
    @Test("Text from the data is escaped: the five markup characters and control characters")
    func escaping() {
        #expect(escapeHTML("<script>a&b\"c'</script>") == "&lt;script&gt;a&amp;b&quot;c&#39;&lt;/script&gt;")
        #expect(escapeHTML("a\u{0}b\u{1B}c\u{85}") == "a\u{FFFD}b\u{FFFD}c\u{FFFD}")
        #expect(escapeHTML("مريم\tzoë\n") == "مريم\tzoë\n")
    }

    @Test("A chart draws only numbers of its table, with each value's tooltip as the table shows it")
    func chartFromTable() {
        let table = Table(
            columns: [Column("user", .identity), Column("cost_usd", .cost)],
            rows: [[.text("<b>x</b>"), .number(1234.5)], [.text(nil), .number(nil)]])
        let page = Page(
            title: "t", facts: [],
            panels: [
                Panel(
                    id: "p", title: "P", charts: [.bars(BarChart(title: "c", table: 0, label: 0, values: [1]))],
                    tables: [PageTable(id: "p-t", Section(title: "T", .table(table)))])
            ])
        let html = HTMLPrinter(generator: "test").render(page)
        #expect(html.contains("<title>&lt;b&gt;x&lt;/b&gt; · cost_usd: $1,234.50</title>"))
        #expect(html.contains("<td class=\"n\">$1,234.50</td>"))
        #expect(html.contains("<td class=\"n\">unpriced</td>"))
        #expect(!html.contains("<b>"))
        #expect(html.contains("Content-Security-Policy\" content=\"default-src 'none'"))
    }

    @Test("A share bar: eighths of a block, or # when plain; a share above zero is never an empty bar")
    func shareBar() {
        #expect(ShareBar(width: 10).draw(1) == String(repeating: "█", count: 10))
        #expect(ShareBar(width: 10).draw(0.5) == "█████")
        #expect(ShareBar(width: 10).draw(0.0625) == "▋")  // 5/8 of a cell
        #expect(ShareBar(width: 10).draw(0.0001) == "▏")
        #expect(ShareBar(width: 10).draw(0) == "")
        #expect(ShareBar(width: 10, plain: true).draw(0.5) == "#####")
        #expect(ShareBar(width: 10, plain: true).draw(0.001) == "#")
        #expect(ShareBar(width: 10, plain: true).draw(2) == "##########")
    }

    @Test("report --bars: a share_of_cost column in the table, plain under NO_COLOR, a usage error for CSV")
    func barsFlag() throws {
        let db = temporaryDirectory().appendingPathComponent("bars.db").path
        #expect(
            try attrib(["ingest", "--db", db, "--quiet", fixturesURL.appendingPathComponent("exports").path]).status
                == 0)
        let unicode = try attrib(
            ["report", "--db", db, "--by", "user", "--format", "table", "--bars", "--quiet"],
            env: ["LANG": "C.UTF-8", "LC_ALL": "", "NO_COLOR": "", "TERM": "xterm"])
        #expect(unicode.status == 0)
        let lines = unicode.stdout.split(separator: "\n")
        #expect(lines[0].hasSuffix("share_of_cost"))
        // svc-7c1e2d3f-batch has $0.34 of $0.78 (43.6%): 8.7 of 20 cells.
        #expect(lines[2].hasSuffix("$0.34  ████████▋"))
        let plain = try attrib(
            ["report", "--db", db, "--by", "user", "--format", "table", "--bars", "--quiet"], env: ["NO_COLOR": "1"])
        #expect(plain.stdout.split(separator: "\n")[2].hasSuffix("$0.34  #########"))
        let ascii = try attrib(
            ["report", "--db", db, "--by", "user", "--format", "table", "--bars", "--quiet"],
            env: ["LC_ALL": "C", "NO_COLOR": "", "TERM": "xterm"])
        #expect(ascii.stdout.split(separator: "\n")[2].hasSuffix("#########"))
        let csv = try attrib(["report", "--db", db, "--format", "csv", "--bars"])
        #expect(csv.status == 64)
        #expect(
            csv.stderr
                == "attrib: --bars draws in the table format; add --format table (output that is not a terminal is csv by default)\n"
        )
    }

    @Test("html: a bad --top is a usage error; an output that cannot be written is one line and exit 1")
    func htmlErrors() throws {
        let db = temporaryDirectory().appendingPathComponent("h.db").path
        #expect(
            try attrib(["ingest", "--db", db, "--quiet", fixturesURL.appendingPathComponent("exports").path]).status
                == 0)
        let top = try attrib(["html", "--db", db, "--out", "x.html", "--top", "0"])
        #expect(top.status == 64)
        #expect(top.stderr == "attrib: --top must be at least 1\n")
        let out = try attrib(["html", "--db", db, "--out", "/nonexistent-dir/x.html"])
        #expect(out.status == 1)
        #expect(out.stderr.hasPrefix("attrib: cannot write '/nonexistent-dir/x.html': "))
        #expect(out.stderr.split(separator: "\n").count == 1)
        let stdout = try attrib(["html", "--db", db, "--out", "-", "--quiet"])
        #expect(stdout.status == 0)
        #expect(stdout.stdout.hasPrefix("<!DOCTYPE html>"))
    }
}
