import Logging
import Warren

/// Runs a handler with a deadline and turns whatever happens into a ``HandlerOutcome``.
///
/// A value type; `Sendable`. The handler runs in a child task that is cancelled at the deadline (a retryable
/// failure) or when the calling task is cancelled (``HandlerOutcome/cancelled``: shutdown, leave the message
/// unacknowledged). Handlers must honour cancellation for the deadline to bite.
struct HandlerRunner: Sendable {
    /// How long a run may take.
    let timeout: Duration
    /// Counts in-flight handlers and latency.
    let stats: ConsumerStats

    /// Runs `handler` for `event`.
    func run(
        _ handler: any EventHandler, event: CloudEvent, attempt: Int, traceparent: String?, logger: Logger
    ) async -> HandlerOutcome {
        let start = ContinuousClock.now
        let context = EventHandlerContext(
            attempt: attempt, traceparent: traceparent, logger: logger, deadline: start + timeout)
        stats.handlerStarted()
        let result: Result<JSONValue, any Error>? = await withTaskGroup(of: Result<JSONValue, any Error>?.self) {
            group in
            group.addTask {
                do {
                    return .success(try await handler.handle(event, context: context))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask {
                try? await Task.sleep(until: context.deadline)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        let duration = ContinuousClock.now - start
        stats.handlerFinished(after: duration)
        if Task.isCancelled { return .cancelled }
        switch result {
        case .success(let value)?:
            return .succeeded(value, duration: duration)
        case .failure(let failure as HandlerFailure)?:
            return .failed(failure, duration: duration)
        case .failure(let error)?:
            return .failed(.retryable(reason: "\(error)"), duration: duration)
        case nil:
            return .failed(.retryable(reason: "the handler timed out after \(timeout)"), duration: duration)
        }
    }
}

/// How one handler run ended.
enum HandlerOutcome: Sendable {
    /// It returned a result.
    case succeeded(JSONValue, duration: Duration)
    /// It failed (or timed out: a retryable failure).
    case failed(HandlerFailure, duration: Duration)
    /// The caller was cancelled (shutdown): nothing to report, do not acknowledge.
    case cancelled
}
