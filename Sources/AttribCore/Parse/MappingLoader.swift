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

/// A JSON value of a mapping file with the byte offset where it starts, for error positions. Objects keep
/// their members in file order.
struct MappingJSON {
    enum Value {
        case null, bool(Bool), number(Double), string(String)
        case array([MappingJSON])
        case object([(key: String, keyOffset: Int, value: MappingJSON)])
    }

    var value: Value
    var offset: Int
}

/// 1-based line and column (counting characters, not bytes) of a byte offset.
func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
    var line = 1
    var column = 1
    for b in bytes[..<min(offset, bytes.count)] {
        if b == 0x0A {
            line += 1
            column = 1
        } else if b & 0xC0 != 0x80 {
            column += 1
        }
    }
    return (line, column)
}

/// A strict JSON reader (RFC 8259) for mapping files. Unlike Foundation's on Linux, it gives the position of a
/// syntax error, and refuses a trailing comma and a key given twice (the second would silently win).
struct MappingJSONReader {
    let bytes: [UInt8]
    let file: String
    private var i = 0

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    mutating func document() throws(MappingError) -> MappingJSON {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { i = 3 }  // a UTF-8 byte order mark, as some editors write
        let v = try value(depth: 0)
        skipSpace()
        if i < bytes.count { throw fail("unexpected \(found()) after the end of the document") }
        return v
    }

    private func fail(_ reason: String, at offset: Int? = nil) -> MappingError {
        let (line, column) = position(of: offset ?? i, in: bytes)
        return MappingError(file: file, line: line, column: column, key: "", reason: "invalid JSON: " + reason)
    }

    /// What is at the current position, for a message.
    private func found() -> String {
        guard i < bytes.count else { return "end of file" }
        let c = bytes[i]
        return c >= 0x20 && c < 0x7F ? "'\(Character(Unicode.Scalar(c)))'" : String(format: "byte 0x%02X", c)
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func expect(_ c: UInt8, _ what: String) throws(MappingError) {
        skipSpace()
        guard i < bytes.count, bytes[i] == c else { throw fail("expected \(what), found \(found())") }
        i += 1
    }

    private mutating func value(depth: Int) throws(MappingError) -> MappingJSON {
        skipSpace()
        guard depth < 32 else { throw fail("nested deeper than 32 levels") }
        guard i < bytes.count else { throw fail("expected a value, found end of file") }
        let start = i
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var members: [(key: String, keyOffset: Int, value: MappingJSON)] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                i += 1
                return MappingJSON(value: .object(members), offset: start)
            }
            while true {
                skipSpace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a key in quotes, found \(found())") }
                let keyOffset = i
                let key = try string()
                if members.contains(where: { $0.key == key }) { throw fail("key \(quoted(key)) given twice", at: keyOffset) }
                try expect(UInt8(ascii: ":"), "':' after the key")
                members.append((key, keyOffset, try value(depth: depth + 1)))
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                return MappingJSON(value: .object(members), offset: start)
            }
        case UInt8(ascii: "["):
            i += 1
            var elements: [MappingJSON] = []
            skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                i += 1
                return MappingJSON(value: .array(elements), offset: start)
            }
            while true {
                elements.append(try value(depth: depth + 1))
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                try expect(UInt8(ascii: "]"), "',' or ']'")
                return MappingJSON(value: .array(elements), offset: start)
            }
        case UInt8(ascii: "\""):
            return MappingJSON(value: .string(try string()), offset: start)
        case UInt8(ascii: "t"):
            try literal("true")
            return MappingJSON(value: .bool(true), offset: start)
        case UInt8(ascii: "f"):
            try literal("false")
            return MappingJSON(value: .bool(false), offset: start)
        case UInt8(ascii: "n"):
            try literal("null")
            return MappingJSON(value: .null, offset: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return MappingJSON(value: .number(try number()), offset: start)
        default:
            throw fail("expected a value, found \(found())")
        }
    }

    private mutating func literal(_ word: String) throws(MappingError) {
        let w = Array(word.utf8)
        guard bytes.count - i >= w.count, Array(bytes[i..<i + w.count]) == w else { throw fail("expected a value, found \(found())") }
        i += w.count
    }

    private mutating func digits() -> Int {
        let s = i
        while i < bytes.count, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "9") { i += 1 }
        return i - s
    }

    private mutating func number() throws(MappingError) -> Double {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        let integerStart = i
        let n = digits()
        guard n > 0 else { throw fail("expected a digit, found \(found())") }
        if n > 1, bytes[integerStart] == UInt8(ascii: "0") { throw fail("a number cannot start with 0", at: integerStart) }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw fail("expected a digit after '.', found \(found())") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("expected a digit in the exponent, found \(found())") }
        }
        guard let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw fail("invalid number", at: start) }
        return d
    }

    private mutating func hex4() throws(MappingError) -> UInt32 {
        guard bytes.count - i >= 4, let v = UInt32(String(decoding: bytes[i..<i + 4], as: UTF8.self), radix: 16) else {
            throw fail("expected four hex digits after \\u")
        }
        i += 4
        return v
    }

    /// A string at `i` (its opening quote), decoded.
    private mutating func string() throws(MappingError) -> String {
        let start = i
        i += 1
        var out: [UInt8] = []
        while true {
            guard i < bytes.count else { throw fail("unterminated string", at: start) }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                break
            }
            if c < 0x20 { throw fail("a control character inside a string (escape it: \\n, \\t, \\u0000)") }
            i += 1
            if c != UInt8(ascii: "\\") {
                out.append(c)
                continue
            }
            guard i < bytes.count else { throw fail("unterminated string", at: start) }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800 && scalar < 0xDC00 {
                    guard bytes.count - i >= 2, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw fail("a high surrogate without its low surrogate", at: i - 6)
                    }
                    i += 2
                    let low = try hex4()
                    guard low >= 0xDC00 && low < 0xE000 else { throw fail("a high surrogate without its low surrogate", at: i - 12) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("a lone low surrogate", at: i - 6) }
                out.append(contentsOf: String(Character(u)).utf8)
            default:
                throw fail("invalid escape", at: i - 2)
            }
        }
        let s = String(decoding: out, as: UTF8.self)
        guard s.utf8.elementsEqual(out) else { throw fail("invalid UTF-8 inside a string", at: start) }
        return s
    }
}

