import Foundation
import Testing
import WarrenProcess
import WarrenTestSupport

/// Issue 17's livelock: a single node with quorum queues is killed (-9) as soon as a fresh producer is ready, within
/// the first seconds of its status queue's life; events are posted while the node is down (they go to the outbox);
/// the node comes back. Before the fix, re-registering the status queue's consumer waited for the RPC timeout, the
/// whole connection was torn down and recovery started over, again and again: the outbox never drained. Now one
/// stuck queue delays only its own consumer, so publishing resumes as soon as the channels are open again.
@Suite("recovery right after the producer's start")
struct RecoveryLivelockTests {
    @Test(
        "kill -9 of the node as soon as the producer is ready, 50 events spooled, node restarted, 5 runs: the outbox drains within 15 s"
    )
    func restartRightAfterStart() async throws {
        try await PrivateBroker.with { broker in
            var drains: [Double] = []
            for run in 1...5 {
                let system = System(url: broker.url, queueType: "quorum", label: "livelock\(run)")
                do {
                    if let drain = try await oneRun(run, system: system, broker: broker) { drains.append(drain) }
                } catch {
                    await system.stop()
                    throw error
                }
                await system.stop()
            }
            let figures = drains.map { String(format: "%.2f", $0) }.joined(separator: ", ")
            print(#"{"scenario":"livelock","runs":5,"drained":\#(drains.count),"drain_s":[\#(figures)]}"#)
        }
    }

    /// One run; the seconds from the node answering again to the outbox empty, `nil` if it did not drain in 15 s.
    private func oneRun(_ run: Int, system: System, broker: PrivateBroker) async throws -> Double? {
        try await system.startProducer(mode: "async", arguments: ["--publish-timeout", "1"])
        // As in the issue: the kill lands right after the producer declared its topology and status queue (a loaded
        // machine can answer /readyz before that).
        let declared = await system.timeUntil(timeout: .seconds(30)) { $0["warren_producer_broker_connected"] == 1 }
        #expect(declared != nil, "run \(run): the producer declared its topology")
        kill(try await broker.pid(), SIGKILL)
        var accepted = 0
        for _ in 0..<50 where (try await system.post()).status == 202 { accepted += 1 }
        #expect(accepted == 50, "run \(run): every event was accepted while the node was down")
        _ = try await broker.script(["restart-node"])
        let drained = await system.timeUntil(timeout: .seconds(15), System.healthy)
        let log = system.producer?.log ?? ""
        #expect(
            drained != nil,
            "run \(run): the outbox still held events 15 s after the node answered:\n\(log.suffix(4000))")
        if drained != nil {
            let depth = try await system.queueDepth()
            #expect(depth == 50, "run \(run): all 50 events reached the events queue (found \(depth))")
        }
        return drained?.seconds
    }
}
