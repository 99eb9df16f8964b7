// Strict JSON for mapping files: values that remember where they start, so every error has a position.

import Foundation

/// A JSON value of a mapping file with the byte offset where it starts, for error positions. Objects keep
/// their members in file order.
struct MappingJSON {
    enum Value {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([MappingJSON])
        case object([(key: String, keyOffset: Int, value: MappingJSON)])
    }

    var value: Value
    var offset: Int
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
        let (line, column) = MappingJSON.position(of: offset ?? i, in: bytes)
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
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else {
                    throw fail("expected a key in quotes, found \(found())")
                }
                let keyOffset = i
                let key = try string()
                if members.contains(where: { $0.key == key }) {
                    throw fail("key \(MappingJSON.quoted(key)) given twice", at: keyOffset)
                }
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
        guard bytes.count - i >= w.count, Array(bytes[i..<i + w.count]) == w else {
            throw fail("expected a value, found \(found())")
        }
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
        if n > 1, bytes[integerStart] == UInt8(ascii: "0") {
            throw fail("a number cannot start with 0", at: integerStart)
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { throw fail("expected a digit after '.', found \(found())") }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("expected a digit in the exponent, found \(found())") }
        }
        guard let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else {
            throw fail("invalid number", at: start)
        }
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
                    guard low >= 0xDC00 && low < 0xE000 else {
                        throw fail("a high surrogate without its low surrogate", at: i - 12)
                    }
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

extension MappingJSON {
    /// 1-based line and column (counting characters, not bytes) of a byte offset.
    static func position(of offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
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

    /// `"text"`, JSON-escaped, for messages.
    static func quoted(_ s: String) -> String { escapeJSON(s) }
}
