// Byte streams: a file, stdin, or a decompressor wrapped around either; chosen by content (magic bytes).

/// A pull stream of bytes. Readers refill their buffers from it; nothing above this layer knows
/// whether the bytes came from a file, stdin, gzip or zstd.
public protocol ByteSource: AnyObject {
    /// Reads up to `buffer.count` bytes into `buffer`; returns 0 only at the end of the stream.
    /// Throws `InputError.corrupt` when compressed data is damaged or truncated.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Bytes consumed so far from the underlying file (compressed bytes), for progress and positions.
    var rawBytesRead: Int64 { get }
}

/// How an input was compressed, detected from its first bytes.
public enum Compression: String, Sendable {
    case none, gzip, zstd
}

/// Errors of the Input layer. Each names the file and, where there is one, the position.
public enum InputError: Error, Equatable, Sendable {
    /// The path does not exist (exit 66).
    case notFound(path: String)
    /// The path exists but cannot be opened or read (exit 66).
    case cannotOpen(path: String, reason: String)
    /// Damaged or truncated data; `offset` is the byte offset in the file (compressed bytes).
    case corrupt(path: String, offset: Int64, reason: String)
}

extension InputError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound(let path): return "\(path): no such file or directory"
        case .cannotOpen(let path, let reason): return "\(path): cannot open: \(reason)"
        case .corrupt(let path, let offset, let reason): return "\(path): byte \(offset): \(reason)"
        }
    }
}
