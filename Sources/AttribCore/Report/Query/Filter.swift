// `--where DIM=VALUE`, `DIM!=VALUE`, `DIM~GLOB`: compiled to SQL predicates by the generator.

import Foundation

public struct Filter: Sendable, Equatable {
    public enum Op: String, Sendable { case equal = "=", notEqual = "!=", glob = "~" }
    public var dimension: ReportDimension
    public var op: Op
    public var value: String

    public init(dimension: ReportDimension, op: Op, value: String) {
        self.dimension = dimension
        self.op = op
        self.value = value
    }

    public static func parse(_ text: String) throws(ReportError) -> Filter {
        for op in [Op.notEqual, .equal, .glob] {
            if let r = text.range(of: op.rawValue) {
                let name = String(text[..<r.lowerBound]).trimmingCharacters(in: .whitespaces)
                let value = String(text[r.upperBound...])
                guard let d = ReportDimension(rawValue: name) else {
                    throw .usage("--where '\(text)': unknown field '\(name)'; known: \(ReportDimension.knownNames)")
                }
                return Filter(dimension: d, op: op, value: value)
            }
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
