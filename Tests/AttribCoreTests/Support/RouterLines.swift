// The router's log lines for one Bedrock request (req-1), one Mantle request (req-2) and an orphan usage line.

import Foundation

let started =
    #"{"timestamp": "2026-03-02T09:00:00.000Z", "level": "INFO", "message": "Request started", "request_id": "req-1", "method": "POST", "path": "/v1/messages", "auth_source": "cognito", "user_sub": "sub-1", "user_email": "ana@example.com"}"#
let invoking =
    #"{"timestamp": "2026-03-02T09:00:00.010Z", "level": "INFO", "message": "Invoking Bedrock", "request_id": "req-1", "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "operation": "ConverseStream"}"#
let usage =
    #"{"timestamp": "2026-03-02T09:00:03.000Z", "level": "INFO", "message": "Stream usage emitted", "request_id": "req-1", "modelId": "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "input_tokens": 100, "output_tokens": 200, "cache_read_input_tokens": 300, "cache_creation_input_tokens": 400}"#
let completed =
    #"{"timestamp": "2026-03-02T09:00:03.100Z", "level": "INFO", "message": "Request completed", "request_id": "req-1", "status": 200, "duration_ms": 3100, "auth_source": "cognito", "user_sub": "sub-1", "user_email": "ana@example.com"}"#
let mantle =
    #"{"timestamp": "2026-03-02T09:05:00.000Z", "message": "Mantle streaming complete", "request_id": "req-2", "modelId": "moonshotai.kimi-k2.5", "prompt_tokens": 1000, "completion_tokens": 10, "total_tokens": 1010, "prompt_tokens_details": {"cached_tokens": 250}}"#
let orphan =
    #"{"timestamp": "2026-03-02T09:06:00.000Z", "message": "Stream usage emitted", "modelId": "anthropic.claude-3-5-haiku-20241022-v1:0", "input_tokens": 5, "output_tokens": 6}"#

/// `s` as a JSON string literal, quotes included: a line embedded as an envelope's message.
func jsonString(_ s: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])
    let array = String(decoding: data, as: UTF8.self)
    return String(array.dropFirst().dropLast())
}
