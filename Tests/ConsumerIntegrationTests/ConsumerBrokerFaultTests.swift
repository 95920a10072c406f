import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// The consumer against a broker of the test's own that is killed mid-batch and restarted.
@Suite(.reapsConsumers) struct ConsumerBrokerFaultTests {
    @Test func brokerKilledMidBatchEveryEventExactlyOnce() async throws {
        try await PrivateBroker.with { broker in
            let prefix = TestBroker.uniquePrefix("brokerkill")
            let probe = try await BrokerProbe.open(prefix: prefix, url: broker.url)
            let events = (0..<100).map { _ in BrokerProbe.demoEvent(data: ["sleep_ms": 20]) }
            for event in events { try await probe.publish(event) }
            let consumer = try await TestConsumer.start(
                prefix: prefix, extra: ["--concurrency", "8", "--heartbeat", "2"], url: broker.url)
            try await consumer.waitForStats { ($0["storedEvents"] ?? 0) >= 20 }
            kill(try await broker.pid(), SIGKILL)
            let notReady = await eventually { (try? await TestHTTP.get("\(consumer.baseURL)/readyz").status) == 503 }
            #expect(notReady)
            try await broker.script(["restart-node"])
            let stats = try await consumer.waitForStats(timeout: .seconds(60)) {
                $0["storedEvents"] == 100 && $0["inFlight"] == 0 && $0["consuming"] == 1
            }
            #expect(stats["effects"] == 100, "every event's effect exactly once")
            let drained = await eventually(timeout: .seconds(30)) {
                (try? await probe.messageCount(probe.topology.eventsQueue)) == 0
            }
            #expect(drained)
            #expect(await consumer.process.stop() == 0)
            await probe.cleanUp()
        }
    }
}
