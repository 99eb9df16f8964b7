// Whether a report adds Bedrock's invocation logs to a gateway's: a gateway's own Bedrock calls appear in
// both, and nothing tells them apart yet (the bill issue will), so the CLI says so in one warning line.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Reports {
    /// The mapping whose requests may repeat other gateways' Bedrock calls.
    static let bedrockSource = "bedrock-invocations"

    /// True when the store holds requests of `bedrock-invocations` and of another source, and the query's
    /// `source` filters (if any) let both through. Cheap on a store without Bedrock's logs: one dictionary
    /// lookup, so router-only reports pay nothing.
    public static func addsGatewaysToBedrock(_ query: ReportQuery, store: Store) throws -> Bool {
        let find = try store.db.prepare("SELECT id FROM dict WHERE value = ?")
        find.bind(1, bedrockSource)
        guard try find.step() else { return false }
        let sources = try store.db.prepare("SELECT DISTINCT (SELECT value FROM dict WHERE id = source) FROM request")
        var names: [String] = []
        while try sources.step() { names.append(sources.text(0) ?? "") }
        let kept = names.filter { name in
            query.filters.allSatisfy { f in
                guard f.dimension == .source else { return true }
                switch f.op {
                case .equal: return name == f.value
                case .notEqual: return name != f.value
                case .glob: return fnmatch(f.value, name, 0) == 0
                }
            }
        }
        return kept.contains(bedrockSource) && kept.contains { $0 != bedrockSource }
    }
}
