// A gateway's field mapping: for each canonical field, the JSON paths that carry it (data, not code: Mappings/*.json).

/// For each canonical field, the JSON paths that may carry it, in order of preference.
public struct FieldMapping: Sendable {
    public var name: String
    public var paths: [(CanonicalField, [[String]])]

    /// The router's schema (SPEC §2), with the other gateways' common names as fallbacks.
    public static let router = FieldMapping(
        name: "router",
        paths: [
            (.requestId, [["request_id"], ["requestId"], ["correlation_id"]]),
            (.statement, [["message"], ["msg"], ["event"]]),
            (.timestamp, [["timestamp"], ["time"], ["@timestamp"]]),
            (.userEmail, [["user_email"]]),
            (.userSub, [["user_sub"]]),
            (.authSource, [["auth_source"]]),
            (.userId, [["user_id"]]),
            (.apiKeyId, [["api_key_id"]]),
            (.project, [["project_id"], ["api_key_project_id"]]),
            (.modelId, [["modelId"], ["model"], ["model_id"]]),
            (.inputTokens, [["input_tokens"], ["usage", "input_tokens"]]),
            (.outputTokens, [["output_tokens"], ["usage", "output_tokens"]]),
            (.cacheReadTokens, [["cache_read_input_tokens"], ["usage", "cache_read_input_tokens"]]),
            (.cacheWriteTokens, [["cache_creation_input_tokens"], ["usage", "cache_creation_input_tokens"]]),
            (.promptTokens, [["prompt_tokens"], ["usage", "prompt_tokens"]]),
            (.completionTokens, [["completion_tokens"], ["usage", "completion_tokens"]]),
            (.cachedTokens, [["prompt_tokens_details", "cached_tokens"], ["usage", "prompt_tokens_details", "cached_tokens"]]),
            (.status, [["status"], ["status_code"]]),
            (.latencyMs, [["duration_ms"], ["latency_ms"]]),
            (.method, [["method"]]),
            (.path, [["path"]]),
            (.userAgent, [["user_agent"]]),
            (.loggedCost, [["cost"], ["cost_usd"]]),
        ])
}
