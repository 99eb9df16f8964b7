// Prices per model and the lookup rules that map a logged model id to a price-table key (SPEC §3).

import Foundation

/// USD per token.
public struct ModelPrice: Sendable, Equatable {
    public var inputPerToken: Double
    public var outputPerToken: Double
    /// When the data has no cache prices, cache tokens are charged at the input price: attrib never
    /// invents a discount.
    public var cacheReadPerToken: Double
    public var cacheWritePerToken: Double

    public init(input: Double, output: Double, cacheRead: Double? = nil, cacheWrite: Double? = nil) {
        inputPerToken = input
        outputPerToken = output
        cacheReadPerToken = cacheRead ?? input
        cacheWritePerToken = cacheWrite ?? input
    }

    public func cost(_ t: TokenUsage) -> Double {
        Double(t.input) * inputPerToken + Double(t.output) * outputPerToken + Double(t.cacheRead) * cacheReadPerToken
            + Double(t.cacheWrite) * cacheWritePerToken
    }
}

/// Which lookup rule found a model's price.
public enum PriceRule: String, Sendable {
    case exact
    case arn
    case geoPrefix = "geo-prefix"
    case provider
    case alias
}

public struct PriceMatch: Sendable, Equatable {
    public var key: String
    public var price: ModelPrice
    public var rule: PriceRule
}

public struct PriceError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

public struct PriceTable: Sendable {
    /// Where the prices came from, for reports and `attrib prices`.
    public let source: String
    let entries: [String: ModelPrice]
    /// Regions that appear in `bedrock/<region>/<model>` keys, us-east-1 first.
    let regions: [String]

    public init(source: String, entries: [String: ModelPrice]) {
        self.source = source
        self.entries = entries
        var found = Set<String>()
        for key in entries.keys where key.hasPrefix("bedrock/") || key.hasPrefix("bedrock_mantle/") {
            let parts = key.split(separator: "/")
            if parts.count == 3 { found.insert(String(parts[1])) }
        }
        regions = found.sorted { a, b in a == "us-east-1" ? true : b == "us-east-1" ? false : a < b }
    }

    public var models: [(key: String, price: ModelPrice)] {
        entries.keys.sorted().map { ($0, entries[$0]!) }
    }

    public static func bundled() -> PriceTable {
        // The bundled data is generated and checked by tests; a failure here is a build defect.
        (try? fromLiteLLM(Data(BundledPrices.json.utf8), source: BundledPrices.source, path: "(bundled)"))
            ?? PriceTable(source: "(none)", entries: [:])
    }

