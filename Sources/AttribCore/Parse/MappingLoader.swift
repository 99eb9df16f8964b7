// Reads a mapping file (Mappings/*.json, README "Mapping files") into a FieldMapping; every error names the
// file, the position and the key, and no key goes unread (a typo is an error, not a mapping that never matches).

import Foundation

/// A mapping file that cannot be used: which file, where, which key, and what was expected.
public struct MappingError: Error, Equatable, CustomStringConvertible, Sendable {
    public var file: String
    /// 1-based line and column (in characters) of the key or value at fault, when there is one.
    public var line: Int?
    public var column: Int?
    /// The key path, e.g. `fields.modelId[1]`; empty when the fault is the file as a whole.
    public var key: String
    public var reason: String

    /// `router.json:7:18: fields.modelId: expected an array of paths, …`
    public var description: String {
        var s = file
        if let line, let column { s += ":\(line):\(column)" }
        if !key.isEmpty { s += ": \(key)" }
        return s + ": " + reason
    }
}

/// Loads and checks mapping files.
public enum MappingLoader {
    /// The mapping-file format this attrib reads (the file's `format` key). A later format is refused, not
    /// guessed at.
    public static let format = 1

    /// Reads the mapping file at `path`; its name is the file's name without `.json`.
    public static func load(path: String) throws(MappingError) -> FieldMapping {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw MappingError(file: path, key: "", reason: reason)
        }
        return try decode([UInt8](data), file: path)
    }

    /// Decodes a mapping file's text; `file` names it in errors and gives the mapping its name.
    public static func decode(_ text: String, file: String) throws(MappingError) -> FieldMapping {
        try decode(Array(text.utf8), file: file)
    }

    static func decode(_ bytes: [UInt8], file: String) throws(MappingError) -> FieldMapping {
        var reader = MappingJSONReader(bytes: bytes, file: file)
        let root = try reader.document()
        var base = Substring(file.split(separator: "/", omittingEmptySubsequences: false).last ?? "")
        if base.hasSuffix(".json") { base = base.dropLast(5) }
        return try MappingDecoder(file: file, bytes: bytes).mapping(root, name: String(base))
    }
}

/// Turns a mapping file's JSON into a FieldMapping, naming the key of anything it cannot use.
struct MappingDecoder {
    let file: String
    let bytes: [UInt8]

    static let topKeys = [
        "format", "description", "recognize", "absent", "units", "values", "derive", "fields", "routes", "record",
    ]
    static let unitKeys = ["latencyMs", "timestamp"]
    static let latencyUnits: [String: Double] = ["ms": 1, "s": 1000]
    static let valueRules = ["arn-name"]
    /// `derive`'s rules: a value rule, or `copy` (the other field's value as it is).
    static let deriveRules = valueRules + ["copy"]
    static let routes = ["mantle"]

    private func fail(_ key: String, at offset: Int, _ reason: String) -> MappingError {
        let (line, column) = MappingJSON.position(of: offset, in: bytes)
        return MappingError(file: file, line: line, column: column, key: key, reason: reason)
    }

    /// `parent.key`, or `parent["a.b"]` when the key could be misread (a dot, a bracket, a space, empty).
    private func child(_ parent: String, _ key: String) -> String {
        let plain =
            !key.isEmpty && key.unicodeScalars.allSatisfy { !".[] \"".unicodeScalars.contains($0) && $0.value > 0x20 }
        if !plain { return parent + "[\(MappingJSON.quoted(key))]" }
        return parent.isEmpty ? key : parent + "." + key
    }

