import Foundation
import Testing
import WarrenProcess
import WarrenTestSupport

/// Issue 5's kill tests beyond the basic pair: repeated kills at random moments, competing consumers, a hang that
/// only the heartbeat resolves. Each prints one JSON line of figures.
@Suite("kill consumers under a stream")
struct CompetingConsumerTests {
    /// Posts `count` events at about `rate`/s while `chaos` runs; the 202 ids and every latency.
    private func stream(
        _ system: System, count: Int, rate: Double, chaos: @escaping @Sendable () async throws -> Void
    ) async throws -> (ids: [String], latencies: [Double], failures: [String]) {
        let ids = SharedStrings()
        let failures = SharedStrings()
        let latencies = SharedDoubles()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await chaos() }
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self) { posts in
                    for n in 0..<count {
                        try await Task.sleep(for: .milliseconds(Int64(1000 / rate)))
                        posts.addTask {
                            let start = ContinuousClock.now
                            if await system.post(label: "\(n)", ids: ids, failures: failures) {
                                latencies.append((ContinuousClock.now - start).milliseconds)
                            }
                        }
                    }
                    try await posts.waitForAll()
                }
            }
            try await group.waitForAll()
        }
        return (ids.values, latencies.values, failures.values)
    }

    /// Waits for every id to succeed, then checks the store and the queue; prints the figures.
    private func reconcile(
        _ system: System, name: String, ids: [String], latencies: [Double], failures: [String], statsFrom: Int = 0
    ) async throws {
        let expected = Set(ids)
        let succeeded = await eventually(timeout: .seconds(120)) {
            await system.finalStatuses(of: expected).allSatisfy { $0.value == "succeeded" }
        }
        let stats = try await system.stats(statsFrom)  // the store is shared: any live consumer reports it
        let depth = try await system.queueDepth()
        let sorted = latencies.sorted()
        let p99 = sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
        let statuses = await system.finalStatuses(of: expected)
        let lost = statuses.filter { $0.value != "succeeded" }.count
        print(
            #"{"test":"\#(name)","sent":\#(ids.count + failures.count),"#
                + #""accepted":\#(ids.count),"failed":\#(failures.count),"lost":\#(lost),"#
                + #""stored":\#(stats["storedEvents"] ?? -1),"effects":\#(stats["effects"] ?? -1),"#
                + #""duplicatesSuppressed":\#(stats["duplicatesSuppressed"] ?? -1),"p99_ms":\#(Int(p99)),"queue":\#(depth)}"#
        )
        #expect(failures.isEmpty, "the producer failed requests: \(failures.prefix(5))")
        #expect(succeeded, "\(lost) accepted events did not succeed")
        #expect(stats["storedEvents"] == expected.count, "the store holds each id exactly once")
        #expect(stats["effects"] == stats["storedEvents"], "no duplicate effect")
        #expect(depth == 0, "the queue ends empty")
    }

    @Test("async: the consumer kill -9'd three times at random moments mid-stream; nothing lost, each effect once")
    func repeatedKills() async throws {
        try await System.with(mode: "async") { system in
            let (ids, latencies, failures) = try await stream(system, count: 240, rate: 40) {
                for _ in 0..<3 {
                    try await Task.sleep(for: .milliseconds(Int64.random(in: 700...1500)))
                    system.consumer.send(SIGKILL)
                    _ = await system.consumer.waitForExit(timeout: .seconds(5))
                    try await Task.sleep(for: .milliseconds(Int64.random(in: 300...900)))
                    try await system.restartConsumer()
                }
            }
            try await reconcile(system, name: "repeatedKills", ids: ids, latencies: latencies, failures: failures)
        }
    }

    @Test("async: two competing consumers, one killed for good; the other drains everything")
    func competingOneKilled() async throws {
        try await System.with(mode: "async") { system in
            try await system.restartConsumer(1)
            let (ids, latencies, failures) = try await stream(system, count: 200, rate: 50) {
                try await Task.sleep(for: .seconds(1))
                system.consumer(0).send(SIGKILL)
            }
            try await reconcile(
                system, name: "competingOneKilled", ids: ids, latencies: latencies, failures: failures, statsFrom: 1)
            let survivor = try await system.stats(1)
            #expect((survivor["processed"] ?? 0) > 0, "the surviving consumer processed events")
        }
    }

    @Test("async: a SIGSTOPped consumer's deliveries go to the other one once its heartbeat fails; no duplicate effect")
    func hungConsumerRedelivered() async throws {
        try await System.with(mode: "async") { system in
            try await system.restartConsumer(1)
            let (ids, latencies, failures) = try await stream(system, count: 200, rate: 50) {
                try await Task.sleep(for: .seconds(1))
                system.consumer(0).send(SIGSTOP)
                // Heartbeat 2 s: the broker declares the stopped connection dead after about two missed beats.
                try await Task.sleep(for: .seconds(8))
                system.consumer(0).send(SIGCONT)
            }
            try await reconcile(
                system, name: "hungConsumerRedelivered", ids: ids, latencies: latencies, failures: failures)
            let survivor = try await system.stats(1)
            #expect((survivor["redeliveries"] ?? 0) > 0, "the stopped consumer's deliveries were redelivered")
        }
    }
}

/// Strings shared between tasks. `@unchecked Sendable`: `storage` only touched with `lock` held.
final class SharedStrings: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ value: String) { lock.withLock { storage.append(value) } }
    var values: [String] { lock.withLock { storage } }
}

/// Numbers shared between tasks. `@unchecked Sendable`: `storage` only touched with `lock` held.
final class SharedDoubles: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Double] = []
    func append(_ value: Double) { lock.withLock { storage.append(value) } }
    var values: [Double] { lock.withLock { storage } }
}

extension Duration {
    /// In milliseconds.
    var milliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
