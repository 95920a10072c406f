/// A handler for one or more CloudEvent types: the extension point for people embedding Warren.
///
/// The consumer routes each event to the handler registered for its `type`, runs it with a deadline
/// (``EventHandlerContext/deadline``) and commits its result together with the event's "processed" mark in one
/// SQLite transaction before acknowledging the message; so a handler's *effect* should be its returned result, or
/// be idempotent (keyed by the event id), because a crash between the effect and the commit runs it again.
///
/// Threading: `Sendable`; `handle(_:context:)` is called concurrently from many tasks (up to the consumer's
/// concurrency) and must honour task cancellation: the consumer cancels it at its deadline or on shutdown.
public protocol EventHandler: Sendable {
    /// Handles one event and returns its result (any JSON; `.null` for none).
    ///
    /// Throw ``HandlerFailure/retryable(reason:)`` for a transient problem (tried again after the retry delay),
    /// ``HandlerFailure/permanent(reason:)`` for an event that can never succeed (dead-lettered at once); any other
    /// error counts as retryable, with its description as the reason (keep it free of secrets).
    func handle(_ event: CloudEvent, context: EventHandlerContext) async throws -> JSONValue
}
