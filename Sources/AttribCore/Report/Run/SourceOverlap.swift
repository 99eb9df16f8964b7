// Bedrock's invocation logs beside a gateway's: an invocation record made by the gateway's own IAM principal
// (`--gateway-principal`, remembered in the store) is the same call as one of the gateway's requests. Queries
// leave such records out unless asked (`ReportQuery.includesGatewayInvocations`); this says whether a report
// still adds the two, so the CLI can say so in one line.

/// How a report's Bedrock invocation records and other gateways' requests meet.
public enum InvocationOverlap: Sendable, Equatable {
    /// The gateway's principal is known and its invocation records are left out: nothing is counted twice.
    case gatewayLeftOut(principal: String)
    /// `--include-gateway-invocations`: the gateway's calls are counted in its logs and in Bedrock's.
    case gatewayIncluded(principal: String)
    /// No gateway principal is known: the gateway's own calls, if any, are counted twice.
    case gatewayUnknown
}

extension Reports {
    /// The mapping whose requests may repeat other gateways' Bedrock calls.
    static let bedrockSource = "bedrock-invocations"

    /// The remembered gateway principal, when the store also holds Bedrock invocation logs (else nil: nothing
    /// to leave out). Two small lookups, so router-only reports pay nothing.
    static func gatewayInvocationPrincipal(_ store: Store) throws -> String? {
        let find = try store.db.prepare("SELECT 1 FROM dict WHERE value = ?")
        find.bind(1, bedrockSource)
        guard try find.step() else { return nil }
        return try store.billSetting("gateway_principal")
    }

    /// Nil when the query cannot add Bedrock's invocation records to another source's requests (the store
    /// lacks one of them, or the query's `source` filters keep only one side); else how the gateway's own
    /// invocation records are treated.
    public static func invocationOverlap(_ query: ReportQuery, store: Store) throws -> InvocationOverlap? {
        guard try addsGatewaysToBedrock(query, store: store) else { return nil }
        guard let glob = try store.billSetting("gateway_principal") else { return .gatewayUnknown }
        return query.includesGatewayInvocations ? .gatewayIncluded(principal: glob) : .gatewayLeftOut(principal: glob)
    }

    /// True when the store holds requests of `bedrock-invocations` and of another source, and the query's
    /// `source` filters (if any) let both through.
    static func addsGatewaysToBedrock(_ query: ReportQuery, store: Store) throws -> Bool {
        let find = try store.db.prepare("SELECT id FROM dict WHERE value = ?")
        find.bind(1, bedrockSource)
        guard try find.step() else { return false }
        let sources = try store.db.prepare("SELECT DISTINCT (SELECT value FROM dict WHERE id = source) FROM request")
        var names: [String] = []
        while try sources.step() { names.append(sources.text(0) ?? "") }
        let kept = names.filter { name in query.filters.allSatisfy { $0.dimension != .source || $0.matches(name) } }
        return kept.contains(bedrockSource) && kept.contains { $0 != bedrockSource }
    }
}
