// Table exports as an input shape: CSV / TSV with a header, ClickHouse JSONEachRow and sqlite3 -json rows, each
// row a message for its mapping; a row is a whole record, counted once however many exports hold it.

import Foundation
import Testing

@testable import AttribCore

private let details = """
    "inference_id","cost","request_arrival_time","api_key_id","user_id","status_code"
    "inf-1",0.01,"2026-03-01 10:00:00.250000","key-1","u-1",200
    "inf-2",0.02,"2026-03-01 10:05:00",\\N,"u-2",200

    """

private let inferences = """
    {"inference_id":"inf-1","model_name":"moonshotai.kimi-k2.5","timestamp":"2026-03-01 10:00:01","input_tokens":"100","output_tokens":20}
    {"inference_id":"inf-2","model_name":"moonshotai.kimi-k2.5","timestamp":"2026-03-01 10:05:01","input_tokens":300,"output_tokens":"40"}

    """

/// The same ModelInference rows as TSVWithNames.
private let inferencesTSV = """
    inference_id\tmodel_name\ttimestamp\tinput_tokens\toutput_tokens
    inf-1\tmoonshotai.kimi-k2.5\t2026-03-01 10:00:01\t100\t20
    inf-2\tmoonshotai.kimi-k2.5\t2026-03-01 10:05:01\t300\t40

    """

/// `report --by user,model` as CSV after one ingest of `inputs` (name, content).
private func userModelReport(_ inputs: [(String, String)]) throws -> String {
    let db = temporaryDirectory().appendingPathComponent("t.db").path
    try ingest(inputs, into: db)
    let r = try attrib(["report", "--db", db, "--by", "source,user,model", "--format", "csv"])
    #expect(r.status == 0, "\(r.stderr)")
    return r.stdout
}

