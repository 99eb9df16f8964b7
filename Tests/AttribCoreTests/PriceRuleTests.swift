// Price lookup (SPEC §3 "Prices"): exact key; the id inside an ARN; without its geo prefix; provider forms;
// known aliases. Each rule resolves its form and says which rule matched; an unknown model has no price.
// Cost = input × input price + output × output price + cache read × cache-read price + cache write × cache-write
// price, with cache prices defaulting to the input price.

import Foundation
import Testing

@testable import AttribCore

/// A small hand-built table, so the rules are tested apart from the bundled snapshot.
/// Each key has its own input price, so a match to the wrong key shows.
private let table = PriceTable(
    source: "test",
    entries: [
        "anthropic.claude-x-v1:0": ModelPrice(input: 1, output: 10),
        "bedrock/meta.llama-x": ModelPrice(input: 2, output: 20),
        "bedrock_mantle/openai.gpt-x": ModelPrice(input: 3, output: 30),
        "bedrock/us-east-1/mistral.x": ModelPrice(input: 4, output: 40),
        "bedrock/eu-west-1/mistral.x": ModelPrice(input: 5, output: 50),
        "bedrock/eu-west-1/cohere.y": ModelPrice(input: 6, output: 60),
        "moonshotai.kimi-k2.5": ModelPrice(input: 7, output: 70),
        "moonshot.kimi-k3-v1:0": ModelPrice(input: 8, output: 80),
        "bedrock_mantle/moonshotai.kimi-k2-thinking": ModelPrice(input: 9, output: 90),
    ])

@Suite("Each price rule resolves its form")
struct PriceRuleTests {
    private func expectMatch(
        _ logged: String, key: String, rule: PriceRule, in t: PriceTable = table,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let m = t.resolve(logged) else {
            Issue.record("\(logged) has no price; expected \(key) by \(rule.rawValue)", sourceLocation: sourceLocation)
            return
        }
        #expect(m.key == key, "\(logged)", sourceLocation: sourceLocation)
        #expect(m.rule == rule, "\(logged)", sourceLocation: sourceLocation)
        #expect(m.price == t.entries[key], "\(logged)", sourceLocation: sourceLocation)
    }

    @Test("A key in the table is an exact match")
    func exact() {
        expectMatch("anthropic.claude-x-v1:0", key: "anthropic.claude-x-v1:0", rule: .exact)
        expectMatch("bedrock/meta.llama-x", key: "bedrock/meta.llama-x", rule: .exact)
    }

    @Test("The exact key wins over every other rule")
    func exactFirst() {
        let t = PriceTable(
            source: "test",
            entries: [
                "us.anthropic.claude-x-v1:0": ModelPrice(input: 1, output: 1),
                "anthropic.claude-x-v1:0": ModelPrice(input: 2, output: 2),
                "bedrock/anthropic.claude-x-v1:0": ModelPrice(input: 3, output: 3),
            ])
        expectMatch("us.anthropic.claude-x-v1:0", key: "us.anthropic.claude-x-v1:0", rule: .exact, in: t)
        expectMatch("anthropic.claude-x-v1:0", key: "anthropic.claude-x-v1:0", rule: .exact, in: t)
    }

    @Test(
        "The id inside an inference-profile or foundation-model ARN",
        arguments: [
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-x-v1:0",
            "arn:aws:bedrock:eu-central-1:123456789012:inference-profile/eu.anthropic.claude-x-v1:0",
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-x-v1:0",
        ])
    func arn(logged: String) {
        expectMatch(logged, key: "anthropic.claude-x-v1:0", rule: .arn)
    }

    @Test("An ARN's geo-prefixed id is used as it is when the table has it")
    func arnKeepsGeoKey() {
        let t = PriceTable(
            source: "test",
            entries: [
                "us.anthropic.claude-x-v1:0": ModelPrice(input: 1, output: 1),
                "anthropic.claude-x-v1:0": ModelPrice(input: 2, output: 2),
            ])
        expectMatch(
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-x-v1:0",
            key: "us.anthropic.claude-x-v1:0", rule: .arn, in: t)
    }

    @Test("The id without its geo prefix", arguments: ["us.", "eu.", "apac.", "au.", "jp.", "global.", "us-gov."])
    func geoPrefix(prefix: String) {
        expectMatch(prefix + "anthropic.claude-x-v1:0", key: "anthropic.claude-x-v1:0", rule: .geoPrefix)
    }

