// The fields attrib understands, whatever a gateway calls them; a mapping file names them by these case names.

/// The fields attrib understands, whatever a gateway calls them.
public enum CanonicalField: Int, CaseIterable, Sendable {
    case requestId, statement, timestamp
    case userEmail, userSub, authSource, userId, apiKeyId, project
    case modelId
    case inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens
    case promptTokens, completionTokens, cachedTokens
    case status, latencyMs, method, path, userAgent
    case loggedCost
    /// The caller's IAM principal (an ARN: Bedrock's `identity.arn`) and network address.
    case principal, clientIp
    /// A gateway's own token id (llm-proxy's `token_id`).
    case tokenId
    /// A string map of caller-set tags (Bedrock's `requestMetadata`): each key a dimension `meta.KEY`.
    case requestMetadata

    var isTokenCount: Bool {
        switch self {
        case .inputTokens, .outputTokens, .cacheReadTokens, .cacheWriteTokens, .promptTokens,
            .completionTokens, .cachedTokens:
            return true
        default: return false
        }
    }

    var isInteger: Bool { isTokenCount || self == .status || self == .latencyMs }

    /// Taken as text (not a number, time or cost).
    var isText: Bool { !isInteger && self != .timestamp && self != .loggedCost && self != .requestMetadata }
}

extension CanonicalField {
    /// The field's name in a mapping file: its case name (`modelId`). Renaming a case renames the key in
    /// every mapping file; the tests that load Mappings/router.json catch a rename made by accident.
    public var key: String { String(describing: self) }

    static let byKey: [String: CanonicalField] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.key, $0) })
}
