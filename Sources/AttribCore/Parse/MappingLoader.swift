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

    static let topKeys = ["format", "description", "absent", "fields", "routes"]
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
        for m in members {
            let key = child("", m.key)
            switch m.key {
            case "format":
                guard case .number(let n) = m.value.value else {
                    throw fail(key, at: m.value.offset, "expected a number: \(MappingLoader.format)")
                }
                format = n
            case "description":
                guard case .string = m.value.value else { throw fail(key, at: m.value.offset, "expected a string") }
            case "absent":
                try checkAbsent(m.value, key)
            case "fields":
                fields = m.value
            case "routes":
                routes = m.value
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
        return FieldMapping(name: name, paths: paths, mantleStatements: mantle)
    }

    private func memberOffset(_ members: [(key: String, keyOffset: Int, value: MappingJSON)], _ key: String) -> Int {
        members.first { $0.key == key }?.value.offset ?? 0
    }

    /// Today an empty string means absent (SPEC §2) and null always does; other values are for a later release.
    private func checkAbsent(_ node: MappingJSON, _ key: String) throws(MappingError) {
        guard case .array(let items) = node.value else {
            throw fail(key, at: node.offset, "expected an array of strings: [\"\"]")
        }
        var values: [String] = []
        for (n, item) in items.enumerated() {
            guard case .string(let s) = item.value else {
                throw fail(key + "[\(n)]", at: item.offset, "expected a string")
            }
            values.append(s)
        }
        guard values == [""] else {
            throw fail(
                key, at: node.offset, "only [\"\"] is supported: an empty string means absent (and null always does)")
        }
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
