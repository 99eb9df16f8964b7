// An EventSink that keeps what a reader emits, and reading text through it.

@testable import AttribCore

/// Collects what a reader emits.
final class CollectingSink: EventSink {
    struct Event: Equatable {
        var timestamp: Int64?
        var message: String
        var stream: String?
        var group: String?
    }
    var events: [Event] = []
    var rejects: [(Position, String)] = []
    var shapes: [Shape] = []
    /// Each event's identity, when its shape names one (Cloud Logging).
    var identities: [UInt64?] = []
    func shape(_ shape: Shape) { if !shapes.contains(shape) { shapes.append(shape) } }
    func event(_ e: EnvelopeEvent) throws {
        events.append(
            Event(
                timestamp: e.timestampMs, message: String(decoding: e.message, as: UTF8.self), stream: e.logStream,
                group: e.logGroup))
        identities.append(e.identity)
    }
    func reject(_ r: InputReject) throws { rejects.append((r.position, r.reason)) }
}

func read(_ text: String, chunk: Int = 7, path: String = "test") throws -> CollectingSink {
    let sink = CollectingSink()
    _ = try readInput(MemorySource(text, chunk: chunk), path: path, sink: sink)
    return sink
}
