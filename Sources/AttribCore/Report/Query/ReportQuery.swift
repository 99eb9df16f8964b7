// What a report asks for: which requests, grouped by what, filtered how, measured how, in what order.
// `report`, `mantle` and `gaps` are all queries of this one model; the planner and a SQL dialect turn
// it into SQL (Report/SQL), the runner prices and orders the result (Report/Run).

import Foundation

public enum ReportError: Error, CustomStringConvertible, Sendable {
    /// A bad flag value (exit 64).
    case usage(String)
    /// Bad data, e.g. an unreadable price file (exit 65).
    case data(String)

    public var description: String {
        switch self {
        case .usage(let m), .data(let m): return m
        }
    }
}

public enum CostMode: String, CaseIterable, Sendable {
    /// From the price table (default).
    case computed
    /// The cost the gateway logged, when its schema has one.
    case logged
    /// Logged when present, else computed.
    case auto
}

/// Which requests a query counts (SPEC §3).
public enum RequestScope: Sendable, Equatable {
    /// Requests that named a model or carried usage: what usage reports count.
    case modelRequests
    /// Model requests on the Mantle route (`attrib mantle`).
    case mantle
    /// Every request (`gaps` totals).
    case all
}

/// What a query adds up per group. The runner always needs the model and whether a cost was logged,
/// so those are part of every group's key, not measures.
public enum Measure: Sendable, Equatable {
    case requests
    case inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens
    /// The sum of logged costs (null when none was logged).
    case loggedCost
    /// Requests whose usage line had no identity and got it through request_id.
    case joinedRequests
    /// Requests with two different non-empty values of an identity field.
    case conflicts
    /// Usage lines without a request_id (each a request of its own).
    case orphanUsage
    /// Each request's latency (ms), for percentiles: `report --requests all`.
    case latencies

    /// What `report` and `mantle` show.
    public static let standard: [Measure] = [
        .requests, .inputTokens, .outputTokens, .cacheReadTokens, .cacheWriteTokens, .loggedCost,
    ]
}

/// The columns a report prints after its dimensions.
public enum MetricColumn: String, CaseIterable, Sendable {
    case requests
    case inputTokens = "input_tokens"
    case outputTokens = "output_tokens"
    case cacheReadTokens = "cache_read_tokens"
    case cacheWriteTokens = "cache_write_tokens"
    case totalTokens = "total_tokens"
    case costUSD = "cost_usd"
}

/// `--sort COL[:asc|:desc]`: a metric (descending unless `:asc`) or a dimension of the report
/// (ascending unless `:desc`). Ties always fall back to the dimension values.
public struct SortKey: Sendable, Equatable {
    public enum Column: Sendable, Equatable {
        case metric(MetricColumn)
        /// The index of a dimension of the query.
        case dimension(Int)
    }
    public var column: Column
    public var ascending: Bool

    public init(_ column: Column, ascending: Bool) {
        self.column = column
        self.ascending = ascending
    }

    public static func parse(_ text: String, dimensions: [ReportDimension]) throws(ReportError) -> SortKey {
        var name = text
        var ascending: Bool?
        if name.hasSuffix(":asc") {
            ascending = true
            name.removeLast(4)
        } else if name.hasSuffix(":desc") {
            ascending = false
            name.removeLast(5)
        }
        if let metric = MetricColumn(rawValue: name) { return SortKey(.metric(metric), ascending: ascending ?? false) }
        if let i = dimensions.firstIndex(where: { $0.name == name }) {
            return SortKey(.dimension(i), ascending: ascending ?? true)
        }
        let columns = dimensions.map(\.name) + MetricColumn.allCases.map(\.rawValue)
        throw .usage("--sort '\(text)': not a column of this report; columns: \(columns.joined(separator: ", "))")
    }
}

public struct ReportQuery: Sendable {
    public var scope: RequestScope
    public var dimensions: [ReportDimension]
    /// All must hold.
    public var filters: [Filter]
    public var window: TimeWindow
    public var measures: [Measure]
    /// Nil: cost descending (unpriced last), then total tokens descending, then the dimension values.
    public var order: SortKey?
    /// Only the first N rows (totals still cover every row).
    public var limit: Int?
    public var costMode: CostMode
    /// Count the Bedrock invocation records the gateway's own principal made (the same calls as the gateway's
    /// requests, so counted twice); by default they are left out when the store knows that principal.
    public var includesGatewayInvocations = false
    /// Answer from the request table even when a rollup could (tests compare the two answers).
    var readsRequests = false

    public init(
        scope: RequestScope = .modelRequests, dimensions: [ReportDimension] = [.userEmail, .modelId],
        filters: [Filter] = [], window: TimeWindow = TimeWindow(), measures: [Measure] = Measure.standard,
        order: SortKey? = nil, limit: Int? = nil, costMode: CostMode = .computed
    ) {
        self.scope = scope
        self.dimensions = dimensions
        self.filters = filters
        self.window = window
        self.measures = measures
        self.order = order
        self.limit = limit
        self.costMode = costMode
    }

    public init(dimensions: [ReportDimension], since: Int64?, until: Int64? = nil) {
        self.init(dimensions: dimensions, window: TimeWindow(since: since, until: until))
    }
}

/// The built-in reports, each a function of the store (and prices) to a result.
public enum Reports {}
