// Bedrock usage types (`USE1-Claude4.5Sonnet-input-tokens`, `USW2-anthropic.claude-opus-4-8-mantle-cache-write-
// tokens-standard`, `USE1-MP:USE1_InputTokenCount-Units`) read into region, billed model, token type, tier,
// cross-region routing and Mantle.

/// The four token counts attrib keeps, as the bill names them.
public enum TokenType: String, Sendable, CaseIterable, Comparable {
    case input, output
    case cacheRead = "cache_read"
    case cacheWrite = "cache_write"

    public static func < (a: TokenType, b: TokenType) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public func count(_ t: TokenUsage) -> Int64 {
        switch self {
        case .input: return t.input
        case .output: return t.output
        case .cacheRead: return t.cacheRead
        case .cacheWrite: return t.cacheWrite
        }
    }
}

public struct UsageType: Sendable, Equatable {
    /// The region code the usage type starts with (`USE1`), when it has one.
    public var region: String?
    /// The model as the bill names it (`Claude4.5Sonnet`, `moonshotai.kimi-k2.5`; a Marketplace line: its
    /// product name without "(Amazon Bedrock Edition)").
    public var billedModel: String
    public var tokenType: TokenType
    /// `standard`, `flex`, `priority`, `batch`, ... when the usage type names one.
    public var tier: String?
    /// `global`, or the geography, for cross-region inference; nil for in-region.
    public var crossRegion: String?
    /// A Bedrock Mantle (OpenAI-compatible endpoint) line.
    public var mantle: Bool

    /// Nil when the text names no token type attrib knows (the caller reports it by name).
    public init?(_ text: String, productName: String? = nil) {
        var rest = Substring(text)
        region = nil
        if let dash = rest.firstIndex(of: "-"), isRegionCode(rest[..<dash]) {
            region = String(rest[..<dash])
            rest = rest[rest.index(after: dash)...]
        }
        tier = nil
        crossRegion = nil
        mantle = false
        // Marketplace: `MP:USE1_InputTokenCount-Units`; the model is the product.
        if rest.hasPrefix("MP:") {
            let lower = rest.lowercased()
            if lower.contains("cachereadinputtoken") || lower.contains("cache-read") {
                tokenType = .cacheRead
            } else if lower.contains("cachewriteinputtoken") || lower.contains("cache-write") {
                tokenType = .cacheWrite
            } else if lower.contains("inputtoken") {
                tokenType = .input
            } else if lower.contains("outputtoken") {
                tokenType = .output
            } else {
                return nil
            }
            guard
                let name = productName?.replacingOccurrences(of: "(Amazon Bedrock Edition)", with: "")
                    .trimmingSpaces(), !name.isEmpty
            else { return nil }
            billedModel = name
            return
        }
        // The leftmost token-type marker; the longest one at that place.
        var found: (range: Range<Substring.Index>, type: TokenType)?
        for (marker, type) in Self.markers {
            guard let r = rest.range(of: marker) else { continue }
            if found == nil || r.lowerBound < found!.range.lowerBound
                || (r.lowerBound == found!.range.lowerBound && r.upperBound > found!.range.upperBound)
            {
                found = (r, type)
            }
        }
        guard let found else { return nil }
        tokenType = found.type
        var model = rest[..<found.range.lowerBound]
        var suffix = rest[found.range.upperBound...].split(separator: "-").map(String.init)
        for word in ["batch", "flex", "priority", "standard"] where model.hasSuffix("-" + word) {
            tier = word
            model = model.dropLast(word.count + 1)
        }
        if model.hasSuffix("-mantle") {
            mantle = true
            model = model.dropLast(7)
        }
        for word in ["batch", "flex", "priority", "standard"] where tier == nil && model.hasSuffix("-" + word) {
            tier = word
            model = model.dropLast(word.count + 1)
        }
        if let i = suffix.firstIndex(of: "cross"), i + 1 < suffix.count, suffix[i + 1] == "region" {
            let scope = suffix[(i + 2)...].joined(separator: "-")
            crossRegion = scope.isEmpty ? "yes" : scope
            suffix = Array(suffix[..<i])
        }
        if !suffix.isEmpty {
            tier = tier.map { $0 + "-" + suffix.joined(separator: "-") } ?? suffix.joined(separator: "-")
        }
        guard !model.isEmpty else { return nil }
        billedModel = String(model)
    }

    /// `-…-tokens` / `-…-token-count` spellings, each with the token type it names.
    static let markers: [(String, TokenType)] = [
        ("-cache-read-input-token-count", .cacheRead), ("-cache-write-input-token-count", .cacheWrite),
        ("-cache-read-input-tokens", .cacheRead), ("-cache-write-input-tokens", .cacheWrite),
        ("-cache-read-tokens", .cacheRead), ("-cache-write-tokens", .cacheWrite),
        ("-input-token-count", .input), ("-output-token-count", .output),
        ("-input-tokens", .input), ("-output-tokens", .output),
    ]
}

/// `USE1`, `USW2`, `EUC1`, `APN1`, `UGW1`, `EU`: two to four capitals and an optional digit.
private func isRegionCode(_ s: Substring) -> Bool {
    let u = Array(s.utf8)
    guard u.count >= 2 && u.count <= 5 else { return false }
    var letters = 0
    for (i, c) in u.enumerated() {
        if c >= 0x41 && c <= 0x5A {
            guard letters == i else { return false }
            letters += 1
        } else if c >= 0x30 && c <= 0x39 {
            guard i == u.count - 1 else { return false }
        } else {
            return false
        }
    }
    return letters >= 2 && letters <= 4
}

/// How many tokens one unit of `pricing_unit` is: `1K tokens` 1000, `1M tokens` / `Million Tokens` 1e6,
/// `Tokens` / `Units` 1. Nil when the unit names no count attrib knows.
public func tokensPerUnit(_ pricingUnit: String?) -> Int64? {
    guard let unit = pricingUnit?.lowercased().trimmingSpaces(), !unit.isEmpty else { return nil }
    guard unit.contains("token") || unit.contains("unit") || unit.contains("count") else { return nil }
    if unit.hasPrefix("1k") || unit.hasPrefix("1 k") || unit.hasPrefix("1,000 ") || unit.hasPrefix("thousand")
        || unit.hasPrefix("k ") || unit.hasPrefix("kilo")
    {
        return 1000
    }
    if unit.hasPrefix("1m") || unit.hasPrefix("1 m") || unit.hasPrefix("1,000,000") || unit.hasPrefix("million")
        || unit.hasPrefix("m ")
    {
        return 1_000_000
    }
    if unit.first.map({ $0.isLetter }) ?? false { return 1 }
    return nil
}
