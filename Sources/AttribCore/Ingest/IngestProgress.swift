// The progress line an ingest draws on a terminal, as a pure function of what the run has counted.
// Both sides of "read / total" are bytes of the files as stored (compressed when they are).

import Foundation

public enum IngestProgress {
    /// One line: bytes read of the total (at most 99% while the run goes on: the last file's requests
    /// are still to be written when its bytes are all read), events, events per second, and an estimate
    /// of the time left once a few seconds and a few percent give a rate to go by.
    public static func line(events: Int, read: Int64, total: Int64?, elapsedSeconds: Double) -> String {
        let rate = Double(events) / max(elapsedSeconds, 0.001)
        var bytes = String(format: "%.1f MB", Double(read) / 1_048_576)
        var left = ""
        if let total, total > 0 {
            let read = min(read, total)
            let percent = min(99, read * 100 / total)
            bytes = String(
                format: "%.1f / %.1f MB (%d%%)", Double(read) / 1_048_576, Double(total) / 1_048_576, Int(percent))
            let remaining = read > 0 ? elapsedSeconds * Double(total - read) / Double(read) : 0
            if elapsedSeconds >= 3 && read * 20 >= total && remaining >= 0.5 {
                left = ", about \(duration(remaining)) left"
            }
        }
        return "ingest: \(bytes), \(withSeparators(events)) events, \(withSeparators(Int(rate))) events/s\(left)"
    }

    /// `30 s`, `3 min`: seconds up to a minute and a half, then whole minutes.
    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? "\(Int(seconds.rounded())) s" : "\(Int((seconds / 60).rounded())) min"
    }
}
