// Fitting a table for people into the terminal's width: shorter headers first, then long text values
// shortened in the middle, then the least needed columns left out (named in a note under the table).
// Pure: the width is given (the CLI reads it from the terminal); without one nothing changes.

struct TableFit {
    /// The header line first, then the body lines and the totals line, as the table prints them.
    var lines: [[String]]
    var numeric: [Bool]
    /// The columns' full names (the header line may shorten them).
    var names: [String]
    /// The names of the columns left out, in the order they were dropped.
    var dropped: [String] = []

    init(lines: [[String]], numeric: [Bool]) {
        self.lines = lines
        self.numeric = numeric
        names = lines.first ?? []
    }

    /// The lines under a table that had columns left out, wrapped at `width`.
    func note(width: Int) -> [String] {
        guard !dropped.isEmpty else { return [] }
        let text =
            "(not shown, to fit the terminal: \(dropped.joined(separator: ", ")); --format csv shows every column)"
        var lines: [String] = []
        for word in text.split(separator: " ") {
            if let last = lines.last, displayWidth(last) + 1 + displayWidth(String(word)) <= width {
                lines[lines.count - 1] += " " + word
            } else {
                lines.append(String(word))
            }
        }
        return lines
    }

    static let separator = 2
    /// A text column is not shortened below this (or its header's width).
    static let minimumText = 12

    var width: Int {
        guard let first = lines.first, !first.isEmpty else { return 0 }
        return columnWidths.reduce(0, +) + Self.separator * (first.count - 1)
    }

    var columnWidths: [Int] {
        var widths = Array(repeating: 0, count: numeric.count)
        for line in lines { for (i, s) in line.enumerated() { widths[i] = max(widths[i], displayWidth(s)) } }
        return widths
    }

    /// Fits `lines` into `limit` columns, in three steps, each only while the table is still too wide.
    mutating func fit(_ limit: Int) {
        guard width > limit, !lines.isEmpty else { return }
        lines[0] = lines[0].map(Self.shortHeader)
        guard width > limit else { return }
        // Each try starts from whole values, so text is shortened only as much as needed once columns are
        // left out; values with slashes keep their last part until only text columns are left to drop.
        while true {
            var attempt = self
            attempt.shortenText(limit, keepLastParts: true)
            if attempt.width <= limit {
                self = attempt
                return
            }
            if let i = numberToDrop() {
                drop(i)
                continue
            }
            attempt = self
            attempt.shortenText(limit, keepLastParts: false)
            guard attempt.width > limit, let i = textToDrop() else {
                self = attempt
                return
            }
            drop(i)
        }
    }

    private mutating func drop(_ i: Int) {
        dropped.append(names.remove(at: i))
        numeric.remove(at: i)
        for k in lines.indices { lines[k].remove(at: i) }
    }

    /// `input_tokens` → `input`, `cost_usd` → `cost`: the unit is in the values or the title.
    static func shortHeader(_ name: String) -> String {
        for suffix in ["_tokens", "_usd"] where name.hasSuffix(suffix) && name.count > suffix.count {
            return String(name.dropLast(suffix.count))
        }
        return name
    }

    /// Narrows the widest text columns, one character at a time, down to `minimumText` (or the header),
    /// and with `keepLastParts` not below what keeps the last part of every value with slashes whole.
    private mutating func shortenText(_ limit: Int, keepLastParts: Bool) {
        var widths = columnWidths
        let floor = lines[0].indices.map { i -> Int in
            if numeric[i] || isBars(i) { return widths[i] }
            var floor = max(Self.minimumText, displayWidth(lines[0][i]))
            if keepLastParts {
                for line in lines.dropFirst() {
                    if let slash = line[i].lastIndex(of: "/") {
                        floor = max(floor, min(widths[i], displayWidth(String(line[i][slash...])) + 4))
                    }
                }
            }
            return floor
        }
        var excess = width - limit
        while excess > 0 {
            guard
                let i = widths.indices.filter({ !numeric[$0] && widths[$0] > floor[$0] }).max(by: {
                    widths[$0] < widths[$1]
                })
            else { break }
            widths[i] -= 1
            excess -= 1
        }
        for k in lines.indices.dropFirst() {
            for i in lines[k].indices where !numeric[i] {
                lines[k][i] = Self.shorten(lines[k][i], to: widths[i])
            }
        }
    }

    /// The number column to leave out next: the rightmost other than the first (requests) and the last
    /// two (total, cost).
    private func numberToDrop() -> Int? {
        // A column of bars (`report --bars`) only draws a share: it goes first.
        if let bars = numeric.indices.first(where: { !numeric[$0] && isBars($0) }) { return bars }
        let numbers = numeric.indices.filter { numeric[$0] }
        let keep = Set(numbers.prefix(1) + numbers.suffix(2))
        return numbers.reversed().first { !keep.contains($0) }
    }

    /// Whether column `i` holds bars (`report --bars`): never shortened in the middle, which would change them.
    private func isBars(_ i: Int) -> Bool {
        let values = lines.dropFirst().map { $0[i] }
        return values.contains { !$0.isEmpty } && values.allSatisfy { $0.allSatisfy { "█▏▎▍▌▋▊▉#".contains($0) } }
    }

    /// The text column to leave out when numbers alone do not make room: the rightmost but the first.
    private func textToDrop() -> Int? {
        let texts = numeric.indices.filter { !numeric[$0] }
        return texts.count > 1 ? texts.last : nil
    }

    /// `s` in at most `width` columns, shortened in the middle with `…`. Something with slashes (an ARN,
    /// a path) keeps its last part whole when it fits: `arn:aws:bedrock:…/us.anthropic.claude-…-v1:0`.
    static func shorten(_ s: String, to width: Int) -> String {
        guard displayWidth(s) > width, width >= 2 else { return s }
        let characters = Array(s)
        let keep = width - 1
        var tail = keep - keep / 2
        if let slash = characters.lastIndex(of: "/") {
            let last = characters.count - slash  // with the slash
            if last <= keep - 3 { tail = last } else if last <= keep { tail = last - 1 }
        }
        var head = keep - tail
        func text() -> String { String(characters.prefix(head)) + "…" + String(characters.suffix(tail)) }
        // Wide characters: take from the longer side until it fits.
        while displayWidth(text()) > width && head + tail > 0 {
            if head >= tail { head -= 1 } else { tail -= 1 }
        }
        return text()
    }
}
