/// When and where a failed event is tried again.
///
/// A configuration value: `Sendable`, validated on creation, no I/O. Attempts count from 1. After attempt `n`
/// fails with a retryable error and `n < maxAttempts`, the event waits `delays[n - 1]` (the last delay repeats
/// when `maxAttempts` exceeds `delays.count + 1`) in the retry queue ``Topology/retryQueue(delay:)`` of the same
/// `prefix`; a permanent failure, or a retryable one on the last attempt, is dead-lettered.
public struct RetryPolicy: Sendable, Hashable {
    /// 1 s, 5 s, 30 s.
    public static let defaultDelays: [Duration] = [.seconds(1), .seconds(5), .seconds(30)]
    /// The longest delay accepted: a day.
    public static let maximumDelay: Duration = .seconds(86_400)

    /// The delays before attempts 2, 3, …; non-empty and each positive.
    public let delays: [Duration]
    /// The most attempts, the first included (default `delays.count + 1`).
    public let maxAttempts: Int
    /// The topology prefix the retry queue names start with (default `warren`).
    public let prefix: String

    /// The default policy: ``defaultDelays``, 4 attempts, prefix `warren`.
    public init() {
        delays = Self.defaultDelays
        maxAttempts = Self.defaultDelays.count + 1
        prefix = "warren"
    }

    /// A validated policy; throws ``WarrenError/invalidConfiguration(reason:)`` for empty or non-positive delays,
    /// delays over a day, fewer than 1 attempt, or an empty prefix.
    public init(delays: [Duration], maxAttempts: Int? = nil, prefix: String = "warren") throws(WarrenError) {
        try Self.validate(delays: delays)
        let attempts = maxAttempts ?? delays.count + 1
        guard attempts >= 1 else {
            throw .invalidConfiguration(reason: "maxAttempts is \(attempts); expected at least 1")
        }
        guard !prefix.isEmpty else { throw .invalidConfiguration(reason: "the retry queue prefix is empty") }
        self.delays = delays
        self.maxAttempts = attempts
        self.prefix = prefix
    }

    /// Checks that `delays` is non-empty and each delay lies in 1 ms ... ``maximumDelay``.
    static func validate(delays: [Duration]) throws(WarrenError) {
        guard !delays.isEmpty else {
            throw .invalidConfiguration(reason: "retry delays are empty; expected at least one positive delay")
        }
        for delay in delays where delay.milliseconds < 1 || delay > maximumDelay {
            throw .invalidConfiguration(
                reason: "retry delay \(delay) is out of range; expected 1 ms to \(maximumDelay)")
        }
    }

    // MARK: - Decisions

    /// Decides what to do after `attempt` (from 1; lower values count as 1) failed with `failure`.
    public func decide(attempt: Int, failure: HandlerFailure) -> RetryDecision {
        let attempt = max(attempt, 1)
        let reason = failure.reason.truncated(to: 512)
        guard failure.isRetryable else {
            return .deadLetter(reason: "permanent failure on attempt \(attempt): \(reason)")
        }
        guard attempt < maxAttempts else {
            return .deadLetter(reason: "gave up after \(attempt) attempt\(attempt == 1 ? "" : "s"): \(reason)")
        }
        let delay = delay(after: attempt)
        return .retry(delay: delay, queue: Topology.retryQueue(prefix: prefix, delay: delay))
    }

    /// The delay after failed attempt `attempt` (from 1).
    public func delay(after attempt: Int) -> Duration {
        delays[min(max(attempt, 1), delays.count) - 1]
    }

    /// The distinct delays this policy uses: the retry queues a ``Topology`` must declare for it.
    public var retryDelays: [Duration] {
        var seen = Set<Duration>()
        return delays.prefix(max(maxAttempts - 1, 1)).filter { seen.insert($0).inserted }
    }
}
