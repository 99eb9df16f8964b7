// What a report asks for: dimensions, time range and zone, filters, sort, top, cost source.

import Foundation

/// The dimensions of SPEC §4.
public enum ReportDimension: String, CaseIterable, Sendable {
    case userEmail = "user_email"
    case userSub = "user_sub"
    case user
    case authSource = "auth_source"
    case apiKeyId = "api_key_id"
    case userId = "user_id"
    case project
    case modelId
    case model
    case route
    case status
    case path
    case userAgent = "user_agent"
    case logGroup = "log_group"
    case logStream = "log_stream"
    case hour, day, week, month

    /// Identity dimensions print `(none)` when absent.
    public var isIdentity: Bool {
        switch self {
        case .userEmail, .userSub, .user, .authSource, .apiKeyId, .userId, .project: return true
        default: return false
        }
    }

    public var isTime: Bool { self == .hour || self == .day || self == .week || self == .month }

    /// Parses a comma-separated list like `user_email,modelId`.
    public static func parseList(_ text: String) throws(ReportError) -> [ReportDimension] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw .usage("--by needs at least one dimension") }
        var result: [ReportDimension] = []
        for name in names {
            guard let d = ReportDimension(rawValue: name) ?? ReportDimension.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else {
                throw .usage("unknown dimension '\(name)'; known: \(ReportDimension.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if !result.contains(d) { result.append(d) }
        }
        return result
    }
}

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

/// `--where DIM=VALUE`, `DIM!=VALUE`, `DIM~GLOB`.
public struct Filter: Sendable, Equatable {
    public enum Op: String, Sendable { case equal = "=", notEqual = "!=", glob = "~" }
    public var dimension: ReportDimension
    public var op: Op
    public var value: String

    public init(dimension: ReportDimension, op: Op, value: String) {
        self.dimension = dimension
        self.op = op
        self.value = value
    }

    public static func parse(_ text: String) throws(ReportError) -> Filter {
        for op in [Op.notEqual, .equal, .glob] {
            if let r = text.range(of: op.rawValue) {
                let name = String(text[..<r.lowerBound]).trimmingCharacters(in: .whitespaces)
                let value = String(text[r.upperBound...])
                guard let d = ReportDimension(rawValue: name) else {
                    throw .usage("--where '\(text)': unknown field '\(name)'; known: \(ReportDimension.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return Filter(dimension: d, op: op, value: value)
            }
        }
        throw .usage("--where '\(text)': expected FIELD=VALUE, FIELD!=VALUE or FIELD~GLOB")
    }

    /// An absent value matches `FIELD=` (empty) and never a glob.
    func matches(_ v: String?) -> Bool {
        switch op {
        case .equal: return (v ?? "") == value
        case .notEqual: return (v ?? "") != value
        case .glob: return v.map { fnmatch(value, $0, 0) == 0 } ?? false
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

public struct ReportQuery: Sendable {
    public var dimensions: [ReportDimension]
    /// Inclusive lower bound on a request's start (epoch ms).
    public var since: Int64?
    /// Exclusive upper bound.
    public var until: Int64?
    public var timeZone: TimeZone
    public var filters: [Filter]
    /// Column to sort by (descending for numbers, ascending for text); default cost then tokens.
    public var sort: String?
    public var top: Int?
    public var costMode: CostMode
    /// Only requests on the Mantle route (attrib mantle).
    public var mantleOnly = false

    public init(dimensions: [ReportDimension] = [.userEmail, .modelId], since: Int64? = nil, until: Int64? = nil,
                timeZone: TimeZone = TimeZone(identifier: "UTC")!, filters: [Filter] = [], sort: String? = nil,
                top: Int? = nil, costMode: CostMode = .computed) {
        self.dimensions = dimensions
        self.since = since
        self.until = until
        self.timeZone = timeZone
        self.filters = filters
        self.sort = sort
        self.top = top
        self.costMode = costMode
    }
}

/// Parses `--since` / `--until`: a date (`2026-03-01`, midnight in `zone`), an ISO timestamp
/// (zone-less ones read in `zone`), or a span back from `now` (`7d`, `24h`, `30m`, `2w`).
public func parseTimeBound(_ text: String, zone: TimeZone, now: Int64) throws(ReportError) -> Int64 {
    let t = text.trimmingCharacters(in: .whitespaces)
    if let unit = t.last, "mhdw".contains(unit), let n = Int64(t.dropLast()), n >= 0 {
        let ms: Int64 = unit == "m" ? 60_000 : unit == "h" ? 3_600_000 : unit == "d" ? 86_400_000 : 604_800_000
        return now - n * ms
    }
    var bytes = Array(t.utf8)
    if bytes.count == 10 { bytes += Array("T00:00:00".utf8) }
    let hasZone = bytes.count > 19 && (bytes.last == UInt8(ascii: "Z") || bytes[19...].contains(UInt8(ascii: "+")) || bytes[19...].contains(UInt8(ascii: "-")))
    guard let parsed = bytes.withUnsafeBufferPointer({ b in b.isEmpty ? nil : parseISOTimestamp(b.baseAddress!, 0, b.count) }) else {
        throw .usage("bad date '\(text)': expected YYYY-MM-DD, an ISO 8601 timestamp, or a span like 7d or 24h")
    }
    if hasZone { return parsed }
    // Zone-less: the wall-clock time in `zone`.
    let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(parsed) / 1000))) * 1000
    return parsed - offset
}

/// The built-in reports, each a function of the store (and prices) to rows.
public enum Reports {}
