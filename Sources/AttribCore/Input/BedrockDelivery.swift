// What Bedrock's model-invocation logging writes to S3 beside its records: the permission-check object it
// writes when logging is set up, and the large request and response bodies under `data/`. Neither holds
// invocation records, so both are set aside before reading (one line each, the bodies in one counted line),
// never read into a storm of rejects.

enum BedrockDelivery {
    /// `files` without Bedrock's permission-check objects and `data/` body files, and the lines saying so.
    static func setAside(_ files: [InputFile]) -> (files: [InputFile], lines: [String]) {
        var kept: [InputFile] = []
        var lines: [String] = []
        var bodies = 0
        for file in files {
            let parts = file.path.split(separator: "/")
            if parts.last == "amazon-bedrock-logs-permission-check" {
                lines.append("\(file.path): Bedrock's logging permission check, not a log; skipped")
            } else if let logs = parts.firstIndex(of: "BedrockModelInvocationLogs"),
                parts[(logs + 1)..<(parts.count - 1)].contains("data")
            {
                bodies += 1
            } else {
                kept.append(file)
            }
        }
        if bodies > 0 {
            lines.append(
                "\(bodies) Bedrock invocation body file(s) under BedrockModelInvocationLogs/.../data/ skipped: request and response bodies, not invocation records"
            )
        }
        return (kept, lines)
    }
}
