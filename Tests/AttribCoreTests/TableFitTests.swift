// A table wider than the terminal is fitted into it: shorter headers, long values shortened in the middle
// (an ARN keeps its model), then the least needed columns left out with a note. Without a width (a pipe,
// a file) nothing changes.

import Testing

@testable import AttribCore

@Suite("The table fits the terminal's width")
struct TableFitTests {
    static let arn =
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"

    /// A report by user and model: twelve columns' worth of width, one ARN model id.
    func document() -> Document {
        let columns = [
            Column("user", .identity), Column("modelId", .dimension), Column("requests", .count),
            Column("input_tokens", .count), Column("output_tokens", .count), Column("cache_read_tokens", .count),
            Column("cache_write_tokens", .count), Column("total_tokens", .count), Column("cost_usd", .cost),
        ]
        let rows: [[Cell]] = [
            [
                .text("someone.with.a.long.name@example.com"), .text(Self.arn), .int(50_388), .int(488_473_689),
                .int(97_681_166), .int(1_232_205_877), .int(146_158_085), .int(1_964_518_817), .number(4233.23),
            ],
            [
                .text(nil), .text("moonshotai.kimi-k2.5"), .int(83_307), .int(8_550_390_080), .int(322_241_883),
                .int(1_505_278_245), .int(0), .int(10_377_910_208), .number(7000.13),
            ],
        ]
        let totals: [Cell] = [
            .text(nil), .text(nil), .int(133_695), .int(9_038_863_769), .int(419_923_049), .int(2_737_484_122),
            .int(146_158_085), .int(12_342_429_025), .number(11233.36),
        ]
        return Document(Table(columns: columns, rows: rows, totals: totals))
    }

    func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    @Test("Without a width, or when it fits, the table is as before")
    func unlimited() {
        let plain = render(document(), format: .table)
        #expect(render(document(), format: .table, options: RenderOptions(width: 1000)) == plain)
        #expect(plain.contains(Self.arn))
        #expect(lines(plain).map(displayWidth).max()! > 160)
    }

    @Test("At 160 columns: every line fits, headers are shorter, the ARN keeps its model part")
    func width160() {
        let text = render(document(), format: .table, options: RenderOptions(width: 160))
        for line in lines(text) { #expect(displayWidth(line) <= 160, "\(displayWidth(line)): \(line)") }
        #expect(text.contains("/us.anthropic.claude-sonnet-4-5-20250929-v1:0"))
        #expect(text.contains("arn…/us.anthropic"))
        #expect(text.contains("…"))
        #expect(lines(text)[0].contains("cache_read "))
        #expect(!text.contains("not shown"))
        #expect(text.contains("12,342,429,025"))
    }

    @Test("At 80 columns: columns are left out, named in a note; requests, total and cost stay")
    func width80() {
        let text = render(document(), format: .table, options: RenderOptions(width: 80))
        for line in lines(text) { #expect(displayWidth(line) <= 80, "\(displayWidth(line)): \(line)") }
        let header = lines(text)[0]
        for kept in ["user", "modelId", "requests", "total", "cost"] { #expect(header.contains(kept), "\(header)") }
        #expect(text.contains("not shown, to fit the terminal: cache_write_tokens"), "\(text)")
        #expect(text.contains("--format csv shows every column"))
    }

    @Test("A column of bars (report --bars) is never cut in the middle; it is the first to go")
    func bars() {
        var doc = document()
        guard case .table(var table) = doc.sections[0].content else { return }
        table.columns.append(Column("share_of_cost", .dimension))
        table.rows[0].append(.text(String(repeating: "█", count: 7) + "▍"))
        table.rows[1].append(.text(String(repeating: "█", count: 12) + "▋"))
        table.totals?.append(.text(nil))
        doc.sections[0].content = .table(table)
        let wide = render(doc, format: .table, options: RenderOptions(width: 178))
        for line in lines(wide) { #expect(displayWidth(line) <= 178, "\(displayWidth(line)): \(line)") }
        #expect(wide.contains(String(repeating: "█", count: 12) + "▋"))
        let narrow = render(doc, format: .table, options: RenderOptions(width: 160))
        #expect(!narrow.contains("█"))
        #expect(narrow.contains("not shown, to fit the terminal: share_of_cost"))
    }

    @Test("CSV is never fitted")
    func csv() {
        #expect(
            render(document(), format: .csv, options: RenderOptions(width: 40)) == render(document(), format: .csv))
    }

    @Test("Shortening in the middle")
    func shorten() {
        #expect(TableFit.shorten("abcdefghij", to: 10) == "abcdefghij")
        #expect(TableFit.shorten("abcdefghijkl", to: 7) == "abc…jkl")
        #expect(TableFit.shorten(Self.arn, to: 50) == "arn:…/us.anthropic.claude-sonnet-4-5-20250929-v1:0")
        #expect(TableFit.shorten(Self.arn, to: 50).hasSuffix("/us.anthropic.claude-sonnet-4-5-20250929-v1:0"))
        #expect(TableFit.shorten(Self.arn, to: 50).hasPrefix("arn"))
    }
}
