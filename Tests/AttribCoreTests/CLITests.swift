// The attrib binary as a user runs it: exit codes, one-line errors, CSV when piped, a closed pipe.

import Foundation
import Testing

@Suite("The command line", .serialized)
struct CLITests {
    let sample = fixturesURL.appendingPathComponent("exports").path

    func ingestedStore() throws -> String {
        let db = temporaryDirectory().appendingPathComponent("cli.db").path
        // One thread: which copy of a duplicated event counts as new (per-file counts in `sources`)
        // depends on which file is read first; with one thread that order is fixed (largest first).
        let r = try attrib(["ingest", "--threads", "1", "--db", db, sample])
        #expect(r.status == 0)
        return db
    }

    @Test("Ingest then report: CSV when piped, with the summary on stderr")
    func ingestAndReport() throws {
        let db = temporaryDirectory().appendingPathComponent("a.db").path
        let r = try attrib(["ingest", "--db", db, sample])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("events: 196 (41 new, 155 duplicates)"))
        let report = try attrib(["report", "--db", db])
        #expect(report.status == 0)
        #expect(
            report.stdout.hasPrefix(
                "user_email,modelId,requests,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,total_tokens,cost_usd\n"
            ))
        #expect(
            report.stdout
                == (try String(contentsOf: fixturesURL.appendingPathComponent("golden/exports.csv"), encoding: .utf8)))
    }

    @Test("--quiet prints nothing on stderr but errors: no summary, no warning for a skipped file")
    func quiet() throws {
        let dir = temporaryDirectory()
        // The sample holds an S3 export's aws-logs-write-test object, which is not an export: a warning.
        let loud = try attrib(["ingest", "--db", dir.appendingPathComponent("loud.db").path, sample])
        #expect(loud.status == 0)
        #expect(loud.stderr.contains("aws-logs-write-test"))
        let quiet = try attrib(["ingest", "-q", "--db", dir.appendingPathComponent("quiet.db").path, sample])
        #expect(quiet.status == 0)
        #expect(quiet.stderr == "")
        let missing = try attrib(["ingest", "-q", "--db", dir.appendingPathComponent("quiet.db").path, "/nonexistent"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/nonexistent"))
    }

    @Test("ATTRIB_DB chooses the store; stdin is read with -")
    func envAndStdin() throws {
        let db = temporaryDirectory().appendingPathComponent("env.db").path
        let data = try Data(contentsOf: fixturesURL.appendingPathComponent("exports/container/logs.jsonl"))
        let r = try attrib(["ingest", "-"], stdin: data, env: ["ATTRIB_DB": db])
        #expect(r.status == 0)
        #expect(
            try attrib(["report", "--format", "json"], env: ["ATTRIB_DB": db]).stdout.contains("\"unpriced_models\""))
    }

    @Test("Exit codes: unknown dimension 64, bad date 64, unknown zone 64, bad --where 64")
    func usageErrors() throws {
        let db = try ingestedStore()
        for args in [
            ["--by", "colour"], ["--since", "last tuesday"], ["--tz", "Mars/Olympus"], ["--where", "flavour=x"],
            ["--sort", "nope"],
        ] {
            let r = try attrib(["report", "--db", db] + args)
            #expect(r.status == 64, "\(args)")
            #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    @Test("Exit codes: a missing path 66 (the rest still ingested), nothing readable 65, --strict 65")
    func dataErrors() throws {
        let db = temporaryDirectory().appendingPathComponent("e.db").path
        let missing = try attrib(["ingest", "--db", db, "/nonexistent/export.json", sample])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/nonexistent/export.json: no such file or directory"))
        #expect(missing.stderr.contains("41 new"))
        let junk = temporaryDirectory().appendingPathComponent("junk.txt")
        try "just some prose\nnothing to see\n".write(to: junk, atomically: true, encoding: .utf8)
        #expect(try attrib(["ingest", "--db", db, junk.path]).status == 65)
        let strict = try attrib([
            "ingest", "--db", temporaryDirectory().appendingPathComponent("s.db").path, "--strict",
            sample + "/container/logs.jsonl",
        ])
        #expect(strict.status == 65)
        let prices = temporaryDirectory().appendingPathComponent("p.csv")
        try "model,input_per_mtok,output_per_mtok\nx,abc,1\n".write(to: prices, atomically: true, encoding: .utf8)
        let bad = try attrib(["report", "--db", db, "--prices", prices.path])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("line 2"))
    }

    @Test("A report piped into a closed pipe stops quietly")
    func closedPipe() throws {
        let db = try ingestedStore()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = [
            "-c",
            "'\(attribBinary.path)' report --db '\(db)' --by user_email,modelId,day --format table | head -1; exit ${PIPESTATUS:-0}",
        ]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        p.waitUntilExit()
        let e = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(p.terminationStatus == 0)
        #expect(!e.contains("Fatal") && !e.contains("error"))
    }

    @Test("NO_COLOR and pipes: no escape codes")
    func noColor() throws {
        let db = try ingestedStore()
        let r = try attrib(["report", "--db", db, "--format", "table"], env: ["NO_COLOR": "1"])
        #expect(!r.stdout.contains("\u{1B}["))
        #expect(r.stdout.contains("(none)"))
        #expect(r.stdout.contains("total"))
    }

    @Test("Every command has a golden output on the sample in table, CSV and JSON")
    func commandGoldens() throws {
        let db = temporaryDirectory().appendingPathComponent("g.db").path
        #expect(
            try attrib(["ingest", "--threads", "1", "--db", db, "Fixtures/exports"], in: repositoryURL).status == 0)
        let commands: [(String, [String])] = [
            ("report-user-day", ["report", "--by", "user,day,route"]),
            (
                "report-filtered",
                [
                    "report", "--by", "model", "--where", "route=mantle", "--where", "user_email~*@example.com",
                    "--sort", "requests",
                ]
            ),
            (
                "report-hour-berlin",
                [
                    "report", "--by", "hour", "--tz", "Europe/Berlin", "--since", "2026-03-03T09:55:00Z", "--until",
                    "2026-03-04",
                ]
            ),
            ("mantle", ["mantle"]),
            ("mantle-kimi-email", ["mantle", "--by", "user_email", "--model", "*kimi*"]),
            ("gaps", ["gaps"]),
            ("sources", ["sources"]),
            (
                "prices",
                [
                    "prices", "moonshotai.kimi-k2.5", "moonshot.kimi-k2.5", "openai.gpt-oss-120b",
                    "acme.unpriced-model-v1",
                    "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-haiku-4-5-20251001-v1:0",
                ]
            ),
            (
                "sql",
                [
                    "sql",
                    "SELECT route, count(*) AS requests, sum(total_tokens) AS tokens FROM requests GROUP BY route ORDER BY route",
                ]
            ),
        ]
        for (name, args) in commands {
            for format in ["table", "csv", "json"] {
                let r = try attrib(
                    args
                        + ["--db", db, "--format", format].filter {
                            !(args[0] == "prices" && ($0 == "--db" || $0 == db))
                        },
                    env: ["NO_COLOR": "1"], in: repositoryURL)
                #expect(r.status == 0, "\(name) \(format): \(r.stderr)")
                try compareGolden(r.stdout, "commands/\(name).\(format == "table" ? "txt" : format)")
            }
        }
        for format in ["table", "csv", "json"] {
            let show = try attrib(
                ["show", "--db", db, "0b9f3c1e-0007-4a00-8000-000000000007", "--format", format],
                env: ["NO_COLOR": "1"], in: repositoryURL)
            #expect(show.status == 0)
            try compareGolden(show.stdout, "commands/show.\(format == "table" ? "txt" : format)")
        }
    }

    @Test("Every command answers --help with examples")
    func help() throws {
        for command in ["ingest", "report", "mantle", "gaps", "show", "sources", "prices", "sql"] {
            let r = try attrib([command, "--help"])
            #expect(r.status == 0, "\(command)")
            #expect(r.stdout.contains("EXAMPLE"), "\(command) --help shows examples")
        }
        #expect(try attrib(["--version"]).stdout == "0.1.0\n")
    }
}
