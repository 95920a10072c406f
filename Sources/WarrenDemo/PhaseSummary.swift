/// The figures of one phase of one mode.
public struct PhaseSummary: Sendable, Codable, Hashable {
    /// Which phase.
    public var phase: DemoPhase
    /// Requests sent in it.
    public var sent: Int
    /// Accepted (`202`) or processed (`200`).
    public var succeeded: Int
    /// Anything else: error statuses, refused connections, timeouts.
    public var failed: Int
    /// Requests still unanswered at the client's timeout (status 0) or answered `504`.
    public var timedOut: Int
    /// Latency percentiles and maximum, in milliseconds.
    public var p50: Double
    public var p99: Double
    public var max: Double
    /// Highest queue depth sampled in the phase.
    public var backlogPeak: Int
    /// Seconds from the consumer's recovery (restart or `SIGCONT`) until the queue was back to its baseline;
    /// nil for phases without a fault, or when it never drained.
    public var drainSeconds: Double?

    /// succeeded ÷ sent (1 when nothing was sent).
    public var availability: Double { sent == 0 ? 1 : Double(succeeded) / Double(sent) }

    /// Summarizes `records` of `phase`.
    static func make(
        _ phase: DemoPhase, records: [RequestRecord], samples: [DemoSample], window: ClosedRange<Double>,
        recoveredAt: Double?, baseline: Int
    ) -> PhaseSummary {
        let mine = records.filter { $0.phase == phase }
        let latencies = mine.map { $0.latency * 1000 }.sorted()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            let index = Int((p / 100 * Double(latencies.count - 1)).rounded(.up))
            return latencies[Swift.min(index, latencies.count - 1)]
        }
        let inWindow = samples.filter { window.contains($0.t) }
        var drain: Double?
        if let recoveredAt {
            drain = samples.first { $0.t >= recoveredAt && $0.queueDepth >= 0 && $0.queueDepth <= baseline }
                .map { $0.t - recoveredAt }
        }
        return PhaseSummary(
            phase: phase, sent: mine.count, succeeded: mine.filter(\.succeeded).count,
            failed: mine.filter { !$0.succeeded }.count,
            timedOut: mine.filter { $0.status == 0 || $0.status == 504 }.count,
            p50: percentile(50), p99: percentile(99), max: latencies.last ?? 0,
            backlogPeak: inWindow.map(\.queueDepth).max() ?? 0, drainSeconds: drain)
    }
}
