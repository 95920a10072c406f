import Foundation
import Testing
import WarrenTestSupport

/// One broker-fault scenario, end to end: events stream into the producer at a steady rate while `fault` runs
/// against the broker; then every accepted event must succeed, and the producer's and the consumer's own counters
/// are reconciled and printed as one JSON line (``FaultReport``).
struct FaultRun {
    /// What `fault` measured: fault → the producer noticed (`detect`), fault over → the producer connected and its
    /// outbox empty again (`recover`). `nil` when not applicable.
    struct Times: Sendable {
        var detect: Duration?
        var recover: Duration?
    }

    /// Events per scenario: 150, or `WARREN_FAULT_EVENTS` for a longer soak run (see docs/RELIABILITY.md).
    static let defaultEvents = ProcessInfo.processInfo.environment["WARREN_FAULT_EVENTS"].flatMap(Int.init) ?? 150

    var name: String
    var events = FaultRun.defaultEvents
    var rate = 30.0
    var sleepMilliseconds = 20
    /// Keep streaming past `events` until `fault` returns.
    var streamUntilFaultEnds = true

    /// Streams, runs `fault` alongside, waits for every accepted event to succeed, reconciles; the report.
    ///
    /// `fault` calls the closure it is given once the fault is in place (broker killed, alarm set, link cut). The
    /// stream sends at least `events` events and, with `streamUntilFaultEnds`, keeps going at the same rate until
    /// 2 s after that call (at most 10× `events`), so the fault always happens under load however slowly a loaded
    /// machine runs the fault's own commands (`rabbitmqctl` alone can take seconds).
    func run(
        _ system: System, fault: @escaping @Sendable (_ injected: @escaping @Sendable () -> Void) async throws -> Times
    ) async throws -> FaultReport {
        let before = await system.producerMetrics()
        let ids = SharedStrings()
        let failures = SharedStrings()
        let injectedAt = SharedStrings()
        let interval = Duration.milliseconds(Int64(1000 / rate))
        let times = try await withThrowingTaskGroup(of: Times?.self) { group in
            group.addTask {
                defer { injectedAt.append("\(ContinuousClock.now)") }  // a fault that throws stops the stream too
                return try await fault { injectedAt.append("\(ContinuousClock.now)") }
            }
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self) { posts in
                    var n = 0
                    var tail: Int?  // events still to send once the fault is in place
                    while n < events || (streamUntilFaultEnds && tail != 0 && n < 10 * events) {
                        if tail == nil, !injectedAt.values.isEmpty { tail = Int(2 * rate) }
                        if let left = tail, left > 0 { tail = left - 1 }
                        defer { n += 1 }
                        try await Task.sleep(for: interval)
                        let index = n
                        posts.addTask {
                            await system.post(
                                label: "\(index)", ids: ids, failures: failures, sleepMilliseconds: sleepMilliseconds)
                        }
                    }
                    try await posts.waitForAll()
                }
                return nil
            }
            var times = Times()
            for try await result in group { if let result { times = result } }
            return times
        }
        let expected = Set(ids.values)
        let drainStart = ContinuousClock.now
        _ = await eventually(timeout: .seconds(120)) {
            await system.finalStatuses(of: expected).allSatisfy { $0.value == "succeeded" }
        }
        let drain = ContinuousClock.now - drainStart
        // Quiescent: redelivered copies may still be running after their first run's result was published.
        _ = await eventually(timeout: .seconds(60)) {
            let stats = try? await system.stats()
            let depth = try? await system.queueDepth()
            return stats?["deliveriesInProgress"] == 0 && depth == 0
        }
        let statuses = await system.finalStatuses(of: expected)
        let stats = try await system.stats()
        let after = await system.producerMetrics()
        func delta(_ key: String) -> Int { Int((after[key] ?? 0) - (before[key] ?? 0)) }
        let report = FaultReport(
            test: name, accepted: expected.count, failed: failures.values.count,
            confirmed: delta(#"warren_producer_events_accepted_total{path="broker"}"#),
            spooled: delta(#"warren_producer_events_accepted_total{path="outbox"}"#),
            consumed: stats["storedEvents"] ?? -1, effects: stats["effects"] ?? -1,
            duplicatesSuppressed: stats["duplicatesSuppressed"] ?? -1,
            redeliveries: stats["redeliveries"] ?? -1,
            lost: statuses.values.filter { $0 != "succeeded" }.count, queue: (try? await system.queueDepth()) ?? -1,
            detect_s: times.detect.map(\.seconds), recover_s: times.recover.map(\.seconds), drain_s: drain.seconds,
            failures: Array(failures.values.prefix(5)))
        print(report.jsonLine)
        return report
    }
}

/// A fault scenario's figures: accepted (202), failed (any other answer), accepted straight after a broker confirm
/// (`confirmed`) or from the outbox (`spooled`), committed by the consumer (`consumed`, `effects`), duplicate
/// deliveries acknowledged without a second effect, redeliveries seen, accepted events that never succeeded
/// (`lost`), messages left in the events queue at the end, and the times in seconds.
struct FaultReport: Encodable, Sendable {
    var test: String
    var accepted: Int
    var failed: Int
    var confirmed: Int
    var spooled: Int
    var consumed: Int
    var effects: Int
    var duplicatesSuppressed: Int
    var redeliveries: Int
    var lost: Int
    var queue: Int
    var detect_s: Double?
    var recover_s: Double?
    var drain_s: Double
    var failures: [String]

    /// One line of JSON, keys sorted.
    var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The invariants every scenario must keep.
    func expectNothingLost() {
        #expect(lost == 0, "\(test): \(lost) accepted events did not succeed")
        #expect(consumed == accepted, "\(test): the store holds \(consumed) events for \(accepted) accepted")
        #expect(effects == consumed, "\(test): \(effects) effects for \(consumed) events: a duplicate effect")
        #expect(queue == 0, "\(test): \(queue) messages left in the events queue")
        #expect(confirmed + spooled == accepted, "\(test): \(confirmed) + \(spooled) accepted by path ≠ \(accepted)")
    }
}

extension System {
    /// The producer's Prometheus samples, keyed by `name{labels}` as exposed; empty when unreachable.
    func producerMetrics() async -> [String: Double] {
        guard let reply = try? await TestHTTP.get("\(producerBase)/metrics"), reply.status == 200 else { return [:] }
        var samples: [String: Double] = [:]
        for line in reply.text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    /// How long after now until `condition` holds on the producer's metrics (polled every 50 ms); `nil` if not
    /// within `timeout`.
    func timeUntil(timeout: Duration, _ condition: @escaping ([String: Double]) -> Bool) async -> Duration? {
        let start = ContinuousClock.now
        let held = await eventually(timeout: timeout) { condition(await producerMetrics()) }
        return held ? ContinuousClock.now - start : nil
    }

    /// The producer reports a broker connection, not blocked, nothing in the outbox.
    @Sendable static func healthy(_ metrics: [String: Double]) -> Bool {
        metrics["warren_producer_broker_connected"] == 1 && metrics["warren_producer_broker_blocked"] != 1
            && metrics["warren_producer_outbox_depth"] == 0
    }
}

extension Duration {
    /// In seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
