import AMQP
import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// Real signals: SIGTERM drains, kill -9 loses nothing, bad configuration exits 2.
@Suite(.reapsConsumers) struct ConsumerLifecycleTests {
    @Test func sigtermMidBatchFinishesInFlightAndLosesNothing() async throws {
        let prefix = TestBroker.uniquePrefix("sigterm")
        let probe = try await BrokerProbe.open(prefix: prefix)
        let events = (0..<20).map { _ in BrokerProbe.demoEvent(data: ["sleep_ms": 400]) }
        for event in events { try await probe.publish(event) }
        let first = try await TestConsumer.start(prefix: prefix, extra: ["--concurrency", "4"])
        try await first.waitForStats { $0["inFlight"] == 4 }
        first.process.send(SIGTERM)
        #expect(await first.process.waitForExit(timeout: .seconds(30)) == 0)
        #expect(first.process.log.contains("drained: all in-flight deliveries finished and acknowledged"))
        #expect(!first.process.log.contains("cancelled and left unacknowledged"))
        let atSignal = first.process.log.firstMatch(of: /no new deliveries; (\d+) in flight/)
        #expect((atSignal.flatMap { Int($0.1) } ?? 0) >= 1, "SIGTERM arrived mid-batch")

        let second = try await first.restarted()
        let stats = try await second.waitForStats { $0["storedEvents"] == 20 && $0["inFlight"] == 0 }
        // Everything the first process finished was acknowledged: nothing came back as a duplicate.
        #expect(stats["duplicatesSuppressed"] == 0)
        #expect(stats["effects"] == 20)
        #expect(try await probe.messageCount(probe.topology.eventsQueue) == 0)
        #expect(await second.process.stop() == 0)
        await probe.cleanUp()
    }

    @Test func sigtermWithEverySlotBusyHonoursTheShutdownTimeout() async throws {
        let prefix = TestBroker.uniquePrefix("sigterm-busy")
        let probe = try await BrokerProbe.open(prefix: prefix)
        for _ in 0..<6 { try await probe.publish(BrokerProbe.demoEvent(data: ["sleep_ms": 120_000])) }
        let consumer = try await TestConsumer.start(
            prefix: prefix,
            extra: ["--concurrency", "2", "--handler-timeout", "300", "--shutdown-timeout", "1"])
        // Both slots busy with two-minute handlers and more deliveries prefetched, waiting for a slot.
        try await consumer.waitForStats { $0["inFlight"] == 2 }
        consumer.process.send(SIGTERM)
        // Before the fix the wait for a free slot ignored shutdown: the process stayed until a handler ended.
        #expect(await consumer.process.waitForExit(timeout: .seconds(20)) == 0)
        #expect(consumer.process.log.contains("deliveries cancelled and left unacknowledged for redelivery"))
        let returned = await eventually(timeout: .seconds(15)) {
            (try? await probe.messageCount(probe.topology.eventsQueue)) == 6
        }
        #expect(returned, "every event is back in the queue for the next consumer")
        await probe.cleanUp()
    }

    @Test func kill9MidBatchThenRestartProcessesEachEventExactlyOnce() async throws {
        let prefix = TestBroker.uniquePrefix("kill9")
        let probe = try await BrokerProbe.open(prefix: prefix, queueType: .quorum)
        let events = (0..<60).map { _ in BrokerProbe.demoEvent(data: ["sleep_ms": 30]) }
        for event in events { try await probe.publish(event) }
        let first = try await TestConsumer.start(prefix: prefix, queueType: .quorum, extra: ["--concurrency", "8"])
        try await first.waitForStats { ($0["storedEvents"] ?? 0) >= 15 && ($0["inFlight"] ?? 0) > 0 }
        first.process.send(SIGKILL)
        #expect(await first.process.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)

        let second = try await first.restarted()
        try await second.waitUntilReady()
        let stats = try await second.waitForStats { $0["storedEvents"] == 60 && $0["inFlight"] == 0 }
        #expect(stats["effects"] == 60, "every event's effect exactly once")
        #expect((stats["redeliveries"] ?? 0) > 0, "the kill left deliveries unacknowledged")
        let drained = await eventually(timeout: .seconds(30)) {
            (try? await probe.messageCount(probe.topology.eventsQueue)) == 0
        }
        #expect(drained)
        #expect(try await probe.messageCount(probe.topology.deadQueue) == 0)
        #expect(await second.process.stop() == 0)
        await probe.cleanUp()
    }

    @Test(arguments: [
        ["--concurrency", "0"], ["--concurrency", "8", "--prefetch", "2"], ["--retry-delays", "soon"],
        ["--no-such-flag"], ["--exec", "/nonexistent/handler"], ["--handler-timeout", "7200"],
    ])
    func invalidConfigurationExitsWithCode2(arguments: [String]) async throws {
        let process = try ServiceProcess.start("consumer", arguments: arguments)
        ReapConsumers.current?.add(process)
        #expect(await process.waitForExit(timeout: .seconds(10)) == 2)
        let lines = process.log.split(separator: "\n")
        #expect(lines.count == 1 && lines.first?.hasPrefix("consumer: invalid configuration:") == true, "\(lines)")
    }

    @Test func helpExitsZero() async throws {
        let process = try ServiceProcess.start("consumer", arguments: ["--help"])
        ReapConsumers.current?.add(process)
        #expect(await process.waitForExit(timeout: .seconds(10)) == 0)
        #expect(process.log.contains("--exec-arg"))
    }
}
