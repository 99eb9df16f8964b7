// Bedrock usage types read into region, billed model, token type, tier, cross-region and Mantle; billed
// model names mapped to price-table keys through the built-in table.

import Foundation
import Testing

@testable import AttribCore

@Suite("Usage types and billed models")
struct UsageTypeTests {
    @Test(
        "The usage types of the AWS documentation",
        arguments: [
            ("USE1-Claude4.5Sonnet-input-tokens", "USE1", "Claude4.5Sonnet", TokenType.input, nil, nil, false),
            (
                "USW2-Claude4.5Sonnet-cache-write-input-token-count", "USW2", "Claude4.5Sonnet", .cacheWrite, nil, nil,
                false
            ),
            (
                "USE1-Claude4.5Sonnet-cache-read-input-token-count", "USE1", "Claude4.5Sonnet", .cacheRead, nil, nil,
                false
            ),
            (
                "USE1-Claude4Sonnet-input-tokens-cross-region-global", "USE1", "Claude4Sonnet", .input, nil, "global",
                false
            ),
            (
                "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard", "USW2",
                "anthropic.claude-opus-4-8",
                .cacheWrite, "standard", nil, true
            ),
            ("USE1-xai.grok-4.3-mantle-input-tokens-flex", "USE1", "xai.grok-4.3", .input, "flex", nil, true),
            (
                "USE1-moonshotai.kimi-k2.5-mantle-output-tokens-standard", "USE1", "moonshotai.kimi-k2.5", .output,
                "standard", nil, true
            ),
            ("EUC1-Claude3Haiku-batch-output-tokens", "EUC1", "Claude3Haiku", .output, "batch", nil, false),
        ] as [(String, String?, String, TokenType, String?, String?, Bool)])
    func documented(
        _ c: (
            text: String, region: String?, model: String, type: TokenType, tier: String?, cross: String?, mantle: Bool
        )
    ) throws {
        let u = try #require(UsageType(c.text))
        #expect(u.region == c.region)
        #expect(u.billedModel == c.model)
        #expect(u.tokenType == c.type)
        #expect(u.tier == c.tier)
        #expect(u.crossRegion == c.cross)
        #expect(u.mantle == c.mantle)
    }

    @Test("A Marketplace usage type takes its model from the product name")
    func marketplace() throws {
        let u = try #require(
            UsageType("USE1-MP:USE1_InputTokenCount-Units", productName: "Claude Sonnet 4.5 (Amazon Bedrock Edition)"))
        #expect(u.billedModel == "Claude Sonnet 4.5")
        #expect(u.tokenType == .input)
        #expect(UsageType("USE1-MP:USE1_OutputTokenCount-Units", productName: nil) == nil)
    }

    @Test("A usage type that names no token type is not guessed")
    func unknown() {
        #expect(UsageType("USE1-Claude4.5Sonnet-ProvisionedThroughput-ModelUnits") == nil)
        #expect(UsageType("") == nil)
        #expect(UsageType("USE1-input-tokens") == nil)
    }

    @Test("pricing_unit gives the tokens per unit; an unknown unit gives none")
    func units() {
        #expect(tokensPerUnit("1K tokens") == 1000)
        #expect(tokensPerUnit("1M Units") == 1_000_000)
        #expect(tokensPerUnit("Million Tokens") == 1_000_000)
        #expect(tokensPerUnit("Tokens") == 1)
        #expect(tokensPerUnit("Hrs") == nil)
        #expect(tokensPerUnit(nil) == nil)
    }

    @Test("Billed models map to price keys through the table, else the price table itself; unknown is nil")
    func billedModels() throws {
        let prices = PriceTable.bundled()
        #expect(
            BillModels.priceKey("Claude4.5Sonnet", prices: prices)?.key == "anthropic.claude-sonnet-4-5-20250929-v1:0")
        #expect(BillModels.priceKey("Claude4.5Sonnet", prices: prices)?.rule == .table)
        #expect(BillModels.priceKey("anthropic.claude-opus-4-8", prices: prices)?.rule == .priceTable)
        #expect(BillModels.priceKey("AcmeSuperModel9", prices: prices) == nil)
    }

    @Test("The compiled-in table is bill-models.csv as it is on disk (run scripts/embed-bill-models)")
    func tableMatchesFile() throws {
        let text = try String(
            contentsOf: repositoryURL.appendingPathComponent("Sources/AttribCore/Parse/Bill/bill-models.csv"),
            encoding: .utf8)
        #expect(BuiltInBillModels.csv == text.trimmingCharacters(in: .newlines))
        #expect(BillModels.table.count == text.split(separator: "\n").count - 1)
    }

    @Test("Decimal costs become micro-dollars exactly, rounded half away from zero; text is not a number")
    func micros() {
        #expect(parseMicros("3.703701") == 3_703_701)
        #expect(parseMicros("0.0000005") == 1)
        #expect(parseMicros("0.00000049") == 0)
        #expect(parseMicros("-0.37037") == -370_370)
        #expect(parseMicros("12") == 12_000_000)
        #expect(parseMicros("1.5E-3") == 1500)
        #expect(parseMicros("n/a") == nil)
        #expect(parseMicros("") == nil)
        #expect(parseMicros("1.2.3") == nil)
    }

    @Test("Largest remainder: shares add up exactly, ties go to the earlier weight")
    func largestRemainder() {
        #expect(LargestRemainder.split(100, weights: [1, 1, 1]) == [34, 33, 33])
        #expect(LargestRemainder.split(-100, weights: [1, 1, 1]) == [-34, -33, -33])
        #expect(
            LargestRemainder.split(38_500_000_000, weights: [3_000_000_000, 7_000_000_000]).reduce(0, +)
                == 38_500_000_000)
        var rng = SplitMix(seed: 11)
        for _ in 0..<200 {
            let amount = Int64(rng.next() % 10_000_000_000)
            let weights = (0..<(1 + Int(rng.next() % 8))).map { _ in Int64(rng.next() % 5_000_000_000) }
            guard weights.reduce(0, +) > 0 else { continue }
            #expect(LargestRemainder.split(amount, weights: weights).reduce(0, +) == amount)
        }
    }
}