    /// Loads LiteLLM's JSON layout or a CSV (`model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok`).
    public static func load(path: String) throws -> PriceTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PriceError(description: "\(path): cannot read the price file")
        }
        var start = data.startIndex
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { start += 3 }
        let first = data[start...].first { !isJSONSpace($0) }
        if first == UInt8(ascii: "{") {
            return try fromLiteLLM(Data(data[start...]), source: "--prices \(path) (LiteLLM JSON)", path: path)
        }
        return try fromCSV(String(decoding: data[start...], as: UTF8.self), path: path)
    }

    static func fromLiteLLM(_ data: Data, source: String, path: String) throws -> PriceTable {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw PriceError(description: "\(path): not valid JSON (\(error.localizedDescription))")
        }
        guard let dict = object as? [String: Any] else {
            throw PriceError(description: "\(path): expected a JSON object of models")
        }
        func number(_ v: Any?) -> Double? {
            if let n = v as? NSNumber { return n.doubleValue }
            if let s = v as? String { return Double(s) }
            return nil
        }
        var entries: [String: ModelPrice] = [:]
        for (key, value) in dict {
            guard let e = value as? [String: Any], let input = number(e["input_cost_per_token"]),
                let output = number(e["output_cost_per_token"]), input >= 0, output >= 0
            else { continue }
            entries[key] = ModelPrice(
                input: input, output: output, cacheRead: number(e["cache_read_input_token_cost"]),
                cacheWrite: number(e["cache_creation_input_token_cost"]))
        }
        guard !entries.isEmpty else {
            throw PriceError(description: "\(path): no model with input_cost_per_token and output_cost_per_token")
        }
        return PriceTable(source: source, entries: entries)
    }

    static func fromCSV(_ text: String, path: String) throws -> PriceTable {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\r")) }
        while lines.last?.trimmingCharacters(in: .whitespaces).isEmpty == true { lines.removeLast() }
        guard let header = lines.first else { throw PriceError(description: "\(path): empty price file") }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0).trimmingSpaces().lowercased()
        }
        func index(_ name: String) -> Int? { names.firstIndex(of: name) }
        guard let model = index("model"), let input = index("input_per_mtok"), let output = index("output_per_mtok")
        else {
            throw PriceError(
                description:
                    "\(path): line 1: expected a header model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok"
            )
        }
        let cacheRead = index("cache_read_per_mtok")
        let cacheWrite = index("cache_write_per_mtok")
        var entries: [String: ModelPrice] = [:]
        for (n, line) in lines.enumerated().dropFirst() {
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
            func value(_ i: Int?, _ column: String, required: Bool) throws -> Double? {
                guard let i, i < cells.count, !cells[i].isEmpty else {
                    if required { throw PriceError(description: "\(path): line \(n + 1): missing \(column)") }
                    return nil
                }
                guard let v = Double(cells[i]), v >= 0, v.isFinite else {
                    throw PriceError(description: "\(path): line \(n + 1): \(column) '\(cells[i])' is not a price")
                }
                return v / 1_000_000
            }
            guard model < cells.count, !cells[model].isEmpty else {
                throw PriceError(description: "\(path): line \(n + 1): missing model")
            }
            let i = try value(input, "input_per_mtok", required: true)!
            let o = try value(output, "output_per_mtok", required: true)!
            entries[cells[model]] = ModelPrice(
                input: i, output: o, cacheRead: try value(cacheRead, "cache_read_per_mtok", required: false),
                cacheWrite: try value(cacheWrite, "cache_write_per_mtok", required: false))
        }
        guard !entries.isEmpty else { throw PriceError(description: "\(path): no prices found") }
        return PriceTable(source: "--prices \(path) (CSV)", entries: entries)
    }

    // MARK: Lookup

    static let geoPrefixes = ["us-gov.", "us.", "eu.", "apac.", "au.", "jp.", "global.", "ca.", "in."]
    static let providerPrefixes = ["bedrock/", "bedrock_converse/", "bedrock_mantle/"]

    /// Resolves a logged model id: exact key; the id inside an ARN; without its geo prefix; provider
    /// forms; known aliases. The first candidate present in the table wins.
    public func resolve(_ logged: String) -> PriceMatch? {
        for (candidate, rule) in candidates(logged) {
            if let price = entries[candidate] { return PriceMatch(key: candidate, price: price, rule: rule) }
        }
        return nil
    }

    func candidates(_ logged: String) -> [(String, PriceRule)] {
        var out: [(String, PriceRule)] = [(logged, .exact)]
        var base = logged
        var rule = PriceRule.exact
        // arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic...  or  .../foundation-model/anthropic...
        if logged.hasPrefix("arn:"), let slash = logged.lastIndex(of: "/") {
            base = String(logged[logged.index(after: slash)...])
            rule = .arn
            out.append((base, rule))
        }
        // A logged provider form (bedrock/us-east-1/x) is reduced to its model id.
        for prefix in Self.providerPrefixes where base.hasPrefix(prefix) {
            base = String(base.split(separator: "/").last ?? Substring(base))
            rule = .provider
            out.append((base, rule))
        }
        var ids = [(base, rule)]
        if let geo = Self.geoPrefixes.first(where: { base.hasPrefix($0) }) {
            let stripped = String(base.dropFirst(geo.count))
            ids.append((stripped, rule == .exact ? .geoPrefix : rule))
            out.append(ids[1])
        }
        func providerForms(_ id: String) -> [String] {
            Self.providerPrefixes.map { $0 + id }
                + regions.flatMap { r in ["bedrock/\(r)/\(id)", "bedrock_mantle/\(r)/\(id)"] }
        }
        for (id, _) in ids {
            for form in providerForms(id) { out.append((form, .provider)) }
        }
        for (id, _) in ids {
            for alias in aliases(id) {
                out.append((alias, .alias))
                for form in providerForms(alias) { out.append((form, .alias)) }
            }
        }
        return out
    }

    /// `moonshot.` ↔ `moonshotai.`, with or without a `-v1:0` / `:0` suffix.
    func aliases(_ id: String) -> [String] {
        var stems = [id]
        if id.hasPrefix("moonshot.") { stems.append("moonshotai." + id.dropFirst("moonshot.".count)) }
        if id.hasPrefix("moonshotai.") { stems.append("moonshot." + id.dropFirst("moonshotai.".count)) }
        var out: [String] = []
        for s in stems {
            var bare = s
            if bare.hasSuffix("-v1:0") {
                bare.removeLast(5)
            } else if bare.hasSuffix(":0") {
                bare.removeLast(2)
            }
            for v in [bare, bare + "-v1:0", bare + ":0"] where v != id && !out.contains(v) { out.append(v) }
        }
        return out
    }
}
