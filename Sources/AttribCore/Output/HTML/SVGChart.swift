// The charts of the HTML page as inline SVG, drawn from the cells of a table on the same page.

import Foundation

enum SVGChart {
    /// Colour-blind-safe (Okabe–Ito), then greys for the rest.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#7A5195"]
    static let companionColour = "#222222"
    static let markedColour = "#9A9A9A"
    /// Columns drawn one by one with a tooltip each, up to this many rows (about a quarter of days).
    static let tooltipRows = 92

    static func colour(_ i: Int) -> String { i < palette.count ? palette[i] : markedColour }

    /// A cell's number for drawing; absent (unpriced) and text are drawn as nothing.
    static func value(_ c: Cell) -> Double {
        switch c {
        case .int(let v): return v.map(Double.init) ?? 0
        case .number(let v): return v ?? 0
        case .text: return 0
        }
    }

    static func table(_ t: PageTable) -> Table? {
        if case .table(let table) = t.section.content { return table }
        return nil
    }

    static func num(_ v: Double) -> String {
        let s = String(format: "%.1f", v)
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }

    /// A round step for about `count` grid lines up to `maximum`.
    static func niceStep(_ maximum: Double, count: Double = 5) -> Double {
        let raw = maximum / count
        let magnitude = pow(10, floor(log10(raw)))
        for m in [1.0, 2, 2.5, 5, 10] where raw <= m * magnitude { return m * magnitude }
        return 10 * magnitude
    }

    /// An axis label: dollars or a count with a k/M suffix, shares as percentages; as many decimals as the
    /// grid's `step` needs (a day of a few cents still reads $0.002, $0.004, ...).
    static func axisLabel(_ v: Double, kind: ColumnKind, step: Double) -> String {
        let prefix = kind == .cost ? "$" : ""
        if kind == .share { return num(v * 100) + "%" }
        if v >= 1_000_000 && step >= 100_000 { return prefix + num(v / 1_000_000) + "M" }
        if v >= 10_000 && step >= 1000 { return prefix + num(v / 1000) + "k" }
        var places = 0
        while places < 6 {
            let scaled = step * pow(10, Double(places))
            if abs(scaled.rounded() - scaled) < 1e-9 { break }
            places += 1
        }
        if kind == .cost && places > 0 { places = max(places, 2) }
        return prefix + withSeparators(fixed(v, places: places))
    }

    static func open(id: String, title: String, width: Int, height: Int, tableTitle: String?) -> String {
        let t = escapeHTML(title)
        let seeAlso = escapeHTML("The numbers are in the table “\(tableTitle ?? "below")” below.")
        return
            "<figure><svg id=\"\(id)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-labelledby=\"\(id)-t \(id)-d\" xmlns=\"http://www.w3.org/2000/svg\">"
            + "<title id=\"\(id)-t\">\(t)</title><desc id=\"\(id)-d\">\(seeAlso)</desc>\n"
    }

    static func legend(_ items: [(String, String)]) -> String {
        guard !items.isEmpty else { return "" }
        var out = "<ul class=\"legend\">"
        for (name, colour) in items {
            out += "<li><span class=\"sw\" style=\"background:\(colour)\"></span><bdi>\(escapeHTML(name))</bdi></li>"
        }
        return out + "</ul>"
    }

    // MARK: columns

