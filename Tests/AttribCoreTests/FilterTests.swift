// --where (SPEC §4): DIM=VALUE, DIM!=VALUE, DIM~GLOB; an absent value matches `DIM=` (empty) and never a glob.

import Testing

@testable import AttribCore

@Suite("A --where filter is parsed and matched as written")
struct FilterTests {
    @Test(
        "Each operator is read with its field and value",
        arguments: [
            ("route=mantle", ReportDimension.route, Filter.Op.equal, "mantle"),
            ("route!=mantle", .route, .notEqual, "mantle"),
            ("user_email~*@example.com", .userEmail, .glob, "*@example.com"),
            ("modelId~*kimi*", .modelId, .glob, "*kimi*"),
            ("status=200", .status, .equal, "200"),
            ("user_email=", .userEmail, .equal, ""),
            ("user_email!=", .userEmail, .notEqual, ""),
        ])
    func parse(text: String, dimension: ReportDimension, op: Filter.Op, value: String) throws {
        #expect(try Filter.parse(text) == Filter(dimension: dimension, op: op, value: value))
    }

    @Test("`!=` is not read as `=` on a field named `route!`")
    func notEqualIsNotEqual() throws {
        let f = try Filter.parse("route!=bedrock")
        #expect(f.op == .notEqual)
        #expect(f.dimension == .route)
        #expect(f.value == "bedrock")
    }

    @Test("Spaces around the field name are ignored")
    func spacedField() throws {
        #expect(try Filter.parse(" route =mantle") == Filter(dimension: .route, op: .equal, value: "mantle"))
    }

    @Test("The value keeps everything after the operator, including other operator characters")
    func valueWithOperators() throws {
        #expect(try Filter.parse("user_agent=a~b") == Filter(dimension: .userAgent, op: .equal, value: "a~b"))
        #expect(try Filter.parse("path=/v1/x=1") == Filter(dimension: .path, op: .equal, value: "/v1/x=1"))
    }

    // The first operator in the text splits it (operators used to be tried in a fixed order over the whole
    // text, so a glob whose pattern held `=` was read as an equality on an unknown field).
    @Test("A glob whose pattern holds `=` is still a glob")
    func globWithEquals() {
        let f = try? Filter.parse("path~*beta=true*")
        #expect(f == Filter(dimension: .path, op: .glob, value: "*beta=true*"))
    }

    @Test("An unknown field is a usage error that names it")
    func unknownField() {
        let error = #expect(throws: ReportError.self) { try Filter.parse("colour=red") }
        guard case .usage(let message)? = error else {
            Issue.record("expected a usage error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("'colour'"))
        #expect(message.contains("user_email"), "the known fields are listed")
    }

    @Test(
        "Text without an operator is a usage error that shows the three forms",
        arguments: ["route", "", "route:mantle"])
    func missingOperator(text: String) {
        let error = #expect(throws: ReportError.self) { try Filter.parse(text) }
        guard case .usage(let message)? = error else {
            Issue.record("expected a usage error, got \(String(describing: error))")
            return
        }
        #expect(message.contains("FIELD=VALUE") && message.contains("FIELD!=VALUE") && message.contains("FIELD~GLOB"))
    }

    @Test("`=` matches the exact value, case included")
    func equal() throws {
        let f = try Filter.parse("route=mantle")
        #expect(f.matches("mantle"))
        #expect(!f.matches("Mantle"))
        #expect(!f.matches("mantle2"))
        #expect(!f.matches(""))
        #expect(!f.matches(nil))
    }

    @Test("An absent value matches `FIELD=` (empty), and `FIELD!=` is every present value")
    func absentIsEmpty() throws {
        let empty = try Filter.parse("user_email=")
        #expect(empty.matches(nil))
        #expect(empty.matches(""))
        #expect(!empty.matches("ana@example.com"))
        let present = try Filter.parse("user_email!=")
        #expect(!present.matches(nil))
        #expect(!present.matches(""))
        #expect(present.matches("ana@example.com"))
    }

    @Test("`!=` matches everything else, an absent value included")
    func notEqual() throws {
        let f = try Filter.parse("route!=mantle")
        #expect(!f.matches("mantle"))
        #expect(f.matches("bedrock"))
        #expect(f.matches(nil))
    }

    @Test("`~` is a shell glob over the whole value")
    func glob() throws {
        let email = try Filter.parse("user_email~*@example.com")
        #expect(email.matches("ana@example.com"))
        #expect(!email.matches("ana@example.com.evil"))
        #expect(!email.matches("ana@example.org"))
        let kimi = try Filter.parse("modelId~*kimi*")
        #expect(kimi.matches("moonshotai.kimi-k2.5"))
        #expect(!kimi.matches("us.anthropic.claude-sonnet-4-5-20250929-v1:0"))
        let one = try Filter.parse("status~2?0")
        #expect(one.matches("200") && one.matches("210"))
        #expect(!one.matches("20"))
        let set = try Filter.parse("route~[bm]*")
        #expect(set.matches("bedrock") && set.matches("mantle"))
        #expect(!set.matches("other"))
    }

    @Test("An absent value never matches a glob, not even `*`")
    func absentNeverGlob() throws {
        let any = try Filter.parse("user_email~*")
        #expect(!any.matches(nil))
        #expect(any.matches("ana@example.com"))
    }
}
