// `attrib lines` and `--sql clickhouse` without a ClickHouse engine: the rows, their keys, the formats,
// a closed pipe, the flags --sql cannot translate, and the ClickHouse SQL kept as goldens.

import Foundation
import Testing

@testable import AttribCore

@Suite("attrib lines: one row per distinct event")
struct LinesTests {
    let exports = fixturesURL.appendingPathComponent("exports").path

    @Test(
        "Rows are JSON objects with the store's event keys; --db writes the same rows; any thread count gives the same rows"
    )
    func sameRowsAsTheStore() throws {
        let live = try attrib(["lines", "-q", exports])
        #expect(live.status == 0)
        let rows = live.stdout.split(separator: "\n").map(String.init)
        #expect(!rows.isEmpty)
        var keys = Set<Int64>()
        for row in rows {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
            keys.insert(try #require((object["event_key"] as? NSNumber)?.int64Value))
            #expect(object["source"] as? String == "router")
            for column in ["input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "is_usage"] {
                #expect(object[column] is NSNumber, "\(column) is always present")
            }
        }
        #expect(keys.count == rows.count, "one row per distinct event")

        let db = temporaryDirectory().appendingPathComponent("a.db").path
        _ = try ingestPaths([exports], db: db)
        let store = try Store(path: db, readOnly: true)
        var stored = Set<Int64>()
        let s = try store.db.prepare("SELECT event_key FROM events")
        while try s.step() { stored.insert(s.int(0)) }
        #expect(keys == stored, "the store's event keys")

        // Rows without the log group and stream, which are those of the copy of an event read first (the
        // order of files in a run depends on the threads): everything else is the same whatever the order.
        func withoutStreams(_ text: String) throws -> [String] {
            try text.split(separator: "\n").map { row in
                var object = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
                object["log_group"] = nil
                object["log_stream"] = nil
                return String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            }.sorted()
        }
        let fromStore = try attrib(["lines", "--db", db])
        #expect(fromStore.status == 0)
        #expect(try withoutStreams(fromStore.stdout) == withoutStreams(live.stdout))
        let oneThread = try attrib(["lines", "-q", "-j", "1", exports])
        #expect(try withoutStreams(oneThread.stdout) == withoutStreams(live.stdout))
        let again = try attrib(["lines", "-q", "-j", "1", exports])
        #expect(again.stdout == oneThread.stdout, "the same run twice: the same bytes")
    }

    @Test("CSV and TSV have a header and one field per column on every row")
    func delimited() throws {
        for (format, separator) in [("csv", ","), ("tsv", "\t")] {
            let r = try attrib(["lines", "-q", "--format", format, exports])
            #expect(r.status == 0)
            let lines = r.stdout.split(separator: "\n")
            #expect(lines.first.map(String.init) == LineColumn.allCases.map(\.rawValue).joined(separator: separator))
            if format == "tsv" {
                #expect(lines.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 27 })
            }
        }
    }

    @Test("A closed pipe ends it quietly with status 0")
    func closedPipe() throws {
        let dir = temporaryDirectory()
        // Enough rows that the pipe closes while attrib still writes.
        var text = ""
        for i in 0..<20_000 {
            text +=
                "{\"timestamp\":\"2026-03-01T10:00:00.000Z\",\"msg\":\"Request started\",\"request_id\":\"r\(i)\",\"path\":\"/v1/chat/completions\"}\n"
        }
        try text.write(to: dir.appendingPathComponent("big.jsonl"), atomically: true, encoding: .utf8)
        let status = dir.appendingPathComponent("status")
        try shell("('\(attribBinary.path)' lines -q '\(dir.path)'; echo $? > '\(status.path)') | head -1 > /dev/null")
        #expect(try String(contentsOf: status, encoding: .utf8) == "0\n")
    }

    @Test("Usage errors: no input, both inputs and --db; a missing file is exit 66")
    func usage() throws {
        #expect(try attrib(["lines"]).status == 64)
        #expect(try attrib(["lines", "--db", "x.db", exports]).status == 64)
        let missing = try attrib(["lines", "/nonexistent/file.jsonl"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/nonexistent/file.jsonl"))
    }
}

@Suite("--sql clickhouse")
struct ClickHouseSQLTests {
    @Test("A flag it cannot translate: one line naming the flag, exit 64, no SQL")
    func untranslatable() throws {
        for args in [
            ["report", "--sql", "clickhouse", "--prices", "p.csv"],
            ["mantle", "--sql", "clickhouse", "--format", "json"],
            ["gaps", "--sql", "clickhouse", "--prices", "p.csv"],
            ["report", "--sql", "clickhouse", "--by", "log_stream"],
            ["mantle", "--sql", "clickhouse", "--where", "log_group=/ecs/x"],
            ["report", "--sql", "clickhouse", "--requests", "all"],
            ["report", "--sql", "clickhouse", "--by", "principal"],
            ["mantle", "--sql", "clickhouse", "--where", "client_ip=10.0.0.1"],
        ] {
            let r = try attrib(args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stdout.isEmpty)
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && (lines.first?.contains(args[3]) ?? false), "\(r.stderr)")
            #expect(lines.first?.hasPrefix("attrib: \(args[3])") ?? false, "the line starts with the flag: \(r.stderr)")
        }
    }

    @Test("It needs no store, and the values of --where, --since and --top are in the statement")
    func noStore() throws {
        let dir = temporaryDirectory()
        let r = try attrib(
            [
                "report", "--sql", "clickhouse", "--by", "user,hour", "--where", "modelId~*kimi*", "--since",
                "2026-03-01", "--top", "5", "--tz", "Asia/Kolkata",
            ], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("'(?s)^.*kimi.*$'"))
        #expect(r.stdout.contains("LIMIT 5"))
        #expect(r.stdout.contains("timeZoneOffset(toDateTime("))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("attrib.db").path))
    }

    static let queries: [(String, String)] =
        // Gaps prints its own totals query; latency percentiles (--requests all) are refused for --sql.
        GoldenSQLTests.queries.filter {
            $0.0 != "gaps-all" && $0.0 != "gaps-by-day" && !$0.1.measures.contains(.latencies)
        }.map {
            ($0.0, ClickHouseSQL.report($0.1, share: $0.0.hasPrefix("mantle")))
        } + [("gaps-totals", ClickHouseSQL.gapsTotals(window: TimeWindow())), ("schema", ClickHouseSchema.ddl)]

    @Test("Golden ClickHouse SQL", arguments: queries.map(\.0))
    func golden(_ name: String) throws {
        try compareGolden(Self.queries.first { $0.0 == name }!.1, "sql/clickhouse/\(name).sql")
    }

    @Test("fnmatch globs become anchored RE2 patterns")
    func globs() {
        let d = ClickHouseDialect(zone: .utc)
        #expect(d.globPattern("*kimi*") == "(?s)^.*kimi.*$")
        #expect(d.globPattern("claude-cli/[!0]*") == "(?s)^claude-cli/[^0].*$")
        #expect(d.globPattern("a.b?\\*") == "(?s)^a\\.b.\\*$")
        #expect(d.globPattern("[ab") == "(?s)^\\[ab$")
    }
}
