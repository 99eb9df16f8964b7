// Files, stdin, and gzip / zstd decompression chosen by the first bytes (ripgrep's decompress.rs idea).

import CIsal
import CZstd

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file or stdin, read with large POSIX reads; works on pipes (never seeks).
public final class FileSource: ByteSource {
    let fd: Int32
    public let path: String
    private let ownsDescriptor: Bool
    public private(set) var rawBytesRead: Int64 = 0
    /// Takes every byte read, in order (the file's fingerprint, made while it is read).
    var fingerprint: StreamingFingerprint?

    public init(path: String) throws(InputError) {
        self.path = path
        var st = stat()
        if stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
            throw .cannotOpen(path: path, reason: "is a directory")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .notFound(path: path) }
            throw .cannotOpen(path: path, reason: String(cString: strerror(code)))
        }
        self.fd = fd
        ownsDescriptor = true
    }

    private init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        ownsDescriptor = false
    }

    public static func standardInput() -> FileSource { FileSource(fd: 0, path: "(stdin)") }

    deinit { if ownsDescriptor { close(fd) } }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 {
                rawBytesRead += Int64(n)
                if n > 0, let fingerprint { fingerprint.add(buffer.baseAddress!, n) }
                return n
            }
            if errno == EINTR { continue }
            throw InputError.corrupt(
                path: path, offset: rawBytesRead, reason: "read error: \(String(cString: strerror(errno)))")
        }
    }
}

/// Hands back bytes already read (the magic-byte peek) before reading on from the source.
final class PeekedSource: ByteSource {
    private let source: ByteSource
    private var head: [UInt8]
    private var headOffset = 0

    init(_ source: ByteSource, head: [UInt8]) {
        self.source = source
        self.head = head
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if headOffset < head.count {
            let n = min(buffer.count, head.count - headOffset)
            head.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + headOffset, byteCount: n) }
            headOffset += n
            return n
        }
        return try source.read(into: buffer)
    }

    var rawBytesRead: Int64 { source.rawBytesRead }
}

/// Damage found in a compressed stream is raised only after the bytes decoded before it were handed
/// out: good data is never lost. Shared by the gzip and zstd sources.
struct DeferredFailure {
    private var pending: InputError?
    private(set) var finished = false

    /// Raises an error held back from the previous read.
    mutating func raisePending() throws {
        if let error = pending {
            pending = nil
            finished = true
            throw error
        }
    }

    /// Returns `produced` and holds `error` for the next read, or throws it now when nothing was produced.
    mutating func deliver(_ produced: Int, _ error: InputError) throws -> Int {
        if produced > 0 {
            pending = error
            return produced
        }
        finished = true
        throw error
    }

    mutating func finish() { finished = true }
}

/// Streaming gzip, including several concatenated members (Firehose, `cat a.gz b.gz`). Inflated by ISA-L
/// (Intel's igzip): about 1.8 times zlib's speed on the exports, the same checks (each member's CRC and
/// length), and a streaming interface as zlib's. The byte a damage is reported at is where ISA-L stopped
/// reading, up to 8 bytes past the damage (it reads ahead into a bit buffer); a cut stream's is its end.
public final class GzipSource: ByteSource {
    private let source: ByteSource
    private let path: String
    /// ISA-L's state (~10 KB of Huffman tables) stays in one place on the heap.
    private let state: UnsafeMutablePointer<inflate_state>
    private let input: UnsafeMutablePointer<UInt8>
    private let inputSize = 256 << 10
    private var inputEnd = false
    private var failure = DeferredFailure()
    /// True between members: only trailing padding or a new member may follow.
    private var betweenMembers = false

    public init(_ source: ByteSource, path: String) throws(InputError) {
        self.source = source
        self.path = path
        input = .allocate(capacity: inputSize)
        state = .allocate(capacity: 1)
        Self.start(state)
    }

    /// A new member: gzip wrapper only, its header parsed and its CRC and length checked by ISA-L.
    private static func start(_ state: UnsafeMutablePointer<inflate_state>) {
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
    }

    deinit {
        state.deallocate()
        input.deallocate()
    }

    public var rawBytesRead: Int64 { source.rawBytesRead }

