// The dimensions a report can group and filter by: one table, read by `--by`, `--where`, the planner,
// every SQL dialect and the docs.

import Foundation

/// Where a dimension's value comes from. The SQL generator renders each kind for its dialect; nothing
/// here is SQL.
enum DimensionValue: Sendable, Equatable {
    /// The text of a dictionary id column (`request.user_email` → `dict.value`).
    case dictionary(String)
    /// The first present of several dictionary id columns, in order (the `user` chain).
    case firstOf([String])
    /// An integer column, as text (`status`).
    case integer(String)
    /// `mantle`, `bedrock` or absent, from the request's route flags.
    case route
    /// The model's price-table key (its id as logged when it has no price).
    case priceKey
    /// A time bucket of the request's start, in the query's zone.
    case bucket(TimeBucket)
    /// `yes` when a line of the request had a non-empty user_sub or user_email (gaps).
    case attributed
    /// The value of a request metadata key (`meta.user`: Bedrock's `requestMetadata.user`).
    case tag(String)
}

/// A time bucket: its label is the bucket's start in the query's zone.
public enum TimeBucket: String, Sendable {
    /// `2026-03-01T10:00`
    case hour
    /// `2026-03-01`
    case day
    /// The Monday that starts the week: `2026-02-23`
    case week
    /// `2026-03`
    case month
}

/// One dimension of SPEC §4. Two dimensions are the same when their names are.
public struct ReportDimension: Hashable, Sendable, CustomStringConvertible {
    /// The name `--by`, `--where`, `--sort` and column headers use.
    public let name: String
    /// Identity dimensions print `(none)` when absent.
    public let isIdentity: Bool
    let value: DimensionValue
    /// The day rollup holds what this dimension needs (time buckets: only in UTC; the planner checks).
    let inRollup: Bool
    /// One line for `--help` and the README.
    public let summary: String
    /// Listed for users; internal dimensions serve built-in reports only.
    let isPublic: Bool

    init(
        _ name: String, _ value: DimensionValue, identity: Bool = false, rollup: Bool, public isPublic: Bool = true,
        _ summary: String
    ) {
        self.name = name
        self.value = value
        self.isIdentity = identity
        self.inRollup = rollup
        self.summary = summary
        self.isPublic = isPublic
    }

    public static func == (a: ReportDimension, b: ReportDimension) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
    public var description: String { name }
    /// The name (kept for callers that treat dimensions as raw values).
    public var rawValue: String { name }

