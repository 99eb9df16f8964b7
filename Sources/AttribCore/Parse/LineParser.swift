// Extracts the canonical fields of one log message through a field mapping (data, not code).

/// Parses messages into `ParsedLine`s with one compiled mapping.
public final class LineParser {
    let mapping: CompiledMapping
    private let scratch = ByteBuffer()

    public init(mapping: FieldMapping = .router) {
        self.mapping = CompiledMapping(mapping)
    }

    /// Fills `line` from `message`. Plain text leaves `line.isJSON` false and no fields.
    public func parse(_ message: UnsafeRawBufferPointer, into line: ParsedLine) {
        line.reset()
        guard let base = message.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let v = JSONBytes(base: base, end: message.count)
        let start = v.skipSpace(0)
        guard start < v.end, v[start] == 0x7B else { return }
        // One pass: walking the members validates the object (each member's value is scanned whole).
        guard let stop = walk(v, start, 0, line), v.skipSpace(stop) == v.end else {
            line.reset()
            return
        }
        line.isJSON = true
        for f in mapping.arnNameFields { takeARNName(f, line) }
        for (field, from) in mapping.derived where line.bytes(field) == nil {
            guard let source = line.bytes(from) else { continue }
            let (offset, count) = Self.arnName(source)
            line.setDerived(field, Array(UnsafeBufferPointer(rebasing: source[offset..<offset + count])))
        }
        for (field, from) in mapping.copied where line.bytes(field) == nil {
            guard let source = line.bytes(from) else { continue }
            line.setDerived(field, Array(source))
        }
        if let (ms, me) = line.metadataObject { takeMetadata(v, ms, me, line) }
    }

    /// `arn:aws:sts::123:assumed-role/Role/alice@example.com` → `alice@example.com` (the role session name,
    /// the user name for IAM Identity Center); `arn:aws:iam::123:user/path/alice` → `alice`. Any other value
    /// is kept as it is.
    private func takeARNName(_ f: CanonicalField, _ line: ParsedLine) {
        guard let b = line.bytes(f) else { return }
        let (offset, count) = Self.arnName(b)
        if count != b.count { line.narrowText(f, offset: offset, count: count) }
    }

    /// Where the principal's name is in an ARN (offset, count); the whole value when it is not one.
    static func arnName(_ b: UnsafeBufferPointer<UInt8>) -> (Int, Int) {
        let whole = (0, b.count)
        guard b.count > 4, b[0] == 0x61, b[1] == 0x72, b[2] == 0x6E, b[3] == 0x3A else { return whole }
        var colons = 0
        var resource = -1
        for i in 0..<b.count where b[i] == 0x3A {
            colons += 1
            if colons == 5 {
                resource = i + 1
                break
            }
        }
        guard resource > 0 else { return whole }
        let text = String(decoding: UnsafeBufferPointer(rebasing: b[resource...]), as: UTF8.self)
        guard text.hasPrefix("assumed-role/") || text.hasPrefix("user/") else { return whole }
        guard let slash = b.lastIndex(of: 0x2F), slash + 1 < b.count else { return whole }
        return (slash + 1, b.count - slash - 1)
    }

    /// Returns the index after the object, or nil when it is not valid JSON.
    private func walk(_ v: JSONBytes, _ object: Int, _ level: Int, _ line: ParsedLine) -> Int? {
        let mapping = self.mapping
        var e = -1  // the entry of the member at hand, found once by `take`
        // swift-format-ignore: OnlyOneTrailingClosureArgument
        return v.forEachMemberEnd(
            object,
            take: { ks, ke, vs in
                e = mapping.find(level, v.base + ks, ke - ks)
                // A string field's value is decoded straight away (one pass, not a scan and then a decode).
                guard e >= 0, v[vs] == 0x22, let field = mapping.targets[e].0, field.isText,
                    line.claim(field, rank: mapping.targets[e].1)
                else { return nil }
                let start = line.arena.count
                if let end = v.readString(vs, into: line.arena) {
                    line.setText(field, from: start)
                    // A value that means absent (`UNKNOWN`) is taken as an empty string is.
                    if mapping.hasAbsentValues, let b = line.bytes(field), mapping.isAbsent(b) {
                        line.setText(field, from: line.arena.count)
                    }
                    return end
                }
                line.drop(field)
                return nil
            }
        ) { ks, ke, vs, ve in
            guard e >= 0 else { return }
            let (field, rank, child) = mapping.targets[e]
            if let field {
                take(field, rank: rank, v, vs, ve, line)
            }
            if child >= 0 && v[vs] == 0x7B {
                _ = walk(v, vs, child, line)
            }
        }
    }

    /// The string members of the `requestMetadata` object at `start..<stop` (non-empty, not a value that means
    /// absent), as key / value pairs in the line's arena.
    private func takeMetadata(_ v: JSONBytes, _ start: Int, _ stop: Int, _ line: ParsedLine) {
        let object = JSONBytes(base: v.base, end: stop)
        _ = object.forEachMemberEnd(start) { ks, ke, vs, _ in
            guard object[vs] == 0x22 else { return }
            let keyStart = line.arena.count
            guard object.readString(ks - 1, into: line.arena) != nil else { return }
            let valueStart = line.arena.count
            guard object.readString(vs, into: line.arena) != nil, line.arena.count > valueStart, valueStart > keyStart,
                !(mapping.hasAbsentValues
                    && mapping.isAbsent(line.arena.slice(valueStart, line.arena.count - valueStart)))
            else {
                line.arena.count = keyStart
                return
            }
            line.metadata.append((keyStart, valueStart - keyStart, valueStart, line.arena.count - valueStart))
        }
    }