    @Test("Only a listed geo prefix is stripped")
    func notAGeoPrefix() {
        #expect(table.resolve("usa.anthropic.claude-x-v1:0") == nil)
        #expect(table.resolve("us-anthropic.claude-x-v1:0") == nil)
        #expect(table.resolve("xx.anthropic.claude-x-v1:0") == nil)
    }

    @Test("Provider forms in the table: bedrock/…, bedrock_mantle/…, bedrock/<region>/…")
    func providerFormsInTable() {
        expectMatch("meta.llama-x", key: "bedrock/meta.llama-x", rule: .provider)
        expectMatch("openai.gpt-x", key: "bedrock_mantle/openai.gpt-x", rule: .provider)
        expectMatch("cohere.y", key: "bedrock/eu-west-1/cohere.y", rule: .provider)
        // A geo-prefixed id reaches the provider form of its bare id.
        expectMatch("us.meta.llama-x", key: "bedrock/meta.llama-x", rule: .provider)
    }

    @Test("Of several regional prices, us-east-1's is used")
    func usEast1First() {
        expectMatch("mistral.x", key: "bedrock/us-east-1/mistral.x", rule: .provider)
    }

    @Test(
        "A logged provider form is reduced to its model id",
        arguments: [
            "bedrock/anthropic.claude-x-v1:0",
            "bedrock/us-west-2/anthropic.claude-x-v1:0",
            "bedrock_mantle/anthropic.claude-x-v1:0",
            "bedrock/us.anthropic.claude-x-v1:0",
        ])
    func loggedProviderForm(logged: String) {
        expectMatch(logged, key: "anthropic.claude-x-v1:0", rule: .provider)
    }

    @Test(
        "moonshot. and moonshotai. are one provider, with or without -v1:0 or :0",
        arguments: [
            ("moonshot.kimi-k2.5", "moonshotai.kimi-k2.5"),
            ("moonshotai.kimi-k2.5-v1:0", "moonshotai.kimi-k2.5"),
            ("moonshotai.kimi-k2.5:0", "moonshotai.kimi-k2.5"),
            ("moonshot.kimi-k2.5-v1:0", "moonshotai.kimi-k2.5"),
            ("moonshot.kimi-k2.5:0", "moonshotai.kimi-k2.5"),
            ("moonshotai.kimi-k3", "moonshot.kimi-k3-v1:0"),
            ("moonshot.kimi-k3", "moonshot.kimi-k3-v1:0"),
            ("moonshotai.kimi-k3:0", "moonshot.kimi-k3-v1:0"),
            ("us.moonshot.kimi-k2.5", "moonshotai.kimi-k2.5"),
            ("moonshot.kimi-k2-thinking", "bedrock_mantle/moonshotai.kimi-k2-thinking"),
        ])
    func alias(logged: String, key: String) {
        expectMatch(logged, key: key, rule: .alias)
    }

    @Test(
        "A model in no form of the table has no price",
        arguments: [
            "acme.model-1",
            "",
            "us.acme.model-1",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.acme.model-1",
            "bedrock/us-east-1/acme.model-1",
            "moonshot.kimi-k2",  // a prefix of a priced model is not that model
        ])
    func unknown(logged: String) {
        #expect(table.resolve(logged) == nil)
    }

    // The bundled snapshot, for the models the README names. Expected prices are read from the LiteLLM
    // JSON the snapshot was generated from, not through PriceTable.

    private func litellmPrice(_ key: String) -> ModelPrice? {
        let json = (try? JSONSerialization.jsonObject(with: Data(BundledPrices.json.utf8))) as? [String: [String: Any]]
        guard let e = json?[key], let i = e["input_cost_per_token"] as? Double,
            let o = e["output_cost_per_token"] as? Double
        else { return nil }
        return ModelPrice(
            input: i, output: o, cacheRead: e["cache_read_input_token_cost"] as? Double,
            cacheWrite: e["cache_creation_input_token_cost"] as? Double)
    }

    @Test(
        "The bundled table prices Kimi K2.5 and Claude Sonnet 4.5 in their logged forms",
        arguments: [
            ("moonshotai.kimi-k2.5", "moonshotai.kimi-k2.5", PriceRule.exact),
            ("moonshot.kimi-k2.5", "moonshotai.kimi-k2.5", .alias),
            ("moonshotai.kimi-k2.5-v1:0", "moonshotai.kimi-k2.5", .alias),
            ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "us.anthropic.claude-sonnet-4-5-20250929-v1:0", .exact),
            ("apac.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0", .geoPrefix),
            (
                "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0",
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0", .arn
            ),
        ])
    func bundled(logged: String, key: String, rule: PriceRule) throws {
        let m = try #require(PriceTable.bundled().resolve(logged))
        #expect(m.key == key)
        #expect(m.rule == rule)
        let expected = try #require(litellmPrice(key), "\(key) is in the LiteLLM data")
        #expect(m.price == expected)
    }

    @Test("The bundled table names its source and has no price for an unknown model")
    func bundledSourceAndUnknown() {
        let bundled = PriceTable.bundled()
        #expect(bundled.source.contains("litellm"))
        #expect(bundled.resolve("acme.model-1") == nil)
    }
}

