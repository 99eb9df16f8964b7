// Turns the paths a user gives into the files to read: directories recursed in name order, symlink
// loops cut, stdin as "-".

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct InputFile: Sendable, Equatable {
    public var path: String
    /// Size in bytes (nil for stdin and pipes).
    public var size: Int64?
    public var isStandardInput: Bool { path == "-" }
}

/// Expands `paths`. Problems with single paths (missing, unreadable, a symlink loop) are returned as
/// errors alongside the files that are fine, so one bad path never stops the others.
public func expandPaths(_ paths: [String], excluding excluded: Set<String> = []) -> (
    files: [InputFile], errors: [InputError]
) {
    var files: [InputFile] = []
    var errors: [InputError] = []
    var visited = Set<[UInt64]>()

    func walk(_ path: String, depth: Int) {
        var st = stat()
        if excluded.contains(path) { return }
        if path == "-" {
            files.append(InputFile(path: "-", size: nil))
            return
        }
        guard stat(path, &st) == 0 else {
            let code = errno
            var lst = stat()
            if lstat(path, &lst) == 0 && (lst.st_mode & S_IFMT) == S_IFLNK {
                errors.append(.cannotOpen(path: path, reason: code == ELOOP ? "symlink loop" : "broken symlink"))
            } else if code == ENOENT || code == ENOTDIR {
                errors.append(.notFound(path: path))
            } else {
                errors.append(.cannotOpen(path: path, reason: String(cString: strerror(code))))
            }
            return
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            let key = [UInt64(st.st_dev), UInt64(st.st_ino)]
            guard !visited.contains(key), depth < 64 else {
                errors.append(.cannotOpen(path: path, reason: "symlink loop (directory already visited)"))
                return
            }
            visited.insert(key)
            guard let dir = opendir(path) else {
                errors.append(.cannotOpen(path: path, reason: String(cString: strerror(errno))))
                return
            }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                names.append(name)
            }
            closedir(dir)
            for name in names.sorted() {
                walk(path.hasSuffix("/") ? path + name : path + "/" + name, depth: depth + 1)
            }
            visited.remove(key)
            return
        }
        if (st.st_mode & S_IFMT) == S_IFREG {
            files.append(InputFile(path: path, size: Int64(st.st_size)))
        } else if depth == 0 {
            // A named pipe or device given explicitly: read it as a stream.
            files.append(InputFile(path: path, size: nil))
        }
    }

    for path in paths { walk(path, depth: 0) }
    return (files, errors)
}

/// A content fingerprint of a regular file: its size and a hash of all its bytes. Equal fingerprints
/// mean the same bytes (up to a 64-bit hash), whatever the file is called. `v2:` marks the four-lane hash
/// (`hashBytesWide`); stores written before it hold `legacyFingerprint`s (`StoreWriter.openSource`).
public func fingerprint(path: String, size: Int64) -> String? {
    fileHash(path: path, seed: fingerprintSeed, wide: true).map { wideFingerprint(total: $0.total, hash: $0.hash) }
}

private let fingerprintSeed: UInt64 = 0x5EED_F00D
private let fingerprintChunk = 1 << 20

private func wideFingerprint(total: Int64, hash: UInt64) -> String { "v2:\(total)-\(String(hash, radix: 16))" }

/// The fingerprint of a file made from its bytes as it is read (`FileSource`), equal to `fingerprint`'s:
/// a file that cannot be one already ingested (no source of its size) is then read once, not twice.
public final class StreamingFingerprint {
    private var hasher = WideStreamHasher(seed: fingerprintSeed, chunk: fingerprintChunk)
    private var total: Int64 = 0

    public init() {}

    func add(_ p: UnsafeRawPointer, _ count: Int) {
        hasher.add(p, count)
        total += Int64(count)
    }

    /// The fingerprint, once the file was read to its end; what the reader left unread (a document's
    /// trailing bytes, the rest after damage) is read here. Nil when the file cannot be read to its end, or
    /// is no longer `size` bytes (it changed while it was read: a later run reads it again).
    func finish(path: String, size: Int64) -> String? {
        var st = stat()
        guard stat(path, &st) == 0, Int64(st.st_size) == size, total <= size else { return nil }
        if size > total {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: fingerprintChunk, alignment: 16)
            defer { buffer.deallocate() }
            while total < size {
                let n = pread(fd, buffer, min(fingerprintChunk, Int(size - total)), off_t(total))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { return nil }
                add(buffer, n)
            }
        }
        return wideFingerprint(total: total, hash: hasher.finish())
    }
}

/// The fingerprint of attrib before `v2:` (`hashBytes` over each MiB, in one chain: ~4 times slower).
func legacyFingerprint(path: String) -> String? {
    fileHash(path: path, seed: fingerprintSeed, wide: false).map { "\($0.total)-\(String($0.hash, radix: 16))" }
}

/// Hashes a file a MiB at a time, each MiB's hash seeding the next's.
private func fileHash(path: String, seed: UInt64, wide: Bool) -> (total: Int64, hash: UInt64)? {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    let chunk = fingerprintChunk
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
    defer { buffer.deallocate() }
    var h = seed
    var total: Int64 = 0
    while true {
        // A full MiB unless the file ends (a short read mid-file would change the hash).
        var n = 0
        while n < chunk {
            let got = read(fd, buffer + n, chunk - n)
            if got < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if got == 0 { break }
            n += got
        }
        if n == 0 { break }
        h = wide ? hashBytesWide(buffer, n, seed: h) : hashBytes(buffer, n, seed: h)
        total += Int64(n)
        if n < chunk { break }
    }
    return (total, h)
}
