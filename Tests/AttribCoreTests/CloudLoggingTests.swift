// Google Cloud Logging's exports: `gcloud logging read --format=json` arrays and Cloud Storage sink lines.

import Foundation
import Testing

@testable import AttribCore

/// LogEntry objects as Cloud Logging writes them (compact, one a line, as a sink file holds them).
enum LogEntries {
    static let group = "projects/aura-prod/logs/run.googleapis.com%2Fstdout"
    static let json =
        #"{"insertId":"a1","jsonPayload":{"audit_event":true,"request_id":"r-1","user_id":"u-1","path":"/v1/chat","status_code":200,"latency_ms":12.5},"logName":"projects/aura-prod/logs/run.googleapis.com%2Fstdout","receiveTimestamp":"2026-03-01T10:00:00.500000000Z","resource":{"type":"cloud_run_revision","labels":{"service_name":"aura-api"}},"severity":"INFO","timestamp":"2026-03-01T10:00:00.123456789Z"}"#
    static let text =
        #"{"insertId":"a2","logName":"projects/aura-prod/logs/run.googleapis.com%2Fstdout","textPayload":"{\"audit_event\": true, \"request_id\": \"r-2\", \"user_id\": \"u-2\", \"path\": \"/v1/models\", \"status_code\": 404}","timestamp":"2026-03-01T10:00:01Z"}"#
    /// Only the time Cloud Logging received it.
    static let received =
        #"{"insertId":"a3","jsonPayload":{"audit_event":true,"request_id":"r-3","user_id":"u-1","path":"/v1/chat","status_code":200},"logName":"projects/aura-prod/logs/run.googleapis.com%2Fstdout","receiveTimestamp":"2026-03-01T10:00:02.250Z"}"#

    /// `entries` as `gcloud logging read --format=json` prints them: one array, indented, keys sorted
    /// (Foundation also writes `/` as `\/`, which a sink file does not).
    static func gcloud(_ entries: [String]) throws -> String {
        let objects = try entries.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) }
        let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

