import AMQP
import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// `warren dead-letters list` keeps every message; `replay` republishes as attempt 1 and removes only those.
@Suite(.reapsConsumers) struct DeadLetterCLITests {
    static func warren(_ arguments: [String], prefix: String) async throws -> ProcessResult {
        try await runProcess(
            "\(ServiceProcess.binDirectory)/warren",
            ["dead-letters"] + arguments + ["--url", TestBroker.url, "--prefix", prefix])
    }

    @Test func listKeepsAndReplayRepublishes() async throws {
        let prefix = TestBroker.uniquePrefix("dlq")
        let probe = try await BrokerProbe.open(prefix: prefix)
        let first = BrokerProbe.demoEvent(data: ["result": 1])
        let second = BrokerProbe.demoEvent(data: ["result": 2])
        for (body, id) in [(first.encoded(), first.id), (second.encoded(), second.id), (Array("junk".utf8), "junk")] {
            var properties = BasicProperties(
                headers: [
                    "x-warren-attempt": 4, "x-warren-attempts": 4, "x-warren-reason": "gave up",
                    "x-warren-dead-lettered-at": "2026-01-01T00:00:00.000Z",
                ], deliveryMode: .persistent, messageID: id)
            properties.type = "demo.work"
            try await probe.channel.publish(
                body, exchange: probe.topology.deadExchange, routingKey: "demo.work", properties: properties,
                mandatory: true)
        }

        let list = try await Self.warren(["list"], prefix: prefix)
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.contains(first.id) == true && lines.first?.contains("attempts=4  gave up") == true)
        let json = try await Self.warren(["list", "--json", "--limit", "2"], prefix: prefix)
        #expect(json.stdout.split(separator: "\n").count == 2)
        #expect(try await probe.messageCount(probe.topology.deadQueue) == 3)

        let one = try await Self.warren(["replay", "--id", second.id], prefix: prefix)
        #expect(one.status == 0, "\(one.stderr)")
        #expect(try await probe.messageCount(probe.topology.deadQueue) == 2)
        let replayed = try await probe.collect(probe.topology.eventsQueue) { $0.count == 1 }
        #expect(replayed.first.map { try? CloudEvent.decode($0.body).id } == second.id)
        #expect(replayed.first.map { EventMessage.attempt(in: $0.properties) } == 1)
        #expect(replayed.first?.routingKey == "demo.work")

        let missing = try await Self.warren(["replay", "--id", "no-such-event"], prefix: prefix)
        #expect(missing.status == 1)
        #expect(try await Self.warren(["replay"], prefix: prefix).status == 64)

        let consumer = try await TestConsumer.start(prefix: prefix)
        try await consumer.waitUntilReady()
        let rest = try await Self.warren(["replay", "--all"], prefix: prefix)
        #expect(rest.status == 0, "\(rest.stderr)")
        #expect(rest.stderr.contains("replayed 1, left 1"))
        let stats = try await consumer.waitForStats { $0["storedEvents"] == 1 }
        #expect(stats["deadLettered"] == 0)
        #expect(try await probe.messageCount(probe.topology.deadQueue) == 1)  // the junk stays
        #expect(await consumer.process.stop() == 0)
        await probe.cleanUp()
    }
}
