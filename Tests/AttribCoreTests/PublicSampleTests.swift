// Exports nobody on this project wrote (Fixtures/public, sources in its SOURCES.md): what attrib makes of
// them, one test per defect of issue 17.

import Foundation
import Testing

@testable import AttribCore

@Suite("Public samples of other people's exports", .serialized)
struct PublicSampleTests {
    let samples = fixturesURL.appendingPathComponent("public")

    func sample(_ name: String) -> String { samples.appendingPathComponent(name).path }

    func freshStore() -> String { temporaryDirectory().appendingPathComponent("public.db").path }

    /// The rows of a one-column `attrib sql` query, as text.
    func column(_ db: String, _ query: String) throws -> [String] {
        let r = try attrib(["sql", "--db", db, "--format", "csv", query])
        #expect(r.status == 0, "\(r.stderr)")
        return Array(
            r.stdout.split(separator: "\n", omittingEmptySubsequences: false).dropFirst().map(String.init).dropLast())
    }

    @Test("A valid export with no events is a success: a Firehose health check, an empty filter-log-events page")
    func emptyExportsSucceed() throws {
        for name in ["firehose-only-control", "filter-log-events-empty-page.json"] {
            let r = try attrib(["ingest", "--db", freshStore(), sample(name)])
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(!r.stderr.contains("nothing readable"), "\(name)")
            #expect(r.stderr.contains("rejects: 0"), "\(name)")
        }
        // Both at once, and with a file that is not an export: still a success, the other file is skipped.
        let junk = temporaryDirectory().appendingPathComponent("notes.txt")
        try "just some prose\nnothing to see\n".write(to: junk, atomically: true, encoding: .utf8)
        let both = try attrib([
            "ingest", "--db", freshStore(), sample("firehose-only-control"),
            sample("filter-log-events-empty-page.json"), junk.path,
        ])
        #expect(both.status == 0, "\(both.stderr)")
        // Nothing recognised is still exit 65.
        #expect(try attrib(["ingest", "--db", freshStore(), junk.path]).status == 65)
    }