    func mapping(_ root: MappingJSON, name: String) throws(MappingError) -> FieldMapping {
        guard case .object(let members) = root.value else {
            throw fail("", at: root.offset, "expected an object with the keys \(Self.topKeys.joined(separator: ", "))")
        }
        var format: Double?
        var fields: MappingJSON?
        var routes: MappingJSON?
        var values: MappingJSON?
        var derive: MappingJSON?
        var record: MappingJSON?
        var description = ""
        var absent = [""]
        var recognize: [[FieldMapping.RecognizeCondition]] = []
        var units: (FieldMapping.TimestampUnit, Double) = (.auto, 1)
        for m in members {
            let key = child("", m.key)
            switch m.key {
            case "format":
                guard case .number(let n) = m.value.value else {
                    throw fail(key, at: m.value.offset, "expected a number: \(MappingLoader.format)")
                }
                format = n
            case "description":
                guard case .string(let s) = m.value.value else {
                    throw fail(key, at: m.value.offset, "expected a string")
                }
                description = s
            case "absent":
                absent = try decodeAbsent(m.value, key)
            case "recognize":
                recognize = try decodeRecognize(m.value, key)
            case "units":
                units = try decodeUnits(m.value, key)
            case "values":
                values = m.value
            case "derive":
                derive = m.value
            case "fields":
                fields = m.value
            case "routes":
                routes = m.value
            case "record":
                record = m.value
            default:
                throw fail(key, at: m.keyOffset, "unknown key (known: \(Self.topKeys.joined(separator: ", ")))")
            }
        }
        guard let format else {
            throw fail("format", at: root.offset, "missing: the format of the file, \(MappingLoader.format)")
        }
        guard format == Double(MappingLoader.format) else {
            let n = format == format.rounded() && abs(format) < 1e9 ? String(Int(format)) : String(format)
            throw fail(
                "format", at: memberOffset(members, "format"),
                "format \(n) is not supported: this attrib reads format \(MappingLoader.format)")
        }
        guard let fields else { throw fail("fields", at: root.offset, "missing: the paths of each canonical field") }
        let paths = try decodeFields(fields)
        var mantle: [String] = []
        if let routes {
            mantle = try decodeRoutes(routes)
            if !mantle.isEmpty && !paths.contains(where: { $0.0 == .statement }) {
                throw fail(
                    "routes", at: routes.offset, "statements need a path for the statement: add fields.statement")
            }
        }
        var mapping = FieldMapping(name: name, paths: paths, mantleStatements: mantle)
        mapping.description = description
        mapping.absent = absent
        mapping.recognize = recognize
        (mapping.timestampUnit, mapping.latencyScale) = units
        if let values { mapping.arnNameFields = try decodeValues(values, fields: paths.map(\.0)) }
        if let derive {
            let all = try decodeDerive(derive, fields: paths.map(\.0))
            mapping.derived = all.filter { $0.rule == "arn-name" }.map { ($0.field, $0.from) }
            mapping.copied = all.filter { $0.rule == "copy" }.map { ($0.field, $0.from) }
        }
        if let record { mapping.recordField = try decodeRecord(record, fields: paths.map(\.0)) }
        return mapping
    }

    /// `"record": "requestId"`: the text field whose value, with the row's table, identifies a table row.
    private func decodeRecord(_ node: MappingJSON, fields: [CanonicalField]) throws(MappingError) -> CanonicalField {
        guard case .string(let name) = node.value, let field = CanonicalField.byKey[name], field.isText else {
            throw fail("record", at: node.offset, "expected the name of a text field, e.g. \"requestId\"")
        }
        guard fields.contains(field) else { throw fail("record", at: node.offset, "the field has no paths in fields") }
        return field
    }

    private func memberOffset(_ members: [(key: String, keyOffset: Int, value: MappingJSON)], _ key: String) -> Int {
        members.first { $0.key == key }?.value.offset ?? 0
    }

    /// The text values that mean absent; `""` always does (SPEC §2), and so does null.
    private func decodeAbsent(_ node: MappingJSON, _ key: String) throws(MappingError) -> [String] {
        guard case .array(let items) = node.value else {
            throw fail(key, at: node.offset, "expected an array of strings, e.g. [\"\", \"UNKNOWN\"]")
        }
        var values = [""]
        for (n, item) in items.enumerated() {
            guard case .string(let s) = item.value else {
                throw fail(key + "[\(n)]", at: item.offset, "expected a string")
            }
            if !values.contains(s) { values.append(s) }
        }
        return values
    }

    /// `units`: `latencyMs` in `ms` or `s`; a numeric `timestamp` as `auto`, `epoch-s` or `epoch-ms`.
    private func decodeUnits(_ node: MappingJSON, _ key: String) throws(MappingError) -> (
        FieldMapping.TimestampUnit, Double
    ) {
        guard case .object(let members) = node.value else {
            throw fail(
                key, at: node.offset, "expected an object, e.g. {\"latencyMs\": \"s\", \"timestamp\": \"epoch-s\"}")
        }
        var result: (FieldMapping.TimestampUnit, Double) = (.auto, 1)
        for m in members {
            let k = child(key, m.key)
            guard case .string(let unit) = m.value.value else {
                throw fail(k, at: m.value.offset, "expected a unit (a string)")
            }
            switch m.key {
            case "latencyMs":
                guard let scale = Self.latencyUnits[unit] else {
                    throw fail(k, at: m.value.offset, "unknown unit \(MappingJSON.quoted(unit)) (known: ms, s)")
                }
                result.1 = scale
            case "timestamp":
                guard let u = FieldMapping.TimestampUnit(rawValue: unit) else {
                    let known = FieldMapping.TimestampUnit.allCases.map(\.rawValue).joined(separator: ", ")
                    throw fail(k, at: m.value.offset, "unknown unit \(MappingJSON.quoted(unit)) (known: \(known))")
                }
                result.0 = u
            default:
                throw fail(
                    k, at: m.keyOffset, "no unit to set for this key (known: \(Self.unitKeys.joined(separator: ", ")))")
            }
        }
        return result
    }

