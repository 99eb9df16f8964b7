// A gateway's field mapping: for each canonical field, the JSON paths that carry it (data, not code: Mappings/*.json).

/// For each canonical field, the JSON paths that may carry it, in order of preference; the values that mean
/// absent, the units of time and latency, how a line of the gateway is recognised, and the statements that
/// put a request on a route. Read from a mapping file by `MappingLoader`.
public struct FieldMapping: Sendable {
    public var name: String
    /// The file's `description`: one line for `attrib mappings`.
    public var description = ""
    public var paths: [(CanonicalField, [[String]])]
    /// Values of the `statement` field that put a request on the Mantle route (SPEC §3).
    public var mantleStatements: [String] = []
    /// Text values that mean absent, besides null (the file's `absent`; `""` is always one).
    public var absent: [String] = [""]
    /// How a numeric (or numeric-string) `timestamp` is read.
    public var timestampUnit: TimestampUnit = .auto
    /// Milliseconds per unit of `latencyMs` (1 for ms, 1000 for seconds).
    public var latencyScale: Double = 1
    /// Text fields whose value, when an ARN, is replaced by the principal's name (the file's `values`).
    public var arnNameFields: [CanonicalField] = []
    /// Fields that, when absent from a line, take another field's value through a rule (the file's
    /// `derive`): Bedrock's user is the principal's name.
    public var derived: [(field: CanonicalField, from: CanonicalField)] = []
    /// The same with the rule `copy`: the other field's value as it is (llm-proxy's token id is its API key).
    public var copied: [(field: CanonicalField, from: CanonicalField)] = []
    /// The file's `record`: the text field that identifies a table row (with its table: the first `recognize`
    /// alternative whose columns the row has). When set, every line the mapping reads is a whole record: the same record
    /// read twice counts once, whatever its text, and a typed value that does not parse is a reject.
    public var recordField: CanonicalField?
    /// How a line of this gateway is recognised: any alternative whose conditions all hold. Empty: the
    /// mapping is never chosen by content (the router's, the default, and a file given with --mapping).
    public var recognize: [[RecognizeCondition]] = []

    /// How a numeric timestamp is read.
    public enum TimestampUnit: String, Sendable, CaseIterable {
        /// ISO 8601 text; a number above 10^11 is ms, else seconds.
        case auto
        case epochSeconds = "epoch-s"
        case epochMillis = "epoch-ms"
    }

    /// One condition of `recognize`: the value at `path` is present (not null), or equals `equals`.
    public struct RecognizeCondition: Sendable, Equatable {
        public var path: [String]
        public var equals: RecognizeValue?
    }

    /// A JSON scalar a recognised line's field must equal.
    public enum RecognizeValue: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case number(Double)
        case bool(Bool)

        public var description: String {
            switch self {
            case .string(let s): return MappingJSON.quoted(s)
            case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
            case .bool(let b): return b ? "true" : "false"
            }
        }
    }

    /// The router's schema (SPEC §2), with the other gateways' common names as fallbacks: Mappings/router.json.
    public static let router = builtIn("router.json")

    /// Every compiled-in mapping, in file-name order.
    public static let builtIns: [FieldMapping] = BuiltInMappings.files.map { builtIn($0.name) }

    /// A compiled-in mapping by name (`aura`), or nil.
    public static func builtIn(named name: String) -> FieldMapping? {
        builtIns.first { $0.name == name }
    }

    /// The exact text of a compiled-in mapping file, for a user to copy.
    public static func builtInText(named name: String) -> String? {
        BuiltInMappings.files.first { $0.name == name + ".json" }?.json
    }

    /// A mapping compiled in from Parse/Mappings (BuiltInMappings+Generated.swift). A test loads every one,
    /// so a failure here is a build defect, not a user's error.
    static func builtIn(_ file: String) -> FieldMapping {
        guard let text = BuiltInMappings.files.first(where: { $0.name == file })?.json else {
            fatalError("no built-in mapping \(file): run scripts/embed-mappings")
        }
        do {
            return try MappingLoader.decode(text, file: file)
        } catch {
            fatalError("built-in mapping \(error)")
        }
    }

    /// `--mapping NAME|FILE`: a built-in mapping's name, else a mapping file's path.
    public static func named(_ nameOrPath: String) throws(MappingError) -> FieldMapping {
        if let m = builtIn(named: nameOrPath) { return m }
        if !nameOrPath.contains("/") && !nameOrPath.hasSuffix(".json") {
            let known = builtIns.map(\.name).joined(separator: ", ")
            throw MappingError(
                file: nameOrPath, key: "",
                reason:
                    "no built-in mapping of that name (known: \(known)) and not a file path (a path ends in .json or has a /)"
            )
        }
        return try MappingLoader.load(path: nameOrPath)
    }
}