@Suite("Google Cloud Logging exports")
struct CloudLoggingTests {
    @Test("A sink file: one event per LogEntry line, the message is jsonPayload (or textPayload), logName the group")
    func sinkLines() throws {
        let sink = try read([LogEntries.json, LogEntries.text, LogEntries.received].joined(separator: "\n") + "\n")
        #expect(sink.shapes == [.cloudLoggingSink])
        #expect(sink.rejects.isEmpty)
        #expect(sink.events.count == 3)
        #expect(
            sink.events[0].message
                == #"{"audit_event":true,"request_id":"r-1","user_id":"u-1","path":"/v1/chat","status_code":200,"latency_ms":12.5}"#
        )
        #expect(
            sink.events[1].message
                == #"{"audit_event": true, "request_id": "r-2", "user_id": "u-2", "path": "/v1/models", "status_code": 404}"#
        )
        // 2026-03-01T10:00:00.123456789Z to the ms; the third entry at its receiveTimestamp.
        #expect(sink.events.map(\.timestamp) == [1_772_359_200_123, 1_772_359_201_000, 1_772_359_202_250])
        #expect(sink.events.allSatisfy { $0.group == LogEntries.group && $0.stream == nil })
        #expect(sink.identities.allSatisfy { $0 != nil })
        #expect(Set(sink.identities).count == 3)
    }

    @Test("gcloud's array, pretty-printed and streamed: the same events and identities as the sink's lines")
    func gcloudArray() throws {
        let entries = [LogEntries.json, LogEntries.text, LogEntries.received]
        let lines = try read(entries.joined(separator: "\n") + "\n")
        for chunk in [7, 4096] {
            let array = try read(try LogEntries.gcloud(entries), chunk: chunk)
            #expect(array.shapes == [.gcloudLoggingRead])
            #expect(array.rejects.isEmpty)
            #expect(array.identities == lines.identities)
            #expect(array.events.map(\.timestamp) == lines.events.map(\.timestamp))
            #expect(array.events.map(\.group) == lines.events.map(\.group))
            // The payload without the white space gcloud adds (its keys sorted, `/` escaped).
            #expect(
                array.events[0].message
                    == #"{"audit_event":true,"latency_ms":12.5,"path":"\/v1\/chat","request_id":"r-1","status_code":200,"user_id":"u-1"}"#
            )
            #expect(array.events[1].message == lines.events[1].message)
        }
        // Another nanosecond is another entry.
        let other = try read(LogEntries.json.replacingOccurrences(of: "123456789Z", with: "123456788Z") + "\n")
        #expect(other.identities.count == 1 && other.identities[0] != lines.identities[0])
    }

    @Test(
        "Bad input: a non-object element, an entry without a time or a payload, a truncated array: one reject each with its position, the good entries kept"
    )
    func badInput() throws {
        let noTime = #"{"insertId":"n1","jsonPayload":{"audit_event":true},"logName":"projects/p/logs/x"}"#
        let noPayload = #"{"insertId":"n2","logName":"projects/p/logs/x","timestamp":"2026-03-01T10:00:00Z"}"#
        let whole = try LogEntries.gcloud([LogEntries.json, noTime, noPayload, LogEntries.text])
        // A number before the entries, and the array cut off inside the last entry.
        let text = "[\n  1,\n" + whole.dropFirst(2).dropLast(40)
        let array = try read(String(text))
        #expect(array.events.map(\.timestamp) == [1_772_359_200_123])
        #expect(
            array.rejects.map(\.1) == [
                "LogEntry is not a JSON object", "event without a valid timestamp",
                "LogEntry without jsonPayload or textPayload", "document cut off at end of input",
            ])
        #expect(array.rejects.allSatisfy { $0.0.line == nil && $0.0.byte > 0 })
        #expect(array.rejects[0].0.byte == 4)

        let lines = try read(
            [LogEntries.json, noPayload, "not json", LogEntries.text, #"{"insertId":"cut","jsonPay"#].joined(
                separator: "\n"))
        #expect(lines.events.count == 2)
        #expect(
            lines.rejects.map { "\($0.0): \($0.1)" } == [
                "line 2: LogEntry without jsonPayload or textPayload", "line 3: not a Cloud Logging LogEntry",
                "line 5: LogEntry cut off at end of input",
            ])
    }

    @Test("Recognised by content, never by name: router lines in a sink-named file stay JSON lines")
    func recognisedByContent() throws {
        let router = try read(
            GatewayLines.router.joined(separator: "\n") + "\n", path: "stdout/2026/03/01/08:00:00_08:59:59_S0.json")
        #expect(router.shapes == [.jsonLines])
        #expect(router.identities.allSatisfy { $0 == nil })
        let entries = try read(LogEntries.json + "\n", path: "router.log")
        #expect(entries.shapes == [.cloudLoggingSink])
        // A LogEntry-like line without a payload key is a JSON line like any other.
        let plain = try read(#"{"insertId":"x","logName":"l","message":"hi"}"# + "\n")
        #expect(plain.shapes == [.jsonLines])
    }

    @Test("One ingest of gcloud's array, a sink file and its second delivery: each entry once, logName as log_group")
    func ingestBothShapes() throws {
        let dir = temporaryDirectory()
        let files = [
            "gcloud-logging-read.json": try LogEntries.gcloud([LogEntries.json, LogEntries.text]),
            "stdout/2026/03/01/10:00:00_10:59:59_S0.json": LogEntries.text + "\n" + LogEntries.received + "\n",
            "stdout/2026/03/01/10:00:00_10:59:59_S1.json": LogEntries.received + "\n" + LogEntries.json + "\n",
        ]
        for (name, text) in files {
            let url = dir.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let db = dir.appendingPathComponent("cl.db").path
        let ingest = try attrib(["ingest", "--db", db, dir.path])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        #expect(ingest.stderr.contains("(3 new, 3 duplicates)"), "\(ingest.stderr)")
        #expect(
            try reportRows(
                ["--db", db, "--requests", "all", "--by", "source,log_group,user_id,status", "--sort", "user_id"],
                columns: 5) == [
                    "source,log_group,user_id,status,requests",
                    "aura,\(LogEntries.group),u-1,200,2",
                    "aura,\(LogEntries.group),u-2,404,1",
                ])
        let shapes = try sqlRows(db, "SELECT DISTINCT shape FROM source ORDER BY shape")
        #expect(shapes == ["cloud-logging-sink", "gcloud-logging-read"])
    }
}
