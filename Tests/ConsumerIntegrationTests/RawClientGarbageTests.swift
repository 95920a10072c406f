import AMQP
import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// Issue 7: the consumer fed by an independent AMQP client (`amqp-publish` from Debian's amqp-tools: no message
/// id, no Warren headers unless given, string headers only). Garbage is dead-lettered with a reason; a valid event
/// with wrong or malformed metadata is processed (the body decides, the properties are not trusted); the consumer
/// stays up and keeps draining good events.
@Suite("consumer fed by a raw AMQP client")
struct RawClientGarbageTests {
    /// `amqp-publish` one message to the events exchange with routing key demo.work; body from stdin.
    private func rawPublish(_ body: [UInt8], exchange: String, options: [String]) async throws {
        let result = try await runProcess(
            "/usr/bin/amqp-publish",
            ["--url", TestBroker.url, "-e", exchange, "-r", "demo.work", "-p"] + options, stdin: Data(body))
        try #require(result.status == 0, "amqp-publish: \(result.stderr)")
    }

    /// A well-formed CloudEvent whose data is padded to `bytes` bytes in all.
    private static func paddedEvent(bytes: Int) -> [UInt8] {
        let head = #"{"specversion":"1.0","id":"padded-1","source":"/raw","type":"demo.work","data":{"pad":""#
        let tail = #""}}"#
        return Array(head.utf8)
            + [UInt8](repeating: UInt8(ascii: "x"), count: bytes - head.utf8.count - tail.utf8.count)
            + Array(tail.utf8)
    }

    @Test func garbageIsDeadLetteredWithAReasonAndGoodEventsKeepFlowing() async throws {
        let prefix = TestBroker.uniquePrefix("rawgarbage")
        let probe = try await BrokerProbe.open(prefix: prefix)
        let consumer = try await TestConsumer.start(prefix: prefix, extra: ["--concurrency", "4"])
        try await consumer.waitUntilReady()
        let exchange = probe.topology.eventsExchange
        let garbage: [(name: String, body: [UInt8], options: [String], reason: String)] = [
            ("empty body", [], [], "JSON"),
            ("binary, octet-stream", [0x00, 0x01, 0xfe, 0xff, 0x80], ["-C", "application/octet-stream"], "UTF-8"),
            ("JSON array", Array("[1,2,3]".utf8), ["-C", "application/json"], "object"),
            ("JSON, not a CloudEvent", Array(#"{"type":"demo.work","data":{}}"#.utf8), [], "specversion"),
            ("XML", Array("<event><id>1</id></event>".utf8), ["-C", "application/xml"], "JSON"),
            (
                "CloudEvent with an empty id",
                Array(#"{"specversion":"1.0","id":"","source":"/s","type":"demo.work"}"#.utf8),
                [], "id"
            ),
            // A valid CloudEvent padded to 10 MiB: over the consumer's 2 MiB message limit.
            ("10 MiB CloudEvent", Self.paddedEvent(bytes: 10 << 20), [], "limit"),
        ]
        let good = (0..<8).map { _ in BrokerProbe.demoEvent(data: ["sleep_ms": 5]) }
        for (index, item) in garbage.enumerated() {
            try await rawPublish(item.body, exchange: exchange, options: item.options)
            try await probe.publish(good[index])
        }
        // Valid events with hostile metadata: processed, attempt 1 (a malformed attempt header is not trusted).
        let badHeader = BrokerProbe.demoEvent(data: ["sleep_ms": 1])
        try await rawPublish(
            badHeader.encoded(), exchange: exchange,
            options: ["-C", "text/plain", "-H", "x-warren-attempt: banana", "-H", "traceparent: not-a-trace"])
        let wrongType = BrokerProbe.demoEvent(data: ["sleep_ms": 1])
        try await rawPublish(wrongType.encoded(), exchange: exchange, options: ["-C", "application/xml"])
        for event in good[garbage.count...] { try await probe.publish(event) }
        // A header name of 200 bytes 0xFF (invalid UTF-8): decoded with replacement characters it grows to 600
        // bytes, which no AMQP client can send back; dead-lettered without the foreign properties, not looped.
        let oddHeaderBody = Array("not JSON, odd header".utf8)
        let odd = try await runProcess(
            "/bin/sh",
            [
                "-c", #"exec amqp-publish --url "$1" -e "$2" -r demo.work -p -H "$(printf '\377%.0s' $(seq 200)): v""#,
                "sh", TestBroker.url, exchange,
            ], stdin: Data(oddHeaderBody))
        try #require(odd.status == 0, "amqp-publish: \(odd.stderr)")

        let expectedStored = good.count + 2
        let stats = try await consumer.waitForStats {
            $0["storedEvents"] == expectedStored && $0["deadLettered"] == garbage.count + 1
        }
        #expect(stats["effects"] == expectedStored)
        #expect(stats["acks"] == expectedStored + garbage.count + 1, "every message settled")
        #expect(consumer.process.exitCode == nil, "the consumer is still up")
        let dead = try await probe.collect(probe.topology.deadQueue) { $0.count == garbage.count + 1 }
        #expect(dead.count == garbage.count + 1)
        let oddLetter = dead.first { $0.body == oddHeaderBody }?.properties.headers
        #expect(
            oddLetter?["x-warren-reason"]?.stringValue?.contains("JSON") == true, "\(String(describing: oddLetter))")
        #expect(
            oddLetter?["x-warren-dropped-properties"]?.stringValue?.contains("header name") == true,
            "\(String(describing: oddLetter))")
        for item in garbage {
            let letter = dead.first { $0.body == item.body }
            let reason = letter?.properties.headers?["x-warren-reason"]?.stringValue ?? ""
            #expect(reason.contains(item.reason), "\(item.name): dead-lettered with \"\(reason)\"")
        }
        let statuses = try await probe.statuses { $0.final(for: [badHeader.id, wrongType.id]) }
        let final = statuses.filter { $0.id == badHeader.id || $0.id == wrongType.id }.filter(\.status.isFinal)
        #expect(final.count == 2 && final.allSatisfy { $0.status == .succeeded && $0.attempt == 1 }, "\(final)")
        #expect(await consumer.process.stop() == 0)
        await probe.cleanUp()
    }
}
