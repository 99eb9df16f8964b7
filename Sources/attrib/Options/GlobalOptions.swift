// --db and --quiet: the options every command that reads or writes the store takes.

import ArgumentParser
import AttribCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The store file.", discussion: "Default: $ATTRIB_DB, else ./attrib.db.", valueName: "path"))
    var db: String?

    @Flag(name: .shortAndLong, help: "Print nothing on stderr but errors.")
    var quiet = false

    var storePath: String {
        if let db { return db }
        if let env = getenv("ATTRIB_DB"), let s = String(validatingCString: env), !s.isEmpty { return s }
        return "attrib.db"
    }

    /// The store, read-only unless `forWriting` (only ingest writes; it may create and migrate the file).
    func openStore(forWriting: Bool = false) throws -> Store {
        try Store(path: storePath, readOnly: !forWriting)
    }
}
