// Finishing an interrupted run: lines the sink holds whose request contributions it does not.

extension IngestWorker {
    /// After a kill: lines committed since the requests were last written have their contributions
    /// re-derived from the raw messages (the same parse as at ingest), so the sink is whole again.
    func recover() throws {
        let found = try shared.sink.forEachUnmergedLine { l in
            // Which file a line came from is not stored: its mapping is recognised from the line itself.
            useParser(recognizing: l.message)
            parser.parse(l.message, into: line)
            // Stored dictionary ids are the run's own (the shared dictionary starts from the sink's).
            contribute(
                requestKey: requestKey(eventKey: l.key), eventKey: l.key, ts: l.time, stream: l.stream, group: l.group,
                isNew: true)
        }
        guard found > 0 else { return }
        try commit()
        try shared.sinkLock.locked { try shared.sink.atomically { try shared.writeRequests() } }
    }
}
