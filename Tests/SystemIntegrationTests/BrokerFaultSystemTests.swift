import Foundation
import Testing
import WarrenProcess
import WarrenTestSupport

/// Issue 7: RabbitMQ itself fails under a stream of events, with real producer and consumer processes (heartbeat
/// 2 s) on a node of the test's own. Each scenario prints one JSON line (``FaultReport``) and must lose nothing.
@Suite("broker faults under a stream")
struct BrokerFaultSystemTests {
    /// A 1 s publish deadline: a request never waits on a broker that stopped answering for longer than that.
    private static let producerArguments = ["--publish-timeout", "1"]

    @Test("kill -9 of the broker mid-stream, restarted 3 s later: every request answered, all drained after")
    func brokerKilled() async throws {
        try await PrivateBroker.with { broker in
            try await System.with(mode: "async", url: broker.url, producerArguments: Self.producerArguments) {
                system in
                let report = try await FaultRun(name: "broker kill -9").run(system) { injected in
                    try await Task.sleep(for: .seconds(1.5))
                    kill(try await broker.pid(), SIGKILL)
                    injected()
                    let detect = await system.timeUntil(timeout: .seconds(10)) {
                        $0["warren_producer_broker_connected"] == 0
                    }
                    try await Task.sleep(for: .seconds(3))
                    try await broker.script(["restart-node"])
                    let recover = await system.timeUntil(timeout: .seconds(60), System.healthy)
                    return FaultRun.Times(detect: detect, recover: recover)
                }
                report.expectNothingLost()
                #expect(report.failed == 0, "\(report.failures)")
                #expect(report.spooled > 0, "the outbox took the events while the broker was down")
                #expect(report.detect_s != nil && report.recover_s != nil)
            }
        }
    }

    @Test("SIGSTOP of the broker for 3× the heartbeat, then SIGCONT: detected by heartbeat, nothing hangs or is lost")
    func brokerFrozen() async throws {
        try await PrivateBroker.with { broker in
            try await System.with(mode: "async", url: broker.url, producerArguments: Self.producerArguments) {
                system in
                let report = try await FaultRun(name: "broker SIGSTOP 6 s").run(system) { injected in
                    try await Task.sleep(for: .seconds(1.5))
                    let pid = try await broker.pid()
                    kill(pid, SIGSTOP)
                    injected()
                    let detect = await system.timeUntil(timeout: .seconds(6)) {
                        $0["warren_producer_broker_connected"] == 0
                    }
                    try await Task.sleep(for: .seconds(6) - (detect ?? .seconds(6)))
                    kill(pid, SIGCONT)
                    let recover = await system.timeUntil(timeout: .seconds(60), System.healthy)
                    return FaultRun.Times(detect: detect, recover: recover)
                }
                report.expectNothingLost()
                #expect(report.failed == 0, "every request answered within its 5 s deadline: \(report.failures)")
                // Heartbeat 2 s: two missed beats, plus the I/O loop's check interval.
                #expect((report.detect_s ?? 99) <= 2 * 2 + 2, "detected by heartbeat")
                #expect(report.recover_s != nil)
            }
        }
    }

    @Test("memory alarm: connection.blocked → the outbox takes the events; unblocked → forwarded, nothing lost")
    func memoryAlarm() async throws {
        try await PrivateBroker.with { broker in
            try await System.with(mode: "async", url: broker.url, producerArguments: Self.producerArguments) {
                system in
                let report = try await FaultRun(name: "broker memory alarm 4 s").run(system) { injected in
                    try await Task.sleep(for: .seconds(1.5))
                    _ = try await broker.ctl(["set_vm_memory_high_watermark", "0.0000001"])
                    injected()
                    let detect = await system.timeUntil(timeout: .seconds(10)) {
                        $0["warren_producer_broker_blocked"] == 1
                    }
                    try await Task.sleep(for: .seconds(4))
                    _ = try await broker.ctl(["set_vm_memory_high_watermark", "0.4"])
                    let recover = await system.timeUntil(timeout: .seconds(60), System.healthy)
                    return FaultRun.Times(detect: detect, recover: recover)
                }
                report.expectNothingLost()
                #expect(report.failed == 0, "\(report.failures)")
                #expect(report.spooled > 0, "blocked: the producer stopped publishing into the connection")
                #expect(report.detect_s != nil && report.recover_s != nil)
            }
        }
    }

    @Test("network cut between the services and the broker (a black-holing proxy) for 8 s, then healed")
    func networkCut() async throws {
        try await PrivateBroker.with { broker in
            let proxy = try await TCPProxy.start(targetPort: broker.port)
            let url = "amqp://guest:guest@127.0.0.1:\(proxy.port)/%2F"
            do {
                try await cutAndHeal(proxy, url: url)
            } catch {
                await proxy.stop()
                throw error
            }
            await proxy.stop()
        }
    }

    private func cutAndHeal(_ proxy: TCPProxy, url: String) async throws {
        try await System.with(mode: "async", url: url, producerArguments: Self.producerArguments) { system in
            let report = try await FaultRun(name: "network cut 8 s").run(system) { injected in
                try await Task.sleep(for: .seconds(1.5))
                proxy.cut()
                injected()
                let detect = await system.timeUntil(timeout: .seconds(8)) {
                    $0["warren_producer_broker_connected"] == 0
                }
                try await Task.sleep(for: .seconds(8) - (detect ?? .seconds(8)))
                proxy.heal()
                let recover = await system.timeUntil(timeout: .seconds(60), System.healthy)
                return FaultRun.Times(detect: detect, recover: recover)
            }
            report.expectNothingLost()
            #expect(report.failed == 0, "\(report.failures)")
            // The bound: within 2× the heartbeat (2 s) plus a few seconds.
            #expect((report.detect_s ?? 99) <= 2 * 2 + 3, "detected by heartbeat")
            #expect(report.recover_s != nil)
        }
    }

    @Test("consumer_timeout: the broker closes the consumer's channel under slow handlers; no stale ack, no loss")
    func consumerChannelClosed() async throws {
        try await PrivateBroker.with(config: ["consumer_timeout = 2000"]) { broker in
            // Checked on each channel tick (60 s by default): tick every 500 ms on this node.
            _ = try await broker.ctl(["eval", "application:set_env(rabbit, channel_tick_interval, 500)."])
            try await System.with(mode: "async", url: broker.url, producerArguments: Self.producerArguments) {
                system in
                let slow = FaultRun(
                    name: "consumer_timeout 2 s, handlers 3.5 s", events: 12, rate: 6,
                    sleepMilliseconds: 3500, streamUntilFaultEnds: false)
                // Detect: from the first slow event to the first redelivery (the broker closed the channel).
                let report = try await slow.run(system) { _ in
                    let start = ContinuousClock.now
                    let closed = await eventually(timeout: .seconds(20)) {
                        ((try? await system.stats())?["redeliveries"] ?? 0) > 0
                    }
                    return FaultRun.Times(detect: closed ? ContinuousClock.now - start : nil, recover: nil)
                }
                report.expectNothingLost()
                #expect(report.failed == 0, "\(report.failures)")
                #expect(report.redeliveries > 0, "the broker closed the channel and requeued the slow deliveries")
                let log = system.consumer.log
                #expect(
                    report.duplicatesSuppressed > 0,
                    "redelivered copies of finished events ran no second effect:\n\(log.suffix(6000))")
                #expect(log.contains("406"), "the consumer saw the broker's channel close")
                #expect(!log.contains("unknown delivery tag"), "a stale delivery tag was acknowledged:\n\(log)")
            }
        }
    }
}
