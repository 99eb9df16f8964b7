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
    var isText: Bool { !isInteger && self != .timestamp && self != .loggedCost }
}