    static func columns(_ c: ColumnChart, id: String, table pageTable: PageTable) -> String {
        guard let table = table(pageTable) else { return "" }
        let width = 960
        let height = 300
        let left = 64.0
        let right = 8.0
        let top = 18.0
        let bottom = 34.0
        let plotW = Double(width) - left - right
        let plotH = Double(height) - top - bottom
        let rows = table.rows
        let kind = c.stacked.first.map { table.columns[$0].kind } ?? .count
        var maximum = 0.0
        for row in rows {
            let sum = c.stacked.reduce(0.0) { $0 + max(0, value(row[$1])) }
            maximum = max(maximum, sum, c.companion.map { value(row[$0]) } ?? 0)
        }
        var out = open(id: id, title: c.title, width: width, height: height, tableTitle: pageTable.section.title)
        if rows.isEmpty || maximum <= 0 {
            out +=
                "<text x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\">No requests in this window.</text>"
        } else {
            let step = niceStep(maximum)
            let ceiling = (maximum / step).rounded(.up) * step
            let y = { (v: Double) in top + plotH - v / ceiling * plotH }
            var v = 0.0
            while v <= ceiling + step / 2 {
                out +=
                    "<line x1=\"\(num(left))\" x2=\"\(num(left + plotW))\" y1=\"\(num(y(v)))\" y2=\"\(num(y(v)))\" stroke=\"#e3e3e3\"/>"
                out +=
                    "<text x=\"\(num(left - 6))\" y=\"\(num(y(v) + 4))\" text-anchor=\"end\">\(escapeHTML(axisLabel(v, kind: kind, step: step)))</text>\n"
                v += step
            }
            // A few days keep narrow columns at the left rather than one wide block.
            let slot = min(plotW / Double(rows.count), 48)
            let mainW = c.companion == nil ? slot * 0.8 : slot * 0.62
            let labelEvery = max(1, Int((Double(rows.count) / 10).rounded(.up)))
            // Up to `tooltipRows` columns each block is a rect with its tooltip; beyond (a year of days) each
            // series is one path, which keeps the page small and quick to lay out: the numbers are in the table.
            let tooltips = rows.count <= tooltipRows
            var paths = Array(repeating: "", count: c.stacked.count + 1)
            func block(_ series: Int, colour: String, x: Double, width: Double, low: Double, high: Double, tip: String)
            {
                if tooltips {
                    out +=
                        "<rect x=\"\(num(x))\" y=\"\(num(y(high)))\" width=\"\(num(width))\" height=\"\(num(y(low) - y(high)))\" fill=\"\(colour)\"><title>\(escapeHTML(tip))</title></rect>"
                } else {
                    paths[series] += "M\(num(x)) \(num(y(high)))h\(num(width))V\(num(y(low)))h-\(num(width))z"
                }
            }
            for (i, row) in rows.enumerated() {
                let x0 = left + Double(i) * slot + slot * 0.1
                let category = humanCell(row[c.category], table.columns[c.category].kind)
                func tip(_ col: Int) -> String {
                    tooltips
                        ? "\(category) · \(table.columns[col].name): \(humanCell(row[col], table.columns[col].kind))"
                        : ""
                }
                var base = 0.0
                for (s, col) in c.stacked.enumerated() {
                    let h = value(row[col])
                    guard h > 0 else { continue }
                    block(s, colour: colour(s), x: x0, width: mainW, low: base, high: base + h, tip: tip(col))
                    base += h
                }
                if let col = c.companion, value(row[col]) > 0 {
                    block(
                        c.stacked.count, colour: companionColour, x: x0 + mainW, width: slot * 0.18, low: 0,
                        high: value(row[col]), tip: tip(col))
                }
                if i % labelEvery == 0 {
                    out += "<text x=\"\(num(x0))\" y=\"\(num(top + plotH + 14))\">\(escapeHTML(category))</text>"
                }
                if tooltips { out += "\n" }
            }
            for (s, d) in paths.enumerated() where !d.isEmpty {
                out += "<path d=\"\(d)\" fill=\"\(s < c.stacked.count ? colour(s) : companionColour)\"/>\n"
            }
            out +=
                "<line x1=\"\(num(left))\" x2=\"\(num(left + plotW))\" y1=\"\(num(y(0)))\" y2=\"\(num(y(0)))\" stroke=\"#1a1a1a\"/>"
            if let marker = c.marker,
                let i = rows.firstIndex(where: { humanCell($0[c.category], .dimension) == marker })
            {
                let x = left + Double(i) * slot
                out +=
                    "<line x1=\"\(num(x))\" x2=\"\(num(x))\" y1=\"\(num(top - 4))\" y2=\"\(num(top + plotH))\" stroke=\"#C00000\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/>"
                let anchor = Double(i) > Double(rows.count) * 0.7 ? "end" : "start"
                out +=
                    "<text x=\"\(num(anchor == "end" ? x - 4 : x + 4))\" y=\"\(num(top + 6))\" text-anchor=\"\(anchor)\" fill=\"#C00000\">\(escapeHTML(c.markerLabel))</text>\n"
            }
        }
        out += "</svg>\n"
        var items = c.stacked.enumerated().map { (table.columns[$1].name, colour($0)) }
        if let col = c.companion { items.append((table.columns[col].name + " (thin dark column)", companionColour)) }
        if c.marker != nil { items.append((c.markerLabel + " (dashed line)", "#C00000")) }
        out += legend(items)
        out +=
            "<figcaption>\(escapeHTML(c.title)). Hover a column for its numbers; all of them are in the table below.</figcaption></figure>\n"
        return out
    }

