/// Everything measured for one mode, and the verdict on the project's claim.
public struct ModeReport: Sendable, Codable {
    /// `async` or `sync`.
    public var mode: String
    /// Per phase, in order.
    public var phases: [PhaseSummary]
    /// Accepted events that never reached `succeeded` (async mode; 0 in sync mode, where the client saw the outcome).
    public var lost: Int
    /// Events whose effect was committed more than once, from the consumer's store.
    public var duplicateEffects: Int
    /// Redeliveries the consumer recognized and did not run again.
    public var duplicatesSuppressed: Int
    /// Events the consumer processed (its store's count).
    public var processed: Int
    /// Moments marked on the timeline.
    public var markers: [DemoMarker]
    /// One-second buckets for the chart.
    public var timeline: [TimelinePoint]
    /// What was checked, and whether it held.
    public var checks: [Check]

    /// A named expectation and its outcome.
    public struct Check: Sendable, Codable, Hashable {
        /// What is expected, with the figures.
        public var description: String
        /// Whether it held.
        public var passed: Bool
    }

    /// The phase's summary.
    public func phase(_ phase: DemoPhase) -> PhaseSummary? { phases.first { $0.phase == phase } }

    /// Whether every check held.
    public var passed: Bool { checks.allSatisfy(\.passed) }
}

/// One second of the timeline.
public struct TimelinePoint: Sendable, Codable, Hashable {
    /// Second into the load.
    public var t: Int
    /// Requests sent in it.
    public var requests: Int
    /// Of which failed.
    public var errors: Int
    /// Their p99 latency in ms.
    public var p99: Double
    /// The highest queue depth sampled in it (-1 unknown).
    public var queueDepth: Int
}
