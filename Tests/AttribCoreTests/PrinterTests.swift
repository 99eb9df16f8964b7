// The printers over small hand-made documents, one suite per format rule; and flags checked before the store opens.

import Foundation
import Testing

@testable import AttribCore

/// A one-table document with the awkward cases: an absent identity, an absent cost, text that needs quoting.
private let usageDocument = Document(
    Table(
        columns: [
            Column("user_email", .identity), Column("model", .dimension), Column("requests", .count),
            Column("cost_usd", .cost),
        ],
        rows: [
            [.text(nil), .text("kimi, \"k2\""), .int(1234), .number(1.5)],
            [.text("zoë@example.com"), .text("a|b\nc"), .int(5), .number(nil)],
        ],
        totals: [.text(nil), .text(nil), .int(1239), .number(1.5)]),
    extras: [("prices", .string("bundled"))])

/// Prices per million tokens: a decimal column, one price absent.
private let pricesDocument = Document(
    Table(
        columns: [
            Column("model", .dimension), Column("input_per_mtok", .decimal(places: 4)),
            Column("output_per_mtok", .decimal(places: 4)),
        ],
        rows: [
            [.text("kimi"), .number(0.6000000000000001), .number(3)], [.text("acme"), .number(1234.5), .number(nil)],
        ]))

