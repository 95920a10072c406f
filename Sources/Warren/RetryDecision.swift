/// What the consumer does with a failed delivery, as decided by ``RetryPolicy``.
public enum RetryDecision: Sendable, Hashable {
    /// Publish the message, with the next attempt number, to the retry exchange `queue` with its original routing
    /// key; it returns to the events queue after `delay`.
    case retry(delay: Duration, queue: String)
    /// Publish the message to the dead-letter exchange with `reason` in its headers.
    case deadLetter(reason: String)
}
