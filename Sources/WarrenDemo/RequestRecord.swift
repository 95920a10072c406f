/// One request of the load: when it was due, how it ended.
public struct RequestRecord: Sendable, Codable, Hashable {
    /// Seconds into the load it was scheduled (and sent) at.
    public var t: Double
    /// Its phase.
    public var phase: DemoPhase
    /// The HTTP status, or 0 when it failed without one (connection refused, timeout).
    public var status: Int
    /// Seconds from send to reply (or failure).
    public var latency: Double
    /// The event id the producer gave, when it accepted the event.
    public var id: String?

    /// Accepted (async `202`) or processed (sync `200`).
    public var succeeded: Bool { status == 202 || status == 200 }
}

/// A periodic sample of the system: queue depth and whether the consumer is up.
public struct DemoSample: Sendable, Codable, Hashable {
    /// Seconds into the load.
    public var t: Double
    /// Messages ready in the events queue (-1 when unknown).
    public var queueDepth: Int
}
