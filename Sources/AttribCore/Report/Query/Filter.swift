// `--where DIM=VALUE`, `DIM!=VALUE`, `DIM~GLOB`: compiled to SQL predicates by the generator.

import Foundation

public struct Filter: Sendable, Equatable {
    public enum Op: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case glob = "~"
    }
    public var dimension: ReportDimension
    public var op: Op
    public var value: String

    public init(dimension: ReportDimension, op: Op, value: String) {
        self.dimension = dimension
        self.op = op
        self.value = value
    }

    /// The first operator in the text splits it: `path~*a=b*` is a glob whose pattern holds `=`. Field
    /// names match without regard to case, as in `--by`.
    public static func parse(_ text: String) throws(ReportError) -> Filter {
        var op: Op?
        var i = text.startIndex
        while i < text.endIndex {
            let next = text.index(after: i)
            if text[i] == "!" && next < text.endIndex && text[next] == "=" {
                op = .notEqual
            } else if text[i] == "=" {
                op = .equal
            } else if text[i] == "~" {
                op = .glob
            }
            if let op {
                let valueStart = text.index(i, offsetBy: op.rawValue.count)
                let name = String(text[..<i]).trimmingCharacters(in: .whitespaces)
                let value = String(text[valueStart...])
                guard
                    let d = ReportDimension(rawValue: name)
                        ?? ReportDimension.all.first(where: { $0.name.lowercased() == name.lowercased() })
                else {
                    throw .usage("--where '\(text)': unknown field '\(name)'; known: \(ReportDimension.knownNames)")
                }
                return Filter(dimension: d, op: op, value: value)
            }
            i = next
        }
        throw .usage("--where '\(text)': expected FIELD=VALUE, FIELD!=VALUE or FIELD~GLOB")
    }

    /// The rule the SQL predicates implement: an absent value matches `FIELD=` (empty) and never a glob.
    func matches(_ v: String?) -> Bool {
        switch op {
        case .equal: return (v ?? "") == value
        case .notEqual: return (v ?? "") != value
        case .glob: return v.map { fnmatch(value, $0, 0) == 0 } ?? false
        }
    }
}
