public import Logging

/// What a handler knows about the delivery it runs for, besides the event itself.
///
/// A value type; `Sendable`; created by the consumer for each run.
public struct EventHandlerContext: Sendable {
    /// The attempt number, from 1 (`x-warren-attempt`); always 1 in sync mode.
    public var attempt: Int
    /// The W3C trace context (message header, else the event's `traceparent` extension), if any.
    public var traceparent: String?
    /// A logger carrying `event.id`, `event.type` and `traceparent` metadata.
    public var logger: Logger
    /// When the consumer cancels the handler and counts the attempt as a retryable failure.
    public var deadline: ContinuousClock.Instant

    /// Creates a context.
    public init(attempt: Int, traceparent: String?, logger: Logger, deadline: ContinuousClock.Instant) {
        self.attempt = attempt
        self.traceparent = traceparent
        self.logger = logger
        self.deadline = deadline
    }

    /// The time left before ``deadline`` (zero once it has passed).
    public var remaining: Duration {
        max(deadline - ContinuousClock.now, .zero)
    }
}