    /// `values`: per text field, a rule applied to its value (`arn-name`: an ARN becomes its principal's name).
    private func decodeValues(_ node: MappingJSON, fields: [CanonicalField]) throws(MappingError) -> [CanonicalField] {
        guard case .object(let members) = node.value else {
            throw fail("values", at: node.offset, "expected an object, e.g. {\"userId\": \"arn-name\"}")
        }
        var result: [CanonicalField] = []
        for m in members {
            let k = child("values", m.key)
            guard let field = CanonicalField.byKey[m.key], field.isText else {
                throw fail(k, at: m.keyOffset, "expected a canonical text field (\(Self.textFields))")
            }
            guard fields.contains(field) else {
                throw fail(k, at: m.keyOffset, "the field has no paths in fields")
            }
            guard case .string(let rule) = m.value.value, Self.valueRules.contains(rule) else {
                throw fail(k, at: m.value.offset, "expected a rule (known: \(Self.valueRules.joined(separator: ", ")))")
            }
            result.append(field)
        }
        return result
    }

    /// `derive`: `{"userId": {"from": "principal", "rule": "arn-name"}}`: a text field absent from a line
    /// takes another text field's value through a rule.
    private func decodeDerive(_ node: MappingJSON, fields: [CanonicalField]) throws(MappingError) -> [(
        field: CanonicalField, from: CanonicalField, rule: String
    )] {
        let hint = "expected an object, e.g. {\"userId\": {\"from\": \"principal\", \"rule\": \"arn-name\"}}"
        guard case .object(let members) = node.value else { throw fail("derive", at: node.offset, hint) }
        var result: [(field: CanonicalField, from: CanonicalField, rule: String)] = []
        for m in members {
            let k = child("derive", m.key)
            guard let field = CanonicalField.byKey[m.key], field.isText else {
                throw fail(k, at: m.keyOffset, "expected a canonical text field (\(Self.textFields))")
            }
            guard case .object(let spec) = m.value.value else { throw fail(k, at: m.value.offset, hint) }
            var from: CanonicalField?
            var rule: String?
            for s in spec {
                let sk = child(k, s.key)
                switch s.key {
                case "from":
                    guard case .string(let name) = s.value.value, let f = CanonicalField.byKey[name], f.isText,
                        f != field
                    else {
                        throw fail(sk, at: s.value.offset, "expected another canonical text field (\(Self.textFields))")
                    }
                    guard fields.contains(f) else {
                        throw fail(sk, at: s.value.offset, "the field has no paths in fields")
                    }
                    from = f
                case "rule":
                    guard case .string(let r) = s.value.value, Self.deriveRules.contains(r) else {
                        throw fail(
                            sk, at: s.value.offset,
                            "expected a rule (known: \(Self.deriveRules.joined(separator: ", ")))")
                    }
                    rule = r
                default:
                    throw fail(sk, at: s.keyOffset, "unknown key (known: from, rule)")
                }
            }
            guard let from else { throw fail(k, at: m.value.offset, "missing: from") }
            guard let rule else { throw fail(k, at: m.value.offset, "missing: rule") }
            result.append((field, from, rule))
        }
        return result
    }

    static var textFields: String { CanonicalField.allCases.filter(\.isText).map(\.key).joined(separator: ", ") }

    /// `recognize`: alternatives, each an array of conditions `{"path": [...]}` (present) or
    /// `{"path": [...], "equals": value}`; a line is the gateway's when all conditions of one alternative hold.
    private func decodeRecognize(_ node: MappingJSON, _ key: String) throws(MappingError) -> [[FieldMapping
        .RecognizeCondition]]
    {
        let hint = "expected an array of alternatives, e.g. [[{\"path\": [\"audit_event\"], \"equals\": true}]]"
        guard case .array(let alternatives) = node.value, !alternatives.isEmpty else {
            throw fail(key, at: node.offset, hint)
        }
        var result: [[FieldMapping.RecognizeCondition]] = []
        for (a, alternative) in alternatives.enumerated() {
            let ak = key + "[\(a)]"
            guard case .array(let conditions) = alternative.value, !conditions.isEmpty else {
                throw fail(ak, at: alternative.offset, "expected a non-empty array of conditions")
            }
            var all: [FieldMapping.RecognizeCondition] = []
            for (c, condition) in conditions.enumerated() {
                let ck = ak + "[\(c)]"
                guard case .object(let members) = condition.value else {
                    throw fail(ck, at: condition.offset, "expected a condition: {\"path\": [...], \"equals\": value}")
                }
                var path: [String]?
                var equals: FieldMapping.RecognizeValue?
                for m in members {
                    let mk = child(ck, m.key)
                    switch m.key {
                    case "path":
                        guard case .array(let keys) = m.value.value, !keys.isEmpty else {
                            throw fail(mk, at: m.value.offset, "expected a path: a non-empty array of keys")
                        }
                        var p: [String] = []
                        for (k, keyNode) in keys.enumerated() {
                            guard case .string(let s) = keyNode.value else {
                                throw fail(mk + "[\(k)]", at: keyNode.offset, "expected a key (a string)")
                            }
                            p.append(s)
                        }
                        path = p
                    case "equals":
                        switch m.value.value {
                        case .string(let s): equals = .string(s)
                        case .number(let n): equals = .number(n)
                        case .bool(let b): equals = .bool(b)
                        default: throw fail(mk, at: m.value.offset, "expected a string, number or boolean")
                        }
                    default:
                        throw fail(mk, at: m.keyOffset, "unknown key (known: path, equals)")
                    }
                }
                guard let path else { throw fail(ck, at: condition.offset, "missing: path") }
                all.append(FieldMapping.RecognizeCondition(path: path, equals: equals))
            }
            result.append(all)
        }
        return result
    }

