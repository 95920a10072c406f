/// The four phases of a demo run, in order.
public enum DemoPhase: String, Sendable, CaseIterable, Codable {
    /// Steady load, everything healthy: the baseline.
    case before
    /// The consumer is killed with `kill -9`, then started again.
    case crash
    /// The consumer is frozen with `SIGSTOP`, then resumed with `SIGCONT`.
    case hang
    /// Steady load again after both faults.
    case after

    /// The phase a request sent `t` seconds into the load belongs to.
    static func at(_ t: Double, _ configuration: DemoConfiguration) -> DemoPhase {
        let crashStart = configuration.steadySeconds
        let hangStart = crashStart + configuration.crashSeconds + configuration.recoverySeconds
        let afterStart = hangStart + configuration.hangSeconds + configuration.recoverySeconds
        if t < crashStart { return .before }
        if t < hangStart { return .crash }
        if t < afterStart { return .hang }
        return .after
    }
}

/// A moment worth marking on the timeline.
public struct DemoMarker: Sendable, Codable, Hashable {
    /// Seconds into the load.
    public var t: Double
    /// What happened (`kill -9`, `restart`, `SIGSTOP`, `SIGCONT`).
    public var label: String
}
