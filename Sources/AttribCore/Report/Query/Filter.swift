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

/// One piece of an fnmatch pattern (flags 0), as `--where DIM~GLOB` reads it; each SQL dialect renders the
/// pieces in its own pattern language.
enum GlobPiece: Equatable {
    /// `*`
    case anyRun
    /// `?`
    case anyOne
    /// A character matched as itself (escaped with a backslash, or a `[` that never closes).
    case literal(Character)
    /// `[...]`, negated by a leading `!` or `^`; the body as written (`]` first is a member).
    case set(negated: Bool, body: [Character])

    /// The pieces of `pattern`; nil when it ends in a lone backslash (fnmatch matches nothing with it).
    static func parse(_ pattern: String) -> [GlobPiece]? {
        let c = Array(pattern)
        var pieces: [GlobPiece] = []
        var i = 0
        while i < c.count {
            switch c[i] {
            case "\\":
                guard i + 1 < c.count else { return nil }
                pieces.append(.literal(c[i + 1]))
                i += 2
            case "*":
                pieces.append(.anyRun)
                i += 1
            case "?":
                pieces.append(.anyOne)
                i += 1
            case "[":
                var j = i + 1
                if j < c.count && (c[j] == "!" || c[j] == "^") { j += 1 }
                if j < c.count && c[j] == "]" { j += 1 }
                while j < c.count && c[j] != "]" { j += 1 }
                guard j < c.count else {
                    pieces.append(.literal("["))
                    i += 1
                    continue
                }
                var body = Array(c[(i + 1)..<j])
                let negated = body.first == "!" || body.first == "^"
                if negated { body.removeFirst() }
                pieces.append(.set(negated: negated, body: body))
                i = j + 1
            default:
                pieces.append(.literal(c[i]))
                i += 1
            }
        }
        return pieces
    }
}