@Suite("Table exports: each row is a message, each record counts once")
struct TableExportTests {
    @Test(
        "CSV with a header: quoted fields with doubled quotes and newlines, \\N and empty as NULL, quoted empty as text"
    )
    func csvRows() throws {
        let text = "a,b,c\n\"x, \"\"y\"\"\nz\",\\N,\n\"\",2,\"3\"\n"
        let sink = try read(text)
        #expect(sink.shapes == [.tableCSV])
        #expect(sink.rejects.isEmpty)
        #expect(
            sink.events.map(\.message) == [
                #"{"a":"x, \"y\"\nz","b":null,"c":null}"#, #"{"a":"","b":"2","c":"3"}"#,
            ])
    }

    @Test("TSV with a header: ClickHouse's backslash escapes are undone, \\N alone is NULL")
    func tsvRows() throws {
        let sink = try read("a\tb\tc\nx\\ty\\\\z\\n\t\\N\t\\\\N\n")
        #expect(sink.shapes == [.tableTSV])
        #expect(sink.events.map(\.message) == [#"{"a":"x\ty\\z\n","b":null,"c":"\\N"}"#])
    }

    @Test("sqlite3 -json: one array of row objects, each row an event at its line")
    func sqliteJSON() throws {
        let sink = try read("[{\"id\":1,\"request_id\":\"r-1\"},\n{\"id\":2,\"request_id\":null}]\n")
        #expect(sink.shapes == [.tableJSON])
        #expect(sink.events.map(\.message) == [#"{"id":1,"request_id":"r-1"}"#, #"{"id":2,"request_id":null}"#])
        // A Logs Insights JSON export is still read as one.
        let insights = try read(#"[{"@timestamp":"2026-03-01 10:00:00.000","@message":"hi"}]"#)
        #expect(insights.shapes == [.insightsJSON])
        #expect(insights.events.map(\.message) == ["hi"])
    }

    @Test(
        "Tables larger than the read buffer: every row, none cut at a refill (CSV with quoted newlines, TSV, sqlite3 -json)"
    )
    func largeTables() throws {
        let n = 30_000
        var csv = "id,note,n\n"
        var tsv = "id\tnote\tn\n"
        var rows: [String] = []
        for i in 0..<n {
            csv += "r-\(i),\"a, \"\"b\"\"\nc\",\(i)\n"
            tsv += "r-\(i)\ta\\tb\\nc\t\(i)\n"
            rows.append(#"{"id":"r-\#(i)","note":"a\tb","n":\#(i)}"#)
        }
        let json = "[" + rows.joined(separator: ",\n") + "]\n"
        for (text, shape) in [(csv, Shape.tableCSV), (tsv, .tableTSV), (json, .tableJSON)] {
            let sink = try read(text, chunk: 65_536)
            #expect(sink.shapes == [shape])
            #expect(sink.rejects.isEmpty, "\(shape): \(sink.rejects.prefix(3))")
            #expect(sink.events.count == n, "\(shape)")
            #expect(sink.events.last?.message.contains("r-\(n - 1)") == true)
        }
    }

    @Test("The same records as CSVWithNames and JSONEachRow (and TSVWithNames) count once, in any order")
    func sameRecordsInTwoShapes() throws {
        let once = try userModelReport([("d.csv", details), ("i.jsonl", inferences)])
        #expect(once.contains("budgateway,key-1,moonshotai.kimi-k2.5,1,100,20,"))
        #expect(once.contains("budgateway,u-2,moonshotai.kimi-k2.5,1,300,40,"))
        let detailsJSON = """
            {"inference_id":"inf-2","cost":0.02,"request_arrival_time":"2026-03-01 10:05:00","api_key_id":null,"user_id":"u-2","status_code":200}

            """
        let twice = try userModelReport([
            ("i.tsv", inferencesTSV), ("d.jsonl", detailsJSON), ("i.jsonl", inferences), ("d.csv", details),
            ("i-again.tsv", inferencesTSV),
        ])
        #expect(twice == once)
    }

    @Test("A mapping's tables share the record id: a usage row and a request row of one request are two records")
    func tablesOfOneRequest() throws {
        let logs = """
            id,request_id,user_id,api_key_id,provider_id,route_id,status_code,latency_ms,created_at
            7,r-1,alice,mk-1,p,rt,200,80,2026-03-01 12:00:00+00

            """
        let usage = """
            [{"id":7,"request_id":"r-1","api_key_id":"mk-1","model":"moonshotai.kimi-k2.5","prompt_tokens":50,"completion_tokens":5,"created_at":"2026-03-01T12:00:01Z"}]

            """
        let db = temporaryDirectory().appendingPathComponent("t.db").path
        let counts = try ingest([("logs.csv", logs), ("usage.json", usage), ("usage-again.json", usage)], into: db)
        #expect(counts.newEvents == 2)
        #expect(counts.duplicates == 1)
        let r = try attrib(["report", "--db", db, "--by", "user,model,status", "--format", "csv"])
        #expect(r.stdout.contains("mk-1,moonshotai.kimi-k2.5,200,1,50,5,"))
    }

    @Test(
        "Bad rows are rejects naming file and line (the header is line 1); a typed column that does not parse is never a wrong value; the good rows are kept"
    )
    func badRows() throws {
        let dir = temporaryDirectory()
        let file = dir.appendingPathComponent("ModelInference.csv")
        try """
        inference_id,model_name,timestamp,input_tokens,output_tokens
        inf-1,moonshotai.kimi-k2.5,2026-03-01 10:00:01,100,20
        inf-2,moonshotai.kimi-k2.5,2026-03-01 10:00:02,abc,20
        inf-3,moonshotai.kimi-k2.5,2026-03-01 25:00:00,100,20
        inf-4,moonshotai.kimi-k2.5,2026-03-01 10:00:04,100
        inf-5,"moonshotai.kimi-k2.5",2026-03-01 10:00:05,7,
        inf-6,moonshotai.kimi-k2.5,2026-03-01 10:00:06,100,"20
        """.write(to: file, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("t.db").path
        let r = try attrib(["ingest", "--db", db, file.path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("attrib: reject: \(file.path): line 3: invalid token count \"abc\""))
        #expect(lines.contains("attrib: reject: \(file.path): line 4: invalid timestamp \"2026-03-01 25:00:00\""))
        #expect(lines.contains("attrib: reject: \(file.path): line 5: row has 4 fields, the header has 5"))
        #expect(
            lines.contains("attrib: reject: \(file.path): line 7: unterminated quoted field at the end of the file"))
        #expect(r.stderr.contains("rejects: 4"))
        let report = try attrib(["report", "--db", db, "--by", "model", "--format", "csv"])
        #expect(report.stdout.contains("moonshotai.kimi-k2.5,2,107,20,"))
        let strict = try attrib(["ingest", "--db", db, "--strict", "--force", file.path])
        #expect(strict.status == 65)
    }

    @Test("A table whose columns no mapping reads is skipped with one line; --mapping reads it")
    func unknownColumns() throws {
        let dir = temporaryDirectory()
        let file = dir.appendingPathComponent("t.csv")
        try "rid,who,llm,tokens_in\nq-1,erin,moonshotai.kimi-k2.5,12\n".write(
            to: file, atomically: true, encoding: .utf8)
        let db = dir.appendingPathComponent("t.db").path
        let r = try attrib(["ingest", "--db", db, file.path])
        #expect(r.stderr.contains("\(file.path): a table export whose columns no mapping reads"))
        let mapping = dir.appendingPathComponent("gw.json")
        try """
        {"format": 1, "record": "requestId", "fields": {"requestId": [["rid"]], "userId": [["who"]],
         "modelId": [["llm"]], "inputTokens": [["tokens_in"]]}}
        """.write(to: mapping, atomically: true, encoding: .utf8)
        let forced = try attrib(["ingest", "--db", db, "--mapping", mapping.path, file.path])
        #expect(forced.status == 0, "\(forced.stderr)")
        let report = try attrib(["report", "--db", db, "--by", "user,model", "--format", "csv"])
        #expect(report.stdout.contains("erin,moonshotai.kimi-k2.5,1,12,"))
    }

    @Test("Time columns: ClickHouse DateTime64 (microseconds, UTC) and PostgreSQL timestamptz (+00)")
    func times() {
        func ms(_ s: String) -> Int64? {
            Array(s.utf8).withUnsafeBufferPointer { parseISOTimestamp($0.baseAddress!, 0, $0.count) }
        }
        #expect(ms("2026-03-01 10:00:00.123456") == 1_772_359_200_123)
        #expect(ms("2026-03-01 12:00:00.25+00") == 1_772_366_400_250)
        #expect(ms("2026-03-01 12:00:00+02") == 1_772_359_200_000)
        #expect(ms("2026-03-01 12:00:00+2") == nil)
    }

    @Test("A mapping's record must name a text field with paths: one line naming file and key")
    func badRecordKey() throws {
        #expect(throws: MappingError.self) {
            try MappingLoader.decode(
                #"{"format": 1, "record": "inputTokens", "fields": {"inputTokens": [["n"]]}}"#, file: "gw.json")
        }
        do {
            _ = try MappingLoader.decode(
                #"{"format": 1, "record": "requestId", "fields": {"userId": [["u"]]}}"#, file: "gw.json")
            Issue.record("accepted a record field without paths")
        } catch {
            #expect("\(error)".contains("gw.json:1:"))
            #expect("\(error)".contains("record: the field has no paths in fields"))
        }
    }
}

@Suite("A generated corpus's table exports")
struct GeneratedTableExportTests {
    @Test(
        "budgateway as CSVWithNames, TSVWithNames and JSONEachRow, mizan as psql CSV and sqlite3 -json, overlapping: no flag, no reject, each record once, requests and tokens equal the ground truth"
    )
    func generated() throws {
        let corpus = try generateGatewayCorpus(requests: 100, gateways: 90, seed: 5)
        let truth = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: corpus.appendingPathComponent("ground-truth.json")))
                as? [String: Any])
        let db = corpus.appendingPathComponent("t.db").path
        let gateways = corpus.appendingPathComponent("exports/gateways")
        let r = try attrib([
            "ingest", "--db", db, gateways.appendingPathComponent("budgateway").path,
            gateways.appendingPathComponent("mizan").path,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("mappings: budgateway 4, mizan 4"))
        #expect(r.stderr.contains("rejects: 0"))
        #expect(!r.stderr.contains("not recognized"))
        let report = try attrib(["report", "--db", db, "--by", "source", "--format", "json"])
        let rows = try jsonRows(report.stdout, keys: ["source"])
        let expected = try #require(truth["by_source_user_model"] as? [[String: Any]])
        for source in ["budgateway", "mizan"] {
            let mine = expected.filter { $0["source"] as? String == source }
            for column in ["requests", "input_tokens", "output_tokens", "cache_read_tokens"] {
                #expect(
                    int(rows[source]?[column]) == mine.reduce(0) { $0 + (int($1[column]) ?? 0) }, "\(source) \(column)")
            }
        }
    }
}

@Suite("The table export samples in Fixtures/tables")
struct TableFixtureTests {
    @Test(
        "One ingest of Fixtures/tables, no flag: CSVWithNames, TSVWithNames (zstd), JSONEachRow, psql CSV (gzip), sqlite3 -json; overlapping rows once (golden)"
    )
    func golden() throws {
        let db = temporaryDirectory().appendingPathComponent("fixtures.db").path
        let r = try attrib(["ingest", "--db", db, fixturesURL.appendingPathComponent("tables").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("mappings: budgateway 4, mizan 3"))
        #expect(r.stderr.contains("events: 15 (11 new, 4 duplicates)"))
        #expect(r.stderr.contains("rejects: 0"))
        let report = try attrib([
            "report", "--db", db, "--requests", "all", "--by", "source,user,modelId", "--sort", "source", "--format",
            "csv",
        ])
        #expect(report.status == 0)
        try compareGolden(report.stdout, "tables.csv")
    }
}
