// A ByteSource over bytes in memory, in small reads.

@testable import AttribCore

/// A ByteSource over bytes in memory, handing them out in small reads to exercise refills.
final class MemorySource: ByteSource {
    let bytes: [UInt8]
    let chunk: Int
    var offset = 0
    init(_ bytes: [UInt8], chunk: Int = 7) {
        self.bytes = bytes
        self.chunk = chunk
    }
    convenience init(_ text: String, chunk: Int = 7) { self.init(Array(text.utf8), chunk: chunk) }
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(chunk, buffer.count, bytes.count - offset)
        if n <= 0 { return 0 }
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        offset += n
        return n
    }
    var rawBytesRead: Int64 { Int64(offset) }
}