    /// Each canonical field's paths, in canonical-field order whatever the file's order: a path may carry
    /// one field only, so the order of the fields never decides anything.
    private func decodeFields(_ node: MappingJSON) throws(MappingError) -> [(CanonicalField, [[String]])] {
        guard case .object(let members) = node.value else {
            throw fail("fields", at: node.offset, "expected an object: for each canonical field, its paths")
        }
        var byField: [CanonicalField: [[String]]] = [:]
        var owner: [[String]: String] = [:]
        for m in members {
            let key = child("fields", m.key)
            guard let field = CanonicalField.byKey[m.key] else {
                let known = CanonicalField.allCases.map(\.key).joined(separator: ", ")
                throw fail(key, at: m.keyOffset, "unknown canonical field (known: \(known))")
            }
            guard case .array(let pathNodes) = m.value.value else {
                throw fail(
                    key, at: m.value.offset, "expected an array of paths, e.g. [[\"model\"], [\"usage\", \"model\"]]")
            }
            guard !pathNodes.isEmpty else {
                throw fail(
                    key, at: m.value.offset,
                    "expected at least one path (leave the field out when the gateway never logs it)")
            }
            var paths: [[String]] = []
            for (n, p) in pathNodes.enumerated() {
                let pathKey = key + "[\(n)]"
                guard case .array(let keyNodes) = p.value else {
                    var hint = ""
                    if case .string(let s) = p.value {
                        hint = ": [\(MappingJSON.quoted(s))]"
                        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
                        if parts.count > 1 {
                            hint +=
                                " is one key with a dot in it, [\(parts.map { MappingJSON.quoted(String($0)) }.joined(separator: ", "))] is a nested path"
                        }
                    }
                    throw fail(pathKey, at: p.offset, "expected a path: an array of keys" + hint)
                }
                guard !keyNodes.isEmpty else { throw fail(pathKey, at: p.offset, "an empty path names no key") }
                var path: [String] = []
                for (k, keyNode) in keyNodes.enumerated() {
                    guard case .string(let s) = keyNode.value else {
                        throw fail(pathKey + "[\(k)]", at: keyNode.offset, "expected a key (a string)")
                    }
                    path.append(s)
                }
                if let first = owner[path] {
                    throw fail(pathKey, at: p.offset, "the same path as \(first): a path carries one field, once")
                }
                owner[path] = pathKey
                paths.append(path)
            }
            byField[field] = paths
        }
        return CanonicalField.allCases.compactMap { f in byField[f].map { (f, $0) } }
    }

    /// The Mantle route's statements (the only route a statement decides today, SPEC §3).
    private func decodeRoutes(_ node: MappingJSON) throws(MappingError) -> [String] {
        guard case .object(let members) = node.value else {
            throw fail("routes", at: node.offset, "expected an object: for each route, its statements")
        }
        var mantle: [String] = []
        for m in members {
            let key = child("routes", m.key)
            guard Self.routes.contains(m.key) else {
                throw fail(key, at: m.keyOffset, "unknown route (known: \(Self.routes.joined(separator: ", ")))")
            }
            guard case .array(let items) = m.value.value else {
                throw fail(key, at: m.value.offset, "expected an array of statements (values of the statement field)")
            }
            for (n, item) in items.enumerated() {
                guard case .string(let s) = item.value, !s.isEmpty else {
                    throw fail(key + "[\(n)]", at: item.offset, "expected a statement: a non-empty string")
                }
                mantle.append(s)
            }
        }
        return mantle
    }
}
