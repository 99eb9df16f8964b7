// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "attrib",
    products: [
        .executable(name: "attrib", targets: ["attrib"]),
        .library(name: "AttribCore", targets: ["AttribCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0")
    ],
    targets: [
        // C libraries, reached through system library targets (scripts/install-deps installs them; README, "Set up").
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // gzip inflated by ISA-L (Intel's igzip): ~1.8 times zlib's speed, streaming as zlib (GzipSource).
        .systemLibrary(name: "CIsal", pkgConfig: "libisal", providers: [.apt(["libisal-dev"])]),
        // A header of compiler hints (a cache prefetch) for the ingest's hot path; nothing to install or link.
        .systemLibrary(name: "CHints"),

        // The product: Input -> Parse -> Ingest -> Store -> Report -> Output (README, "Development").
        .target(
            name: "AttribCore",
            dependencies: ["CSQLite", "CZstd", "CIsal", "CHints"],
            // Mapping files are compiled in by scripts/embed-mappings (Parse/BuiltInMappings+Generated.swift), the
            // billed-model table by scripts/embed-bill-models (Parse/Bill/BillModels+Generated.swift).
            exclude: ["Parse/Mappings", "Parse/Bill/bill-models.csv"],
            // Release builds skip dynamic exclusivity checks: they cost ~10% of ingest (callgrind,
            // swift_beginAccess on the reader's and ingestor's class fields); debug builds keep them.
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),

        // The command-line surface only: flags, terminal, exit codes.
        .executableTarget(
            name: "attrib",
            dependencies: ["AttribCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        .testTarget(name: "AttribCoreTests", dependencies: ["AttribCore", "attrib"]),
    ]
)