    private var consumedOffset: Int64 { source.rawBytesRead - Int64(state.pointee.avail_in) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try failure.raisePending()
        guard !failure.finished, buffer.count > 0 else { return 0 }
        let s = state
        s.pointee.next_out = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        s.pointee.avail_out = UInt32(min(buffer.count, Int(UInt32.max)))
        var produced: Int { buffer.count - Int(s.pointee.avail_out) }
        while s.pointee.avail_out > 0 {
            if s.pointee.avail_in == 0 && !inputEnd {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(start: input, count: inputSize))
                if n == 0 {
                    inputEnd = true
                } else {
                    s.pointee.next_in = input
                    s.pointee.avail_in = UInt32(n)
                }
            }
            if betweenMembers {
                // Zero padding after the last member is common (tape-style writers); skip it.
                while s.pointee.avail_in > 0 && s.pointee.next_in.pointee == 0 {
                    s.pointee.next_in += 1
                    s.pointee.avail_in -= 1
                }
                if s.pointee.avail_in == 0 {
                    if inputEnd {
                        failure.finish()
                        return produced
                    }
                    continue
                }
                let (next, available, out, room) = (
                    s.pointee.next_in, s.pointee.avail_in, s.pointee.next_out, s.pointee.avail_out
                )
                Self.start(s)
                (s.pointee.next_in, s.pointee.avail_in, s.pointee.next_out, s.pointee.avail_out) = (
                    next, available, out, room
                )
                betweenMembers = false
            }
            let before = (s.pointee.avail_in, s.pointee.avail_out)
            let rc = isal_inflate(s)
            guard rc >= 0 && rc != ISAL_NEED_DICT else {
                return try failure.deliver(
                    produced,
                    .corrupt(path: path, offset: consumedOffset, reason: "corrupt gzip data: \(Self.describe(rc))"))
            }
            if s.pointee.block_state == ISAL_BLOCK_FINISH {
                betweenMembers = true
            } else if before == (s.pointee.avail_in, s.pointee.avail_out) {
                // No progress: at the end of the input (ISA-L holds no more of the member), the stream was cut;
                // with input left and room for output, the data cannot be inflated.
                if s.pointee.avail_in == 0 && inputEnd {
                    return try failure.deliver(
                        produced, .corrupt(path: path, offset: consumedOffset, reason: "truncated gzip stream"))
                }
                if s.pointee.avail_in > 0 {
                    return try failure.deliver(
                        produced, .corrupt(path: path, offset: consumedOffset, reason: "corrupt gzip data"))
                }
            }
        }
        return produced
    }

    private static func describe(_ rc: Int32) -> String {
        switch rc {
        case ISAL_INVALID_BLOCK: return "invalid block type"
        case ISAL_INVALID_SYMBOL: return "invalid code"
        case ISAL_INVALID_LOOKBACK: return "invalid distance too far back"
        case ISAL_INVALID_WRAPPER: return "incorrect header check"
        case ISAL_UNSUPPORTED_METHOD: return "unknown compression method"
        case ISAL_INCORRECT_CHECKSUM: return "incorrect data check"
        case ISAL_NEED_DICT: return "a preset dictionary is needed"
        default: return "ISA-L error \(rc)"
        }
    }
}

/// Streaming zstd, several frames in one file.
public final class ZstdSource: ByteSource {
    private let source: ByteSource
    private let path: String
    private let context: OpaquePointer
    private let input: UnsafeMutablePointer<UInt8>
    private let inputSize = ZSTD_DStreamInSize()
    private var inBuffer = ZSTD_inBuffer(src: nil, size: 0, pos: 0)
    private var inputEnd = false
    private var failure = DeferredFailure()
    /// The last call returned 0: a frame is complete (nothing is pending).
    private var frameComplete = true

    public init(_ source: ByteSource, path: String) throws(InputError) {
        self.source = source
        self.path = path
        guard let ctx = ZSTD_createDCtx() else { throw .cannotOpen(path: path, reason: "zstd init failed") }
        context = ctx
        input = .allocate(capacity: inputSize)
    }

    deinit {
        ZSTD_freeDCtx(context)
        input.deallocate()
    }

    public var rawBytesRead: Int64 { source.rawBytesRead }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try failure.raisePending()
        guard !failure.finished, buffer.count > 0 else { return 0 }
        var out = ZSTD_outBuffer(dst: buffer.baseAddress, size: buffer.count, pos: 0)
        while out.pos < out.size {
            if inBuffer.pos == inBuffer.size && !inputEnd {
                let n = try source.read(into: UnsafeMutableRawBufferPointer(start: input, count: inputSize))
                if n == 0 {
                    inputEnd = true
                } else {
                    inBuffer = ZSTD_inBuffer(src: input, size: n, pos: 0)
                }
            }
            if inBuffer.pos == inBuffer.size && inputEnd {
                if frameComplete {
                    failure.finish()
                    return out.pos
                }
                return try failure.deliver(
                    out.pos, .corrupt(path: path, offset: source.rawBytesRead, reason: "truncated zstd stream"))
            }
            let rc = ZSTD_decompressStream(context, &out, &inBuffer)
            if ZSTD_isError(rc) != 0 {
                let reason = "corrupt zstd data: \(String(cString: ZSTD_getErrorName(rc)))"
                let offset = source.rawBytesRead - Int64(inBuffer.size - inBuffer.pos)
                return try failure.deliver(out.pos, .corrupt(path: path, offset: offset, reason: reason))
            }
            frameComplete = rc == 0
        }
        return out.pos
    }
}

/// Opens `path` ("-" for stdin) and wraps it in the decompressor its first bytes call for.
/// `fingerprint`: takes the file's bytes as they are read (from the first, the magic-byte peek).
public func openInput(path: String, fingerprint: StreamingFingerprint? = nil) throws(InputError) -> (
    source: ByteSource, compression: Compression
) {
    let file = path == "-" ? FileSource.standardInput() : try FileSource(path: path)
    if path != "-" { file.fingerprint = fingerprint }
    return try openInput(source: file, path: path == "-" ? "(stdin)" : path)
}

/// Wraps `source` by its magic bytes: gzip `1f 8b`, zstd `28 b5 2f fd`, else plain.
public func openInput(source: ByteSource, path: String) throws(InputError) -> (
    source: ByteSource, compression: Compression
) {
    var head = [UInt8](repeating: 0, count: 4)
    var have = 0
    do {
        while have < 4 {
            let n = try head.withUnsafeMutableBytes { b in
                try source.read(into: UnsafeMutableRawBufferPointer(start: b.baseAddress! + have, count: 4 - have))
            }
            if n == 0 { break }
            have += n
        }
    } catch let error as InputError {
        throw error
    } catch {
        throw .cannotOpen(path: path, reason: "\(error)")
    }
    head.removeSubrange(have...)
    let peeked = PeekedSource(source, head: head)
    if have >= 2 && head[0] == 0x1F && head[1] == 0x8B {
        return (try GzipSource(peeked, path: path), .gzip)
    }
    if have >= 4 && head == [0x28, 0xB5, 0x2F, 0xFD] {
        return (try ZstdSource(peeked, path: path), .zstd)
    }
    return (peeked, .none)
}