    @Test("In a Firehose file, a line that is not a subscription record is a reject with its position")
    func foreignLinesInFirehoseAreRejects() throws {
        for name in ["firehose-some-invalid-records", "firehose-plain-text-line"] {
            let text = try String(contentsOfFile: sample(name), encoding: .utf8)
            let sink = try read(text)
            #expect(
                sink.events.map(\.message) == [
                    "Hello world, here is our first log message!", "Hello world, here is our second log message!",
                ], "\(name)")
            #expect(sink.events.allSatisfy { $0.timestamp != nil }, "\(name)")
            #expect(sink.rejects.count == 1, "\(name)")
            let secondLine = Int64(Array(text.utf8).firstIndex(of: 0x0A)!) + 1
            #expect(sink.rejects.first?.0.byte == secondLine, "\(name)")
            #expect(sink.rejects.first?.1 == "not a CloudWatch export document", "\(name)")

            let r = try attrib(["ingest", "--db", freshStore(), sample(name)])
            #expect(r.stderr.contains("events: 2 (2 new, 0 duplicates)"), "\(name): \(r.stderr)")
            #expect(
                r.stderr.contains("\(sample(name)): byte \(secondLine): not a CloudWatch export document"),
                "\(name): \(r.stderr)")
        }
        // A foreign line before the first record is caught too (the file is known as an envelope file from its start).
        let lines = try String(contentsOfFile: sample("firehose-some-invalid-records"), encoding: .utf8).split(
            separator: "\n")
        let sink = try read([lines[1], lines[0], lines[2]].joined(separator: "\n"))
        #expect(sink.events.count == 2)
        #expect(sink.rejects.map(\.1) == ["not a CloudWatch export document"])
        #expect(sink.rejects.first?.0.line == 1)
    }

    @Test(
        "A malformed Insights CSV row is never cut short: read whole when unambiguous (with a warning), else a reject naming its line"
    )
    func insightsCSVRowsAreWholeOrRejected() throws {
        let path = sample("insights-console-unescaped.csv")
        let sink = try read(try String(contentsOfFile: path, encoding: .utf8))
        let audit =
            #"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"test","stage":"ResponseComplete","requestURI":"/api","verb":"get","user":{"username":"test"},"sourceIPs":["127.0.0.1"],"objectRef":{"resource":"pods","namespace":"default","name":"test"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2023-01-01T00:00:00.000000Z","stageTimestamp":"2023-01-01T00:00:01.000000Z"}"#
        #expect(
            sink.events.map(\.message) == [
                audit,
                "END RequestId: 69594c41-8463-4f69-b9b4-ff6c49813475\n",
                "Hello world, here is our first log message!",
                "Hello world, here is our second log message!",
            ])
        #expect(sink.rejects.count == 1)
        #expect(sink.rejects.first?.0.line == 6)

        let r = try attrib(["ingest", "--db", freshStore(), path])
        #expect(r.stderr.contains("\(path): line 6: CSV row is not RFC 4180"), "\(r.stderr)")
        #expect(r.stderr.contains("\(path): 2 rows not quoted as RFC 4180"), "\(r.stderr)")
        #expect(r.stderr.contains("events: 4 (4 new, 0 duplicates)"), "\(r.stderr)")
    }

    @Test("An S3 export's log stream is the whole path between the task folder and 000000.gz, or none")
    func s3ExportStreamNames() throws {
        let lambda = "2019/06/19/[$LATEST]c3ad5cef73594c73806b88d5d3939a98"
        let task = "exportedlogs/cda45419-90ea-4db5-9833-aade86253e66"
        #expect(s3StreamName("/data/\(task)/\(lambda)/000000.gz") == lambda)
        #expect(s3StreamName("/data/\(task)/\(lambda)/000001.gz") == lambda)
        // An ECS stream whose task id is itself a UUID (the older ECS task ids).
        let ecs = "ecs/router/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
        #expect(s3StreamName("/data/\(task)/\(ecs)/000000.gz") == ecs)
        // Outside the layout: no stream, not the folder's name.
        #expect(s3StreamName("/data/samples/\(lambda)/000000.gz") == nil)
        #expect(s3StreamName("/data/\(task)/000000.gz") == nil)
        #expect(s3StreamName("/data/\(task)/\(lambda)/export.log") == nil)

        // Through the command line: the sample where it is, copied outside the layout, and named relatively.
        let file = sample("lambda/s3-export/\(task)/\(lambda)/000000.gz")
        let db = freshStore()
        #expect(try attrib(["ingest", "--db", db, file]).status == 0)
        #expect(
            try column(
                db,
                "SELECT DISTINCT d.value FROM block b, json_each(b.lines) j JOIN dict d ON d.id = json_extract(j.value, '$[5]')"
            ) == [lambda])

        let elsewhere = temporaryDirectory().appendingPathComponent("samples/\(lambda)")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: elsewhere.appendingPathComponent("000000.gz").path)
        let db2 = freshStore()
        #expect(try attrib(["ingest", "--db", db2, elsewhere.appendingPathComponent("000000.gz").path]).status == 0)
        #expect(
            try column(
                db2, "SELECT count(*) FROM block b, json_each(b.lines) j WHERE json_extract(j.value, '$[5]') != 0") == [
                    "0"
                ])

        let db3 = freshStore()
        let folder = samples.appendingPathComponent("lambda/s3-export/\(task)/2019/06")
        #expect(
            try attrib(["ingest", "--db", db3, "19/[$LATEST]c3ad5cef73594c73806b88d5d3939a98/000000.gz"], in: folder)
                .status == 0)
        #expect(
            try column(
                db3,
                "SELECT DISTINCT d.value FROM block b, json_each(b.lines) j JOIN dict d ON d.id = json_extract(j.value, '$[5]')"
            ) == [lambda])
    }

    @Test(
        "Line ends at the end of a message are removed, documented, and the same event still counts once across shapes")
    func trailingLineEnds() throws {
        let db = freshStore()
        let r = try attrib(["ingest", "--db", db, sample("lambda/filter-log-events.json"), sample("lambda/s3-export")])
        #expect(r.status == 0)
        #expect(r.stderr.contains("events: 8 (4 new, 4 duplicates)"), "\(r.stderr)")
        // The readers hand the messages over verbatim; the store keeps them without the final line end.
        let sink = try read(try String(contentsOfFile: sample("lambda/filter-log-events.json"), encoding: .utf8))
        #expect(sink.events.allSatisfy { $0.message.hasSuffix("\n") })

        // Said where a user looks: `ingest --help` (and so the man page) and the README.
        func says(_ text: String) -> Bool {
            let flat = text.replacingOccurrences(of: "`", with: "").lowercased().split(whereSeparator: {
                $0 == " " || $0 == "\n"
            }).joined(separator: " ")
            return flat.contains("line ends (\\n, \\r\\n) at the end of a message are removed")
        }
        let help = try attrib(["ingest", "--help"])
        let helpSays = says(help.stdout)
        #expect(helpSays)
        let readmeSays = says(
            try String(contentsOf: repositoryURL.appendingPathComponent("README.md"), encoding: .utf8))
        #expect(readmeSays)
    }
}
