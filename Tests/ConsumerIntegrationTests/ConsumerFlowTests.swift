import AMQP
import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// The delivery flow of the real `consumer` binary against a real broker: concurrency, retries, dead letters,
/// poison messages, duplicates.
@Suite(.reapsConsumers) struct ConsumerFlowTests {
    @Test func handlersOverlapUpToTheConcurrency() async throws {
        let prefix = TestBroker.uniquePrefix("overlap")
        let probe = try await BrokerProbe.open(prefix: prefix)
        for _ in 0..<40 { try await probe.publish(BrokerProbe.demoEvent(data: ["sleep_ms": 200])) }
        let consumer = try await TestConsumer.start(prefix: prefix, extra: ["--concurrency", "8"])
        let stats = try await consumer.waitForStats { $0["storedEvents"] == 40 && $0["acks"] == 40 }
        // 40 queued events of 200 ms each: counted, not timed. All 8 slots filled, never more.
        #expect(stats["maxInFlight"] == 8)
        #expect(stats["effects"] == 40 && stats["processed"] == 40 && stats["duplicatesSuppressed"] == 0)
        #expect(await consumer.process.stop() == 0)
        await probe.cleanUp()
    }

    @Test func retryThenSuccess() async throws {
        let prefix = TestBroker.uniquePrefix("retry")
        let probe = try await BrokerProbe.open(prefix: prefix)
        let consumer = try await TestConsumer.start(prefix: prefix)
        try await consumer.waitUntilReady()
        let event = BrokerProbe.demoEvent(data: ["fail_times": 2, "result": "third time lucky"])
        try await probe.publish(event)
        let updates = try await probe.statuses { $0.final(for: [event.id]) }
        let trail = updates.filter { $0.id == event.id }.map { "\($0.status.rawValue)/\($0.attempt)" }
        #expect(
            trail == [
                "processing/1", "retrying/1", "processing/2", "retrying/2", "processing/3", "succeeded/3",
            ])
        let final = try #require(updates.last)
        #expect(final.result?.objectValue?["result"] == "third time lucky")
        let stats = try await consumer.waitForStats { $0["storedEvents"] == 1 }
        #expect(stats["retried"] == 2 && stats["effects"] == 1 && stats["deadLettered"] == 0)
        #expect(await consumer.process.stop() == 0)
        await probe.cleanUp()
    }

    @Test func exhaustedRetriesAreDeadLetteredWithHeaders() async throws {
        let prefix = TestBroker.uniquePrefix("exhausted")
        let probe = try await BrokerProbe.open(prefix: prefix)
        let consumer = try await TestConsumer.start(prefix: prefix, extra: ["--max-attempts", "2"])
        try await consumer.waitUntilReady()
        let event = BrokerProbe.demoEvent(data: ["fail_times": 5])
        try await probe.publish(event)
        let dead = try await probe.collect(probe.topology.deadQueue) { $0.count == 1 }
        let letter = try #require(dead.first)
        let headers = letter.properties.headers ?? [:]
        #expect(headers["x-warren-reason"]?.stringValue?.hasPrefix("gave up after 2 attempts") == true)
        #expect(headers["x-warren-attempts"]?.intValue == 2)
        let at = try #require(headers["x-warren-dead-lettered-at"]?.stringValue)
        #expect((try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(at)) != nil)
        #expect(letter.routingKey == "demo.work")
        #expect(try CloudEvent.decode(letter.body).id == event.id)
        let updates = try await probe.statuses { $0.final(for: [event.id]) }
        #expect(updates.last?.status == .deadLettered && updates.last?.attempt == 2)
        #expect(updates.last?.error?.contains("simulated failure") == true)
        #expect(await consumer.process.stop() == 0)
        await probe.cleanUp()
    }

    @Test func poisonMessagesAreDeadLetteredWhileOthersFlow() async throws {
        let prefix = TestBroker.uniquePrefix("poison")
        let probe = try await BrokerProbe.open(prefix: prefix)
        let consumer = try await TestConsumer.start(prefix: prefix, extra: ["--concurrency", "4"])
        try await consumer.waitUntilReady()
        let valid = (0..<10).map { _ in BrokerProbe.demoEvent(data: ["sleep_ms": 20]) }
        let unknown = BrokerProbe.demoEvent(data: nil, type: "nobody.handles.this")
        let poison: [(id: String, body: [UInt8], reason: String)] = [
            ("not-json", Array("{not json".utf8), "not valid JSON"),
            ("not-event", Array(#"{"hello": "world"}"#.utf8), "specversion"),
            ("not-utf8", [0x7b, 0xff, 0xfe, 0x7d], "UTF-8"),
            ("huge", Array(repeating: UInt8(ascii: "a"), count: 10 << 20), "the limit is"),
            ("wrong-version", Array(#"{"specversion":"0.3","id":"x","source":"/s","type":"demo.work"}"#.utf8), "1.0"),
        ]
        for (index, item) in poison.enumerated() {
            try await probe.publishRaw(item.body, routingKey: "demo.work", messageID: item.id)
            try await probe.publish(valid[index])
        }
        try await probe.publish(unknown)
        for event in valid[poison.count...] { try await probe.publish(event) }
        // The ack of the last dead-lettered message is counted just after it is dead-lettered: wait for both.
        let stats = try await consumer.waitForStats {
            $0["storedEvents"] == 10 && $0["deadLettered"] == 6 && $0["acks"] == 16
        }
        #expect(stats["effects"] == 10 && stats["acks"] == 16)
        let dead = try await probe.collect(probe.topology.deadQueue) { $0.count == 6 }
        var reasons: [String: String] = [:]
        for letter in dead {
            reasons[letter.properties.messageID ?? "?"] = letter.properties.headers?["x-warren-reason"]?.stringValue
        }
        for item in poison {
            #expect(reasons[item.id]?.contains(item.reason) == true, "\(item.id): \(reasons[item.id] ?? "none")")
        }
        #expect(reasons[unknown.id]?.contains("no handler for event type") == true)
        #expect(dead.first { $0.properties.messageID == "huge" }?.body.count == 10 << 20)
        #expect(await consumer.process.stop() == 0)
        await probe.cleanUp()
    }

    @Test func redeliveredDuplicatesAreSuppressed() async throws {
        let prefix = TestBroker.uniquePrefix("duplicates")
        let probe = try await BrokerProbe.open(prefix: prefix)
        let consumer = try await TestConsumer.start(prefix: prefix)
        try await consumer.waitUntilReady()
        let event = BrokerProbe.demoEvent(data: ["sleep_ms": 50, "result": 1])
        try await probe.publish(event)
        try await probe.publish(event)
        try await consumer.waitForStats { $0["acks"] == 2 }
        try await probe.publish(event)
        let stats = try await consumer.waitForStats { $0["acks"] == 3 }
        #expect(stats["storedEvents"] == 1 && stats["effects"] == 1 && stats["processed"] == 1)
        #expect(stats["duplicatesSuppressed"] == 2)
        let updates = try await probe.statuses { $0.filter { $0.status == .succeeded }.count == 3 }
        #expect(Set(updates.filter { $0.status == .succeeded }.map(\.result)).count == 1)
        #expect(await consumer.process.stop() == 0)
        await probe.cleanUp()
    }
}