/// `"text"`, JSON-escaped, for messages.
func quoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default: out += u.value < 0x20 ? String(format: "\\u%04X", u.value) : String(u)
        }
    }
    return out + "\""
}

/// Turns a mapping file's JSON into a FieldMapping, naming the key of anything it cannot use.
struct MappingDecoder {
    let file: String
    let bytes: [UInt8]

    static let topKeys = ["format", "description", "absent", "fields", "routes"]
    static let routes = ["mantle"]

    private func fail(_ key: String, at offset: Int, _ reason: String) -> MappingError {
        let (line, column) = position(of: offset, in: bytes)
        return MappingError(file: file, line: line, column: column, key: key, reason: reason)
    }

    /// `parent.key`, or `parent["a.b"]` when the key could be misread (a dot, a bracket, a space, empty).
    private func child(_ parent: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.unicodeScalars.allSatisfy { !".[] \"".unicodeScalars.contains($0) && $0.value > 0x20 }
        if !plain { return parent + "[\(quoted(key))]" }
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
                guard case .number(let n) = m.value.value else { throw fail(key, at: m.value.offset, "expected a number: \(MappingLoader.format)") }
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
        guard let format else { throw fail("format", at: root.offset, "missing: the format of the file, \(MappingLoader.format)") }
        guard format == Double(MappingLoader.format) else {
            let n = format == format.rounded() && abs(format) < 1e9 ? String(Int(format)) : String(format)
            throw fail("format", at: memberOffset(members, "format"), "format \(n) is not supported: this attrib reads format \(MappingLoader.format)")
        }
        guard let fields else { throw fail("fields", at: root.offset, "missing: the paths of each canonical field") }
        let paths = try decodeFields(fields)
        var mantle: [String] = []
        if let routes {
            mantle = try decodeRoutes(routes)
            if !mantle.isEmpty && !paths.contains(where: { $0.0 == .statement }) {
                throw fail("routes", at: routes.offset, "statements need a path for the statement: add fields.statement")
            }
        }
        return FieldMapping(name: name, paths: paths, mantleStatements: mantle)
    }

    private func memberOffset(_ members: [(key: String, keyOffset: Int, value: MappingJSON)], _ key: String) -> Int {
        members.first { $0.key == key }?.value.offset ?? 0
    }

    /// Today an empty string means absent (SPEC §2) and null always does; other values are for a later release.
    private func checkAbsent(_ node: MappingJSON, _ key: String) throws(MappingError) {
        guard case .array(let items) = node.value else { throw fail(key, at: node.offset, "expected an array of strings: [\"\"]") }
        var values: [String] = []
        for (n, item) in items.enumerated() {
            guard case .string(let s) = item.value else { throw fail(key + "[\(n)]", at: item.offset, "expected a string") }
            values.append(s)
        }
        guard values == [""] else {
            throw fail(key, at: node.offset, "only [\"\"] is supported: an empty string means absent (and null always does)")
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
                throw fail(key, at: m.value.offset, "expected an array of paths, e.g. [[\"model\"], [\"usage\", \"model\"]]")
            }
            guard !pathNodes.isEmpty else {
                throw fail(key, at: m.value.offset, "expected at least one path (leave the field out when the gateway never logs it)")
            }
            var paths: [[String]] = []
            for (n, p) in pathNodes.enumerated() {
                let pathKey = key + "[\(n)]"
                guard case .array(let keyNodes) = p.value else {
                    var hint = ""
                    if case .string(let s) = p.value {
                        hint = ": [\(quoted(s))]"
                        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
                        if parts.count > 1 {
                            hint += " is one key with a dot in it, [\(parts.map { quoted(String($0)) }.joined(separator: ", "))] is a nested path"
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
