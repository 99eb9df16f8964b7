// Reads `aws ce get-cost-and-usage` output (grouped by USAGE_TYPE, and optionally SERVICE or RECORD_TYPE) into
// bill lines: the bill for someone without a CUR export. A file holds one answer, or several one after another
// (pages appended with `>>`); a group is one cell of the answer (its time period and keys), so a page met twice,
// in one file or two, is counted once (BillCollector drops a repeated cell).

import Foundation

/// Does the start of a JSON document look like Cost Explorer's output? (Its first keys, pretty or compact.)
private let costExplorerKeys: [[UInt8]] = [Array("\"ResultsByTime\"".utf8), Array("\"GroupDefinitions\"".utf8)]

/// Looks at 512 bytes at most, without copying them: it runs on the start of every JSON input.
func looksLikeCostExplorer(_ p: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> Bool {
    let end = min(count, start + 512)
    var i = start
    while i < end {
        if p[i] == 0x22 {  // a quote: compare the key that may start here
            for key in costExplorerKeys where i + key.count <= end {
                var j = 0
                while j < key.count && p[i + j] == key[j] { j += 1 }
                if j == key.count { return true }
            }
        }
        i += 1
    }
    return false
}

final class CostExplorerReader {
    private let cursor: StreamCursor
    private let sink: BillSink
    private let file: String

    init(cursor: StreamCursor, file: String, sink: BillSink) {
        self.cursor = cursor
        self.file = file
        self.sink = sink
    }

    func run() throws {
        // Cost Explorer answers are small (a row per usage type and day): read the document whole.
        while try cursor.fill() {}
        let data = Data(bytes: cursor.storage + cursor.pos, count: cursor.end - cursor.pos)
        cursor.pos = cursor.end
        guard cursor.pendingError == nil else {
            sink.billFileRead(file: file, otherLines: 0, complete: false)
            return
        }
        let documents = jsonDocuments(data)
        var other = 0
        var complete = true
        for (page, range) in documents.ranges.enumerated() {
            let at = documents.ranges.count > 1 ? "document \(page + 1) (byte \(range.lowerBound)): " : ""
            guard let object = (try? JSONSerialization.jsonObject(with: data[range])) as? [String: Any],
                let results = object["ResultsByTime"] as? [[String: Any]]
            else {
                sink.billProblem(
                    file: file, line: 0,
                    reason:
                        "\(at)not a Cost Explorer answer (no ResultsByTime list); \(at.isEmpty ? "file" : "document") skipped"
                )
                complete = false
                continue
            }
            guard read(object, results, page: page, at: at, other: &other) else {
                complete = false
                continue
            }
        }
        if let junk = documents.trailing {
            sink.billProblem(
                file: file, line: 0, reason: "byte \(junk): not the start of a JSON document; the rest is skipped")
            complete = false
        }
        sink.billFileRead(file: file, otherLines: other, complete: complete)
    }

    /// One answer's groups into bill lines; false when the answer is not grouped by usage type.
    private func read(
        _ object: [String: Any], _ results: [[String: Any]], page: Int, at prefix: String, other: inout Int
    ) -> Bool {
        let keys = (object["GroupDefinitions"] as? [[String: Any]] ?? []).map { ($0["Key"] as? String) ?? "" }
        let usageIndex = keys.firstIndex(of: "USAGE_TYPE")
        let serviceIndex = keys.firstIndex(of: "SERVICE")
        let recordIndex = keys.firstIndex(of: "RECORD_TYPE")
        guard let usageIndex else {
            sink.billProblem(
                file: file, line: 0,
                reason:
                    "\(prefix)Cost Explorer answer not grouped by USAGE_TYPE (--group-by Type=DIMENSION,Key=USAGE_TYPE); \(prefix.isEmpty ? "file" : "document") skipped"
            )
            return false
        }
        for (n, result) in results.enumerated() {
            let period = result["TimePeriod"] as? [String: Any]
            guard let startText = period?["Start"] as? String, let startMs = parseCURTime(startText + "T00:00:00Z")
            else {
                sink.billProblem(
                    file: file, line: 0, reason: "\(prefix)ResultsByTime[\(n)] has no TimePeriod.Start date; skipped")
                continue
            }
            let endMs = (period?["End"] as? String).flatMap { parseCURTime($0 + "T00:00:00Z") } ?? startMs
            for (g, group) in (result["Groups"] as? [[String: Any]] ?? []).enumerated() {
                let groupKeys = group["Keys"] as? [String] ?? []
                guard usageIndex < groupKeys.count else { continue }
                let usageType = groupKeys[usageIndex]
                let service = serviceIndex.flatMap { $0 < groupKeys.count ? groupKeys[$0] : nil }
                if let service {
                    guard service.hasPrefix("Amazon Bedrock") || service.contains("(Amazon Bedrock Edition)") else {
                        other += 1
                        continue
                    }
                } else if UsageType(usageType) == nil {
                    // Not grouped by SERVICE: only usage types that name Bedrock tokens are taken as Bedrock's.
                    other += 1
                    continue
                }
                let metrics = group["Metrics"] as? [String: Any] ?? [:]
                let cost = metrics["UnblendedCost"] as? [String: Any]
                let quantity = metrics["UsageQuantity"] as? [String: Any]
                let at = "\(prefix)ResultsByTime[\(n)].Groups[\(g)]"
                guard let costText = cost?["Amount"] as? String, let micros = parseMicros(costText) else {
                    sink.billProblem(
                        file: file, line: 0,
                        reason:
                            "\(at): UnblendedCost.Amount '\(cost?["Amount"].map { "\($0)" } ?? "")' is not a number; skipped"
                    )
                    continue
                }
                let amountText = quantity?["Amount"] as? String ?? "0"
                guard let amount = Double(amountText) else {
                    sink.billProblem(
                        file: file, line: 0,
                        reason: "\(at): UsageQuantity.Amount '\(amountText)' is not a number; skipped")
                    continue
                }
                let record = recordIndex.flatMap { $0 < groupKeys.count ? groupKeys[$0] : nil } ?? "Usage"
                let itemType = record.replacingOccurrences(of: " ", with: "")
                sink.billLine(
                    BillLine(
                        period: monthLabel(startMs), startMs: startMs, endMs: endMs, account: nil,
                        productCode: service ?? "AmazonBedrock", productName: service,
                        kind: BillLineKind(lineItemType: itemType),
                        lineItemType: itemType, usageType: usageType, operation: nil, usageAmount: amount,
                        pricingUnit: quantity?["Unit"] as? String, unblendedMicros: micros, netMicros: nil,
                        principal: nil,
                        file: file, line: page * 1_000_000_000 + n * 100_000 + g + 1,
                        cell: "\(startMs) \(endMs) \(groupKeys.joined(separator: "\u{1}"))"))
            }
        }
        return true
    }
}

/// The byte ranges of the JSON documents of `data`, one after another (whitespace between them), and where
/// something that is not a document starts, if anything does. Strings and escapes are followed, so braces in
/// a string do not count; a document is a top-level object or array.
func jsonDocuments(_ data: Data) -> (ranges: [Range<Int>], trailing: Int?) {
    var ranges: [Range<Int>] = []
    var depth = 0
    var start = 0
    var inString = false
    var escaped = false
    var trailing: Int?
    data.withUnsafeBytes { (p: UnsafeRawBufferPointer) in
        for i in 0..<p.count {
            let b = p[i]
            if inString {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch b {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 0 { start = i }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { ranges.append(start..<(i + 1)) }
                if depth < 0 {
                    trailing = i
                    return
                }
            case UInt8(ascii: "\""):
                inString = true
                if depth == 0 {
                    trailing = i
                    return
                }
            case 0x20, 0x09, 0x0A, 0x0D:
                break
            default:
                if depth == 0 {
                    trailing = i
                    return
                }
            }
        }
        if depth > 0 { trailing = start }
    }
    return (ranges, trailing)
}
