// A row's share drawn as a bar of text, for the terminal table's `--bars` column.

/// How `--bars` draws: block characters with eighths, or plain `#` when the terminal or NO_COLOR asks.
public struct ShareBar: Sendable, Equatable {
    /// The width of a 100% bar, in terminal cells.
    public var width: Int
    /// `#` only (no Unicode blocks): for NO_COLOR, TERM=dumb and terminals that are not UTF-8.
    public var plain: Bool

    public init(width: Int = 20, plain: Bool = false) {
        self.width = width
        self.plain = plain
    }

    static let eighths = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]

    /// The bar of `share` (0 to 1, clamped); a share above zero always shows at least its smallest mark.
    public func draw(_ share: Double) -> String {
        let s = min(max(share.isFinite ? share : 0, 0), 1)
        if plain {
            var n = Int((s * Double(width)).rounded())
            if n == 0 && s > 0 { n = 1 }
            return String(repeating: "#", count: n)
        }
        var units = Int((s * Double(width * 8)).rounded())
        if units == 0 && s > 0 { units = 1 }
        return String(repeating: "█", count: units / 8) + ShareBar.eighths[units % 8]
    }
}
