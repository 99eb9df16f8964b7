// A gateway's field mapping: for each canonical field, the JSON paths that carry it (data, not code: Mappings/*.json).

/// For each canonical field, the JSON paths that may carry it, in order of preference; and the statements
/// that put a request on a route. Read from a mapping file by `MappingLoader`.
public struct FieldMapping: Sendable {
    public var name: String
    public var paths: [(CanonicalField, [[String]])]
    /// Values of the `statement` field that put a request on the Mantle route (SPEC §3).
    public var mantleStatements: [String] = []

    /// The router's schema (SPEC §2), with the other gateways' common names as fallbacks: Mappings/router.json.
    public static let router = builtIn("router.json")

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
}