@Suite("Cost is tokens times prices, cache priced at the input price unless given")
struct CostTests {
    @Test("Each token kind is charged at its own price")
    func eachKind() {
        let p = ModelPrice(input: 1, output: 2, cacheRead: 3, cacheWrite: 4)
        #expect(p.cost(TokenUsage(input: 100, output: 0, cacheRead: 0, cacheWrite: 0)) == 100)
        #expect(p.cost(TokenUsage(input: 0, output: 100, cacheRead: 0, cacheWrite: 0)) == 200)
        #expect(p.cost(TokenUsage(input: 0, output: 0, cacheRead: 100, cacheWrite: 0)) == 300)
        #expect(p.cost(TokenUsage(input: 0, output: 0, cacheRead: 0, cacheWrite: 100)) == 400)
        #expect(p.cost(TokenUsage(input: 100, output: 200, cacheRead: 300, cacheWrite: 400)) == 100 + 400 + 900 + 1600)
    }

    @Test("Zero tokens cost exactly 0")
    func zero() {
        #expect(
            ModelPrice(input: 3e-6, output: 1.5e-5).cost(TokenUsage(input: 0, output: 0, cacheRead: 0, cacheWrite: 0))
                == 0)
    }

    @Test("Per-million prices: 1M of each token kind costs the sum of the four prices")
    func perMillion() {
        // $3 / $15 / $0.30 / $3.75 per million tokens.
        let p = ModelPrice(input: 3e-6, output: 15e-6, cacheRead: 0.3e-6, cacheWrite: 3.75e-6)
        let cost = p.cost(TokenUsage(input: 1_000_000, output: 1_000_000, cacheRead: 1_000_000, cacheWrite: 1_000_000))
        #expect(abs(cost - 22.05) < 1e-9)
    }

    @Test("A missing cache price is the input price, never a discount")
    func cacheDefaults() {
        let none = ModelPrice(input: 2, output: 5)
        #expect(none.cacheReadPerToken == 2)
        #expect(none.cacheWritePerToken == 2)
        #expect(none.cost(TokenUsage(input: 0, output: 0, cacheRead: 10, cacheWrite: 10)) == 40)
        let readOnly = ModelPrice(input: 2, output: 5, cacheRead: 0.5)
        #expect(readOnly.cacheReadPerToken == 0.5)
        #expect(readOnly.cacheWritePerToken == 2)
        let writeOnly = ModelPrice(input: 2, output: 5, cacheWrite: 2.5)
        #expect(writeOnly.cacheReadPerToken == 2)
        #expect(writeOnly.cacheWritePerToken == 2.5)
    }

    @Test("A price file without cache prices charges cache tokens at the input price (CSV and LiteLLM JSON)")
    func priceFileCacheDefaults() throws {
        let dir = temporaryDirectory()
        let csv = dir.appendingPathComponent("prices.csv")
        try
            "model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok\nacme.a,3,15,,\nacme.b,3,15,0.3,\n"
            .write(to: csv, atomically: true, encoding: .utf8)
        let fromCSV = try PriceTable.load(path: csv.path)
        #expect(
            fromCSV.resolve("acme.a")?.price
                == ModelPrice(input: 3e-6, output: 15e-6, cacheRead: 3e-6, cacheWrite: 3e-6))
        #expect(
            fromCSV.resolve("acme.b")?.price
                == ModelPrice(input: 3e-6, output: 15e-6, cacheRead: 0.3e-6, cacheWrite: 3e-6))

        let json = dir.appendingPathComponent("prices.json")
        try #"{"acme.a": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05}}"#
            .write(to: json, atomically: true, encoding: .utf8)
        let fromJSON = try PriceTable.load(path: json.path)
        #expect(
            fromJSON.resolve("acme.a")?.price
                == ModelPrice(input: 3e-6, output: 15e-6, cacheRead: 3e-6, cacheWrite: 3e-6))
    }
}