    // MARK: bars

    static func bars(_ b: BarChart, id: String, table pageTable: PageTable) -> String {
        guard let table = table(pageTable) else { return "" }
        let rows = table.rows
        let width = 960
        let labelW = 250.0
        let valueW = 110.0
        let barH = 13.0
        let gap = 7.0
        let groupH = Double(b.values.count) * barH + gap
        let height = Int(max(40, Double(rows.count) * groupH + 12))
        let plotW = Double(width) - labelW - valueW
        let isShare = b.values.allSatisfy { table.columns[$0].kind == .share }
        var maximum = isShare ? 1.0 : 0.0
        for row in rows { for col in b.values { maximum = max(maximum, value(row[col])) } }
        var out = open(id: id, title: b.title, width: width, height: height, tableTitle: pageTable.section.title)
        if rows.isEmpty || maximum <= 0 {
            out += "<text x=\"\(width / 2)\" y=\"24\" text-anchor=\"middle\">No requests in this window.</text>"
        } else {
            for (r, row) in rows.enumerated() {
                let y0 = 6 + Double(r) * groupH
                let full: String
                if case .text(nil) = row[b.label] {
                    full = b.absentLabel
                } else {
                    full = humanCell(row[b.label], table.columns[b.label].kind)
                }
                let shown = full.count > 36 ? String(full.prefix(35)) + "…" : full
                out +=
                    "<text x=\"\(num(labelW - 8))\" y=\"\(num(y0 + groupH / 2))\" text-anchor=\"end\" unicode-bidi=\"isolate\"><title>\(escapeHTML(full))</title>\(escapeHTML(shown))</text>"
                for (s, col) in b.values.enumerated() {
                    let v = value(row[col])
                    let y = y0 + Double(s) * barH
                    let w = max(0, v / maximum * plotW)
                    let fill = pageTable.markedRows.contains(r) ? markedColour : colour(s)
                    let text = humanCell(row[col], table.columns[col].kind)
                    out +=
                        "<rect x=\"\(num(labelW))\" y=\"\(num(y))\" width=\"\(num(w))\" height=\"\(num(barH - 2))\" fill=\"\(fill)\"><title>\(escapeHTML("\(full) · \(table.columns[col].name): \(text)"))</title></rect>"
                    out += "<text x=\"\(num(labelW + w + 4))\" y=\"\(num(y + barH - 3))\">\(escapeHTML(text))</text>"
                }
                out += "\n"
            }
        }
        out += "</svg>\n"
        if b.values.count > 1 {
            out += legend(b.values.enumerated().map { (table.columns[$1].name, colour($0)) })
        }
        if !pageTable.markedRows.isEmpty {
            out += legend([("grey: " + "rows outside the named ones (others, or no identity)", markedColour)])
        }
        out += "<figcaption>\(escapeHTML(b.title)). The same rows are in the table below.</figcaption></figure>\n"
        return out
    }
}
