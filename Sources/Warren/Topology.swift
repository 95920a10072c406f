/// The names and arguments of every exchange and queue Warren uses, derived from a few settings.
///
/// A configuration value: `Sendable`, documented defaults, no I/O. The pure plan (``exchanges``, ``queues``,
/// ``bindings``) is what ``declare(on:)`` sends to the broker, so it can be checked without one.
///
/// With the default prefix `warren`:
/// - `warren.events`: topic exchange and its queue (bound with `#`), dead-lettering to `warren.dead`, with
///   `x-delivery-limit` on quorum queues as a backstop against messages that crash the consumer.
/// - `warren.retry.<delay>` (e.g. `warren.retry.5s`): one fanout exchange and queue per retry delay; the queue's
///   `x-message-ttl` is the delay and it dead-letters back to `warren.events` with the original routing key.
///   The consumer retries a message by publishing it to the exchange of that name with its original routing key.
/// - `warren.dead`: topic exchange and queue (bound with `#`) for dead letters.
/// - `warren.status`: topic exchange for status updates; each producer binds its own durable queue
///   (``declareStatusQueue(named:on:)``).
public struct Topology: Sendable, Hashable {
    /// The first component of every name (default `warren`); tests use a unique one.
    public var prefix: String
    /// The type of every queue (default ``QueueType/quorum``).
    public var queueType: QueueType
    /// The events queue's `x-delivery-limit` (quorum only, default 5): deliveries after which the broker
    /// dead-letters a message that was never settled.
    public var deliveryLimit: Int
    /// One retry queue per delay (default ``RetryPolicy/defaultDelays``: 1 s, 5 s, 30 s).
    public var retryDelays: [Duration]

    /// Creates a topology; see the properties for the defaults.
    public init(
        prefix: String = "warren", queueType: QueueType = .quorum, deliveryLimit: Int = 5,
        retryDelays: [Duration] = RetryPolicy.defaultDelays
    ) {
        self.prefix = prefix
        self.queueType = queueType
        self.deliveryLimit = deliveryLimit
        self.retryDelays = retryDelays
    }

    // MARK: - Names

    /// The topic exchange events are published to, and the queue consumers read (`warren.events`).
    public var eventsExchange: String { "\(prefix).events" }
    /// The queue consumers read (same name as ``eventsExchange``).
    public var eventsQueue: String { eventsExchange }
    /// The exchange and queue for dead letters (`warren.dead`).
    public var deadExchange: String { "\(prefix).dead" }
    /// The queue holding dead letters (same name as ``deadExchange``).
    public var deadQueue: String { deadExchange }
    /// The topic exchange status updates are published to (`warren.status`), routing key = event id.
    public var statusExchange: String { "\(prefix).status" }

    /// The retry exchange and queue for `delay`: `warren.retry.5s`, or `warren.retry.500ms` below whole seconds.
    public func retryQueue(delay: Duration) -> String {
        Self.retryQueue(prefix: prefix, delay: delay)
    }

    /// The retry queue name for `delay` under `prefix` (shared with ``RetryPolicy``).
    static func retryQueue(prefix: String, delay: Duration) -> String {
        let milliseconds = delay.milliseconds
        let suffix = milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
        return "\(prefix).retry.\(suffix)"
    }

    /// A producer's status queue: `warren.status.<producer>`.
    public func statusQueue(producer: String) -> String { "\(statusExchange).\(producer)" }

    // MARK: - Validation

    /// Throws ``WarrenError/invalidConfiguration(reason:)`` unless the prefix, delivery limit and retry delays
    /// can work.
    public func validate() throws(WarrenError) {
        guard !prefix.isEmpty, prefix.utf8.count <= 200, !prefix.contains(where: \.isWhitespace) else {
            throw .invalidConfiguration(
                reason: "topology prefix \(WarrenError.quote(prefix)) must be 1 to 200 characters without spaces")
        }
        guard deliveryLimit > 0 else {
            throw .invalidConfiguration(reason: "delivery limit is \(deliveryLimit); expected at least 1")
        }
        try RetryPolicy.validate(delays: retryDelays)
    }
}

extension Duration {
    /// The duration in whole milliseconds (rounded down).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