    public static let userEmail = ReportDimension(
        "user_email", .dictionary("user_email"), identity: true, rollup: true, "the user's email")
    public static let userSub = ReportDimension(
        "user_sub", .dictionary("user_sub"), identity: true, rollup: true, "the user's subject (Cognito UUID)")
    public static let user = ReportDimension(
        "user", .firstOf(["user_email", "user_sub", "api_key_id", "user_id"]), identity: true, rollup: true,
        "email, else sub, else api key, else user id")
    public static let authSource = ReportDimension(
        "auth_source", .dictionary("auth_source"), identity: true, rollup: true, "how the caller authenticated")
    public static let apiKeyId = ReportDimension(
        "api_key_id", .dictionary("api_key_id"), identity: true, rollup: true, "the API key")
    public static let userId = ReportDimension(
        "user_id", .dictionary("user_id"), identity: true, rollup: true, "the gateway's user id")
    public static let project = ReportDimension(
        "project", .dictionary("project"), identity: true, rollup: true, "the project")
    public static let modelId = ReportDimension("modelId", .dictionary("model"), rollup: true, "the model id as logged")
    public static let model = ReportDimension("model", .priceKey, rollup: true, "the model's price-table key")
    public static let route = ReportDimension("route", .route, rollup: true, "mantle or bedrock")
    public static let status = ReportDimension("status", .integer("status"), rollup: true, "the HTTP status")
    public static let path = ReportDimension("path", .dictionary("path"), rollup: false, "the request path")
    public static let userAgent = ReportDimension(
        "user_agent", .dictionary("user_agent"), rollup: false, "the client's user agent")
    public static let logGroup = ReportDimension(
        "log_group", .dictionary("log_group"), rollup: false, "the CloudWatch log group")
    public static let logStream = ReportDimension(
        "log_stream", .dictionary("log_stream"), rollup: false, "the CloudWatch log stream")
    public static let source = ReportDimension(
        "source", .dictionary("source"), rollup: false, "the mapping that read the request (router, aura, ...)")
    public static let principal = ReportDimension(
        "principal", .dictionary("principal"), identity: true, rollup: false, "the caller's IAM principal ARN")
    public static let clientIp = ReportDimension(
        "client_ip", .dictionary("client_ip"), identity: true, rollup: false, "the caller's IP address")
    public static let tokenId = ReportDimension(
        "token_id", .dictionary("token_id"), identity: true, rollup: false, "the gateway's token id (llm-proxy)")
    public static let hour = ReportDimension("hour", .bucket(.hour), rollup: false, "the hour the request started")
    public static let day = ReportDimension("day", .bucket(.day), rollup: true, "the day the request started")
    public static let week = ReportDimension("week", .bucket(.week), rollup: true, "the week (its Monday)")
    public static let month = ReportDimension("month", .bucket(.month), rollup: true, "the month")
    /// Whether the request carries identity: what `gaps` splits by.
    static let attributed = ReportDimension(
        "attributed", .attributed, rollup: true, public: false, "yes when identity was logged")

    /// Every dimension users can name, in the order of SPEC §4.
    public static let all: [ReportDimension] = [
        .userEmail, .userSub, .user, .authSource, .apiKeyId, .userId, .project, .modelId, .model, .route, .status,
        .path, .userAgent, .logGroup, .logStream, .hour, .day, .week, .month, .source, .principal, .clientIp,
        .tokenId,
    ]

    /// The prefix of request metadata dimensions: `meta.KEY`, any key of a request's metadata tags.
    public static let tagPrefix = "meta."

    /// A request metadata dimension, `meta.KEY` (KEY: letters, digits, `_ - . : @ /`).
    public static func tag(_ key: String) -> ReportDimension? {
        guard !key.isEmpty, key.utf8.count <= 128,
            key.unicodeScalars.allSatisfy({
                $0.properties.isAlphabetic || $0.properties.numericType != nil || "_-.:@/".unicodeScalars.contains($0)
            })
        else { return nil }
        return ReportDimension(
            tagPrefix + key, .tag(key), identity: true, rollup: false, "the request's metadata tag \(key)")
    }

    /// A dimension by its exact name (`meta.KEY` for any key).
    public init?(rawValue: String) {
        if rawValue.hasPrefix(Self.tagPrefix), let d = Self.tag(String(rawValue.dropFirst(Self.tagPrefix.count))) {
            self = d
            return
        }
        guard let d = Self.all.first(where: { $0.name == rawValue }) else { return nil }
        self = d
    }

    /// The key of a request metadata dimension.
    public var tagKey: String? {
        if case .tag(let key) = value { return key }
        return nil
    }

    var bucket: TimeBucket? {
        if case .bucket(let b) = value { return b }
        return nil
    }

    /// Parses a comma-separated list like `user_email,modelId` (names match without regard to case).
    public static func parseList(_ text: String) throws(ReportError) -> [ReportDimension] {
        let names = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw .usage("--by needs at least one dimension") }
        var result: [ReportDimension] = []
        for name in names {
            guard
                let d = ReportDimension(rawValue: name)
                    ?? all.first(where: { $0.name.lowercased() == name.lowercased() })
            else {
                throw .usage("unknown dimension '\(name)'; known: \(knownNames)")
            }
            if !result.contains(d) { result.append(d) }
        }
        return result
    }

    static var knownNames: String { (all.map(\.name) + [tagPrefix + "KEY"]).joined(separator: ", ") }
}
