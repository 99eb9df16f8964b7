// A CUR 2.0 / legacy CUR export folder: `<export>/metadata/BILLING_PERIOD=P/<export>-Manifest.json` names the
// current data files of period P under `<export>/data/BILLING_PERIOD=P/`. Files there that the manifest does
// not name are earlier deliveries (replaced with "overwrite", or older versions): never read.

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
            guard let range = path.range(of: "/metadata/", options: .backwards) else { continue }
            let root = String(path[..<range.lowerBound])
            let rest = path[range.upperBound...]
            let period = rest.split(separator: "/").first.map(String.init) ?? ""
            let dataFolder = root + "/data/" + period + "/"
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
                guard let r = name.range(of: "/data/", options: .backwards) ?? name.range(of: "data/") else { continue }
                let relative = "data/" + name[r.upperBound...]
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

    static func isManifest(_ path: String) -> Bool {
        path.hasSuffix("-Manifest.json") && path.contains("/metadata/")
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