    /// An epoch number in the mapping's unit, as ms.
    private func epochMs(_ d: Double, unit: FieldMapping.TimestampUnit) -> Int64? {
        switch unit {
        case .auto: return AttribCore.epochMillis(fromNumber: d)
        case .epochSeconds: return AttribCore.epochMillis(fromNumber: d * 1000)
        case .epochMillis: return AttribCore.epochMillis(fromNumber: d)
        }
    }

    /// A table row (a mapping with a `record` field) whose typed value does not parse is a reject, never a row
    /// with the value missing: `invalid inputTokens "abc"`. Other lines keep leaving such a value absent.
    private func invalidRecordValue(
        _ field: CanonicalField, _ v: JSONBytes, _ vs: Int, _ ve: Int, _ line: ParsedLine
    ) {
        guard mapping.isRecord, line.invalid == nil else { return }
        let raw = String(decoding: UnsafeRawBufferPointer(start: v.base + vs, count: min(ve - vs, 40)), as: UTF8.self)
        line.invalid = "invalid \(field.key) \(raw)"
    }

    private func take(_ field: CanonicalField, rank: Int, _ v: JSONBytes, _ vs: Int, _ ve: Int, _ line: ParsedLine) {
        let c = v[vs]
        if c == 0x6E { return }  // null: absent
        if field == .timestamp {
            guard line.claim(field, rank: rank) else { return }
            if c == 0x22 {
                scratch.removeAll()
                if v.readString(vs, into: scratch) != nil, scratch.count > 0 {
                    if mapping.timestampUnit != .auto, let d = parseDouble(scratch.base, 0, scratch.count) {
                        line.ownTimestamp = epochMs(d, unit: mapping.timestampUnit)
                    } else {
                        line.ownTimestamp = parseISOTimestamp(scratch.base, 0, scratch.count)
                    }
                    if line.ownTimestamp == nil { invalidRecordValue(field, v, vs, ve, line) }
                }
            } else if let d = parseDouble(v.base, vs, ve) {
                line.ownTimestamp = epochMs(d, unit: mapping.timestampUnit)
                if line.ownTimestamp == nil { invalidRecordValue(field, v, vs, ve, line) }
            } else {
                invalidRecordValue(field, v, vs, ve, line)
            }
            return
        }
        if field == .latencyMs {
            // Latency may be a float (`12.34`) and in seconds (the mapping's `units.latencyMs`).
            var value: Double?
            if c == 0x22 {
                scratch.removeAll()
                if v.readString(vs, into: scratch) != nil {
                    if scratch.count == 0 { return }
                    value = parseDouble(scratch.base, 0, scratch.count)
                }
            } else if c == 0x2D || (c >= 0x30 && c <= 0x39) {
                // Most latencies are whole ms: the integer parse is several times cheaper than strtod.
                if mapping.latencyScale == 1, let n = parseInteger(v.base, vs, ve) {
                    guard n >= 0, line.claim(field, rank: rank) else { return }
                    line.integers[field.rawValue] = n
                    return
                }
                value = parseDouble(v.base, vs, ve)
            }
            guard let value, value >= 0, value.isFinite else { return invalidRecordValue(field, v, vs, ve, line) }
            guard line.claim(field, rank: rank) else { return }
            line.integers[field.rawValue] = Int64((value * mapping.latencyScale).rounded())
            return
        }
        if field == .loggedCost {
            var value: Double?
            if c == 0x22 {
                scratch.removeAll()
                if v.readString(vs, into: scratch) != nil {
                    if scratch.count == 0 { return }
                    value = parseDouble(scratch.base, 0, scratch.count)
                }
            } else {
                value = parseDouble(v.base, vs, ve)
            }
            guard let value, value >= 0, value.isFinite else { return invalidRecordValue(field, v, vs, ve, line) }
            if line.claim(field, rank: rank) { line.loggedCost = value }
            return
        }
        if field.isInteger {
            // Numbers may arrive as strings ("123"), SPEC §2.
            var value: Int64?
            if c == 0x22 {
                scratch.removeAll()
                if v.readString(vs, into: scratch) != nil {
                    if scratch.count == 0 { return }
                    value = parseInteger(scratch.base, 0, scratch.count)
                }
            } else if c == 0x2D || (c >= 0x30 && c <= 0x39) {
                value = parseInteger(v.base, vs, ve)
            } else {
                return invalidRecordValue(field, v, vs, ve, line)
            }
            guard line.claim(field, rank: rank) else { return }
            if let value, !(field.isTokenCount && value < 0) {
                line.integers[field.rawValue] = value
            } else {
                line.drop(field)
                invalidRecordValue(field, v, vs, ve, line)
                if field.isTokenCount {
                    let key = String(
                        decoding: UnsafeRawBufferPointer(start: v.base + vs, count: min(ve - vs, 40)), as: UTF8.self)
                    line.invalid = "invalid token count \(key)"
                }
            }
            return
        }
        if field == .requestMetadata {
            // An object of tags: its string members are read once the walk is done (`takeMetadata`).
            if c == 0x7B, line.claim(field, rank: rank) { line.metadataObject = (vs, ve) }
            return
        }
        // Text fields: a quoted value was decoded as the walk passed it (`walk`); numbers and booleans are
        // taken as their text (an id logged as a number).
        guard line.claim(field, rank: rank) else { return }
        let start = line.arena.count
        if c == 0x2D || (c >= 0x30 && c <= 0x39) || c == 0x74 || c == 0x66 {
            line.arena.append(v.base + vs, ve - vs)
            line.setText(field, from: start)
        } else {
            line.drop(field)
        }
    }
}
