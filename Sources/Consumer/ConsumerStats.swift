import Metrics
import Synchronization

/// The consumer's counters: in-process totals for `GET /v1/stats` (atomics) mirrored into swift-metrics for
/// `GET /metrics` (Prometheus).
///
/// `Sendable`; every method may be called from any task at any time.
public final class ConsumerStats: Sendable {
    private let processedCount = Atomic<Int>(0)
    private let duplicateCount = Atomic<Int>(0)
    private let retriedCount = Atomic<Int>(0)
    private let deadLetteredCount = Atomic<Int>(0)
    private let failedCount = Atomic<Int>(0)
    private let deliveryCount = Atomic<Int>(0)
    private let redeliveryCount = Atomic<Int>(0)
    private let ackCount = Atomic<Int>(0)
    private let inFlightCount = Atomic<Int>(0)
    private let maxInFlightCount = Atomic<Int>(0)
    private let inProgressCount = Atomic<Int>(0)

    private let deliveries = Counter(label: "warren_consumer_deliveries_total")
    private let redeliveries = Counter(label: "warren_consumer_redeliveries_total")
    private let acks = Counter(label: "warren_consumer_acks_total")
    private let processed = Counter(label: "warren_consumer_processed_total")
    private let duplicates = Counter(label: "warren_consumer_duplicates_suppressed_total")
    private let retries = Counter(label: "warren_consumer_retries_total")
    private let deadLetters = Counter(label: "warren_consumer_dead_letters_total")
    private let failures = Counter(label: "warren_consumer_permanent_failures_total")
    private let inFlightGauge = Gauge(label: "warren_consumer_in_flight")
    private let handlerLatency = Metrics.Timer(label: "warren_consumer_handler_duration_seconds")

    /// Counters at zero.
    public init() {}

    // MARK: - Recording

    /// A delivery arrived (`redelivered` as the broker flagged it).
    func delivered(redelivered: Bool) {
        deliveryCount.add(1, ordering: .relaxed)
        deliveries.increment()
        if redelivered {
            redeliveryCount.add(1, ordering: .relaxed)
            redeliveries.increment()
        }
    }

    /// A delivery's processing began (`true`) or ended, acked or not (`false`).
    func deliveryInProgress(_ started: Bool) {
        if started {
            inProgressCount.add(1, ordering: .relaxed)
        } else {
            inProgressCount.subtract(1, ordering: .relaxed)
        }
    }

    /// A delivery was acknowledged.
    func acked() {
        ackCount.add(1, ordering: .relaxed)
        acks.increment()
    }

    /// An effect was committed.
    func processedOne() {
        processedCount.add(1, ordering: .relaxed)
        processed.increment()
    }

    /// A duplicate was acknowledged without a second effect.
    func duplicateSuppressed() {
        duplicateCount.add(1, ordering: .relaxed)
        duplicates.increment()
    }

    /// A failed attempt was sent to a retry queue.
    func retried() {
        retriedCount.add(1, ordering: .relaxed)
        retries.increment()
    }

    /// A message went to the dead-letter exchange; `permanent` when a handler refused it for good.
    func deadLettered(permanent: Bool) {
        deadLetteredCount.add(1, ordering: .relaxed)
        deadLetters.increment()
        if permanent {
            failedCount.add(1, ordering: .relaxed)
            failures.increment()
        }
    }

    /// A handler started.
    func handlerStarted() {
        let now = inFlightCount.add(1, ordering: .relaxed).newValue
        var seen = maxInFlightCount.load(ordering: .relaxed)
        while now > seen {
            let (exchanged, original) = maxInFlightCount.compareExchange(
                expected: seen, desired: now, ordering: .relaxed)
            if exchanged { break }
            seen = original
        }
        inFlightGauge.record(now)
    }

    /// A handler finished after `duration`.
    func handlerFinished(after duration: Duration) {
        let now = inFlightCount.subtract(1, ordering: .relaxed).newValue
        inFlightGauge.record(now)
        handlerLatency.recordNanoseconds(
            duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }

    // MARK: - Reading

    /// The totals since start.
    public var snapshot: Snapshot {
        Snapshot(
            processed: processedCount.load(ordering: .relaxed),
            duplicatesSuppressed: duplicateCount.load(ordering: .relaxed),
            retried: retriedCount.load(ordering: .relaxed),
            deadLettered: deadLetteredCount.load(ordering: .relaxed),
            failed: failedCount.load(ordering: .relaxed),
            inFlight: inFlightCount.load(ordering: .relaxed),
            maxInFlight: maxInFlightCount.load(ordering: .relaxed),
            deliveriesInProgress: inProgressCount.load(ordering: .relaxed),
            deliveries: deliveryCount.load(ordering: .relaxed),
            redeliveries: redeliveryCount.load(ordering: .relaxed),
            acks: ackCount.load(ordering: .relaxed))
    }

    /// In-process totals since start. A value type; `Sendable`.
    public struct Snapshot: Sendable, Hashable {
        /// Effects committed by this process.
        public var processed: Int
        /// Deliveries acknowledged without a second effect (already in the store).
        public var duplicatesSuppressed: Int
        /// Failed attempts sent to a retry queue.
        public var retried: Int
        /// Messages sent to the dead-letter exchange (invalid, unknown type, permanent failure, attempts exhausted).
        public var deadLettered: Int
        /// Of those, permanent handler failures.
        public var failed: Int
        /// Handlers running now.
        public var inFlight: Int
        /// The most handlers seen running at once.
        public var maxInFlight: Int
        /// Deliveries being processed now (handler, commit, publishes, ack), not yet settled.
        public var deliveriesInProgress: Int
        /// Deliveries received.
        public var deliveries: Int
        /// Of those, flagged redelivered by the broker.
        public var redeliveries: Int
        /// Deliveries acknowledged.
        public var acks: Int
    }
}
