// A CUR 2.0 / legacy CUR export folder. CUR 2.0: `<export>/metadata/BILLING_PERIOD=P/<export>-Manifest.json`
// names the current data files of period P under `<export>/data/BILLING_PERIOD=P/`. Legacy CUR:
// `<report>/<YYYYMMDD-YYYYMMDD>/<report>-Manifest.json` names in `reportKeys` the current assembly's files,
// `<report>/<YYYYMMDD-YYYYMMDD>/<assemblyId>/<report>-N.csv.gz` (each assembly folder also holds a copy of its
// own manifest, which is not the period's). Files there that the period's manifest does not name are earlier
// deliveries (replaced with "overwrite", or older assemblies): never read.

import Foundation

public struct BillExportSelection: Sendable {
    /// The files to read: everything given, minus manifests and the data files no manifest names.
    public var files: [InputFile]
    /// Data files left out because their period's manifest does not name them.
    public var replaced: [String]
    /// One line each: a manifest that names a file that is not here, or cannot be read.
    public var problems: [String]
}

enum BillExport {
    /// Applies the manifests among `files`. Files outside any manifest's data folder pass untouched.
    static func select(_ files: [InputFile]) -> BillExportSelection {
        var selection = BillExportSelection(files: [], replaced: [], problems: [])
        let manifests = files.filter { isManifest($0.path) }
        guard !manifests.isEmpty else {
            selection.files = files
            return selection
        }
        // Data folder → the current files' paths relative to the export folder.
        var current: [String: Set<String>] = [:]
        var exportRoots: [String: String] = [:]
        for manifest in manifests {
            let path = manifest.path
            // The export's root (names are relative to it), the folder of the period's data, the period's name,
            // and how a named file's path continues after the root.
            let root: String
            let dataFolder: String
            let period: String
            let relativePath: (String) -> String?
            if let range = path.range(of: "/metadata/", options: .backwards) {
                root = String(path[..<range.lowerBound])
                period = path[range.upperBound...].split(separator: "/").first.map(String.init) ?? ""
                dataFolder = root + "/data/" + period + "/"
                relativePath = { name in
                    (name.range(of: "/data/", options: .backwards) ?? name.range(of: "data/")).map {
                        "data/" + name[$0.upperBound...]
                    }
                }
            } else {
                // Legacy CUR: only the period folder's manifest says which assembly is current.
                let folder = (path as NSString).deletingLastPathComponent
                period = (folder as NSString).lastPathComponent
                guard isLegacyPeriod(period) else { continue }
                root = folder
                dataFolder = folder + "/"
                relativePath = { name in name.range(of: "/" + period + "/").map { String(name[$0.upperBound...]) } }
            }
            let names: [String]
            do {
                names = try manifestDataFiles(path)
            } catch {
                selection.problems.append(
                    "\(path): not a readable manifest (\(error)); its period's files are all read")
                continue
            }
            var set = current[dataFolder] ?? []
            for name in names {
                guard let relative = relativePath(name) else { continue }
                set.insert(relative)
                if !FileManager.default.fileExists(atPath: root + "/" + relative) {
                    selection.problems.append(
                        "\(path): names \(relative), which is not here; period \(period.replacingOccurrences(of: "BILLING_PERIOD=", with: "")) is incomplete (the other files are read)"
                    )
                }
            }
            current[dataFolder] = set
            exportRoots[dataFolder] = root
        }
        for file in files where !isManifest(file.path) {
            if let folder = current.keys.first(where: { file.path.hasPrefix($0) }), let root = exportRoots[folder] {
                let relative = String(file.path.dropFirst(root.count + 1))
                if !current[folder]!.contains(relative) {
                    selection.replaced.append(file.path)
                    continue
                }
            }
            selection.files.append(file)
        }
        return selection
    }

    /// A CUR 2.0 manifest (under `metadata/`), or a legacy one: in a period folder, or a copy in an assembly folder.
    static func isManifest(_ path: String) -> Bool {
        guard path.hasSuffix("-Manifest.json") else { return false }
        if path.contains("/metadata/") { return true }
        let folders = path.split(separator: "/").dropLast().suffix(2).map(String.init)
        return folders.contains { isLegacyPeriod($0) }
    }

    /// A legacy CUR period folder's name: `20260301-20260401`.
    static func isLegacyPeriod(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        return bytes.count == 17
            && bytes.enumerated().allSatisfy { i, b in i == 8 ? b == UInt8(ascii: "-") : (48...57).contains(b) }
    }

    /// CUR 2.0 manifests list `dataFiles`; legacy CUR manifests `reportKeys`. Either as S3 URIs or keys.
    static func manifestDataFiles(_ path: String) throws -> [String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BillExportError("not a JSON object")
        }
        if let list = (object["dataFiles"] ?? object["reportKeys"]) as? [String] { return list }
        throw BillExportError("no dataFiles or reportKeys list")
    }
}

struct BillExportError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