@Suite("CSV and TSV print plain values for programs")
struct DelimitedPrinterTests {
    @Test("CSV quotes commas, quotes and line breaks, leaves absent values empty, and has no totals row")
    func csvQuoting() {
        #expect(
            render(usageDocument, format: .csv) == #"""
                user_email,model,requests,cost_usd
                ,"kimi, ""k2""",1234,1.500000
                zoë@example.com,"a|b
                c",5,

                """#)
    }

    @Test("TSV cannot quote: tabs and line breaks inside a value become spaces")
    func tsvFlattens() {
        let doc = Document(
            Table(columns: [Column("a", .dimension), Column("b", .dimension)], rows: [[.text("x\ty"), .text("1\n2")]]))
        #expect(render(doc, format: .tsv) == "a\tb\nx y\t1 2\n")
    }

    @Test("A decimal column keeps its places: 0.6000, not 0.600000")
    func decimalPlaces() {
        #expect(
            render(pricesDocument, format: .csv)
                == "model,input_per_mtok,output_per_mtok\nkimi,0.6000,3.0000\nacme,1234.5000,\n")
    }
}

@Suite("JSON has typed numbers and null")
struct JSONPrinterTests {
    @Test("A decimal column is a JSON number, an absent one null")
    func typedNumbers() {
        #expect(
            render(pricesDocument, format: .json) == """
                {
                  "rows": [
                    {
                      "model": "kimi",
                      "input_per_mtok": 0.6,
                      "output_per_mtok": 3
                    },
                    {
                      "model": "acme",
                      "input_per_mtok": 1234.5,
                      "output_per_mtok": null
                    }
                  ]
                }

                """)
    }

    @Test("Absent identity and cost are null; totals leave out the dimensions; extras come last")
    func nullsAndTotals() {
        #expect(
            render(usageDocument, format: .json) == #"""
                {
                  "rows": [
                    {
                      "user_email": null,
                      "model": "kimi, \"k2\"",
                      "requests": 1234,
                      "cost_usd": 1.5
                    },
                    {
                      "user_email": "zoë@example.com",
                      "model": "a|b\nc",
                      "requests": 5,
                      "cost_usd": null
                    }
                  ],
                  "totals": {
                    "requests": 1239,
                    "cost_usd": 1.5
                  },
                  "prices": "bundled"
                }

                """#)
    }

    @Test("JSON lines: one compact object per row, no totals")
    func jsonLines() {
        #expect(
            render(pricesDocument, format: .jsonl) == """
                {"model":"kimi","input_per_mtok":0.6,"output_per_mtok":3}
                {"model":"acme","input_per_mtok":1234.5,"output_per_mtok":null}

                """)
    }
}

@Suite("The table is for people")
struct TablePrinterTests {
    @Test("Numbers are right-aligned with separators, absent identity is (none), absent cost is unpriced, totals last")
    func alignment() {
        let doc = Document(
            Table(
                columns: [Column("user_email", .identity), Column("requests", .count), Column("cost_usd", .cost)],
                rows: [[.text(nil), .int(1234), .number(1.5)], [.text("a@b"), .int(5), .number(nil)]],
                totals: [.text(nil), .int(1239), .number(1234.5)]))
        #expect(
            render(doc, format: .table) == """
                user_email  requests   cost_usd
                ──────────  ────────  ─────────
                (none)         1,234      $1.50
                a@b                5   unpriced
                ──────────  ────────  ─────────
                total          1,239  $1,234.50

                """)
    }

    @Test("A decimal column shows its places; no rows says so; wide characters take two cells")
    func decimalsAndWidth() {
        #expect(
            render(pricesDocument, format: .table) == """
                model  input_per_mtok  output_per_mtok
                ─────  ──────────────  ───────────────
                kimi           0.6000           3.0000
                acme       1,234.5000

                """)
        let empty = Document(Table(columns: [Column("model", .dimension)], rows: []))
        #expect(render(empty, format: .table) == "model\n─────\n(no rows)\n")
        let wide = Document(
            Table(columns: [Column("名前", .dimension), Column("n", .count)], rows: [[.text("日本"), .int(1)]]))
        #expect(render(wide, format: .table) == "名前  n\n────  ─\n日本  1\n")
    }

    @Test("ANSI bold and dim only when asked")
    func color() {
        #expect(!render(usageDocument, format: .table).contains("\u{1B}["))
        #expect(
            render(usageDocument, format: .table, options: RenderOptions(color: true)).contains("\u{1B}[1muser_email"))
    }
}

@Suite("Markdown tables survive any cell")
struct MarkdownPrinterTests {
    @Test("A pipe is escaped, a line break becomes a space, numbers align right, totals are bold")
    func escaping() {
        #expect(
            render(usageDocument, format: .markdown) == """
                | user_email | model | requests | cost_usd |
                | --- | --- | ---: | ---: |
                | (none) | kimi, "k2" | 1,234 | $1.50 |
                | zoë@example.com | a\\|b c | 5 | unpriced |
                | **Total** |  | 1,239 | $1.50 |

                """)
    }
}

@Suite("One document, several sections: each format shows its own")
struct SectionTests {
    /// Like `gaps`: totals as fields (not in CSV), a table for every format, a table only for people and JSON.
    let doc = Document(sections: [
        Section(
            title: "totals",
            .fields(
                [
                    Field("requests", .int(1200), .count), Field("cost_usd", .number(nil), .cost),
                    Field("cutover", .text(nil), .dimension),
                ], nameHeader: "total", valueHeader: "value"),
            json: .topLevel, formats: [.table, .markdown, .json]),
        Section(
            title: "by day",
            .table(
                Table(
                    columns: [Column("day", .dimension), Column("requests", .count)],
                    rows: [[.text("2026-03-03"), .int(1200)]])), json: .array("by_day")),
        Section(.text(["a raw line"]), formats: [.table, .csv]),
        Section(
            .table(Table(columns: [Column("request_id", .dimension)], rows: [])), json: .record("request"),
            formats: [.table, .json]),
    ])

    @Test("The table shows the fields as name/value rows ((none) when absent) and separates sections by a blank line")
    func table() {
        #expect(
            render(doc, format: .table) == """
                totals
                total     value
                ────────  ────────
                requests  1,200
                cost_usd  unpriced
                cutover   (none)

                by day
                day         requests
                ──────────  ────────
                2026-03-03     1,200

                a raw line

                request_id
                ──────────
                (no rows)

                """)
    }

    @Test("CSV prints only its sections, text as it is")
    func csv() {
        #expect(render(doc, format: .csv) == "day,requests\n2026-03-03,1200\n\na raw line\n")
    }

    @Test("JSON: fields at the top level, a table as an array, a record as an object or null, no text")
    func json() {
        #expect(
            render(doc, format: .json) == """
                {
                  "requests": 1200,
                  "cost_usd": null,
                  "cutover": null,
                  "by_day": [
                    {
                      "day": "2026-03-03",
                      "requests": 1200
                    }
                  ],
                  "request": null
                }

                """)
    }
}

@Suite("Bad flags fail before the store is opened", .serialized)
struct ValidateTests {
    @Test(
        "A bad flag exits 64 with one line, and a store that does not exist yet is not created",
        arguments: [
            (["ingest", "--threads", "0"], "--threads must be at least 1"),
            (["ingest", "--batch-size", "0"], "--batch-size must be at least 1"),
            (["report", "--top", "0"], "--top must be at least 1"),
            (["report", "--by", "colour"], "unknown dimension 'colour'"),
            (["report", "--where", "flavour=x"], "flavour"),
            (["mantle", "--tz", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
            (["gaps", "--since", "last tuesday"], "last tuesday"),
        ])
    func failsBeforeOpening(_ args: [String], _ message: String) throws {
        let db = temporaryDirectory().appendingPathComponent("never.db")
        let inputs = args[0] == "ingest" ? [fixturesURL.appendingPathComponent("exports").path] : []
        let r = try attrib(args + ["--db", db.path] + inputs)
        #expect(r.status == 64)
        #expect(r.stderr.hasPrefix("attrib: ") && r.stderr.contains(message), "\(r.stderr)")
        #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: db.path), "the store file was created")
    }
}

@Suite("Shares for people")
struct ShareTextTests {
    @Test("A share is never rounded to all or none it is not: >99.9%, <0.1%; otherwise one decimal")
    func extremes() {
        #expect(shareText(0.9996) == ">99.9%")
        #expect(shareText(1 - 1e-12) == ">99.9%")
        #expect(shareText(1) == "100.0%")
        #expect(shareText(1.2) == "120.0%")
        #expect(shareText(0.99949) == "99.9%")
        #expect(shareText(0.0004) == "<0.1%")
        #expect(shareText(0) == "0.0%")
        #expect(shareText(0.0005) == "0.1%")
        #expect(shareText(0.4567) == "45.7%")
        #expect(humanCell(.number(0.99999), .share) == ">99.9%")
    }
}
