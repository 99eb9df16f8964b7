// Raw event blocks: messages back to back, each prefixed by its LEB128 length, compressed with zstd.

import CZstd

/// Compresses raw event blocks with one reused zstd context (a context per call, and a zero-filled
/// output buffer per call, cost more than a third of compressing).
final class BlockCompressor {
    private let context: OpaquePointer
    let level: Int32

    init(level: Int32) {
        context = ZSTD_createCCtx()
        self.level = level
    }

    deinit { ZSTD_freeCCtx(context) }

    func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        return [UInt8](unsafeUninitializedCapacity: bound) { out, count in
            let n = ZSTD_compressCCtx(context, out.baseAddress, bound, input.baseAddress, input.count, level)
            count = ZSTD_isError(n) != 0 ? 0 : n
        }
    }
}

/// zstd helpers for the raw event blocks.
enum BlockCodec {
    static func decompress(_ input: [UInt8]) -> [UInt8]? {
        let size = input.withUnsafeBytes { ZSTD_getFrameContentSize($0.baseAddress, $0.count) }
        guard size != ZSTD_CONTENTSIZE_ERROR, size != ZSTD_CONTENTSIZE_UNKNOWN, size < 1 << 31 else { return nil }
        var out = [UInt8](repeating: 0, count: Int(size))
        let n = input.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in ZSTD_decompress(dst.baseAddress, Int(size), src.baseAddress, src.count)
            }
        }
        return ZSTD_isError(n) != 0 ? nil : out
    }

    /// Splits a decompressed block into its messages.
    static func messages(_ block: [UInt8]) -> [[UInt8]] {
        messageOffsets(block).map { Array(block[$0]) }
    }

    /// Where each message of a decompressed block lies (each is prefixed by its LEB128 length).
    static func messageOffsets(_ block: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var i = 0
        while i < block.count {
            var length = 0
            var shift = 0
            while i < block.count {
                let b = block[i]
                i += 1
                length |= Int(b & 0x7F) << shift
                shift += 7
                if b & 0x80 == 0 { break }
            }
            guard i + length <= block.count else { break }
            result.append(i..<(i + length))
            i += length
        }
        return result
    }
}
