import NIOConcurrencyHelpers
import Warren

/// Hands status changes, as they are stored, to the SSE streams watching their events.
///
/// `Sendable`; lock-protected. A stream subscribes before reading the stored history (so no change falls between
/// the two) and unsubscribes when it ends; publishing never blocks (each subscriber buffers its own changes).
final class StatusBroadcaster: Sendable {
    private struct State {
        var next = 0
        var subscribers: [String: [Int: AsyncStream<StatusChange>.Continuation]] = [:]
    }

    private let state = NIOLockedValueBox(State())

    /// Starts watching event `id`; returns a token for ``unsubscribe(id:token:)`` and the stream of changes.
    func subscribe(id: String) -> (token: Int, changes: AsyncStream<StatusChange>) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: StatusChange.self, bufferingPolicy: .bufferingNewest(64))
        let token = state.withLockedValue { state in
            state.next += 1
            state.subscribers[id, default: [:]][state.next] = continuation
            return state.next
        }
        return (token, stream)
    }

    /// Stops watching.
    func unsubscribe(id: String, token: Int) {
        let continuation = state.withLockedValue { state -> AsyncStream<StatusChange>.Continuation? in
            let removed = state.subscribers[id]?.removeValue(forKey: token)
            if state.subscribers[id]?.isEmpty == true { state.subscribers[id] = nil }
            return removed
        }
        continuation?.finish()
    }

    /// Delivers `change` to every stream watching its event.
    func publish(_ change: StatusChange) {
        let continuations = state.withLockedValue { Array(($0.subscribers[change.update.id] ?? [:]).values) }
        for continuation in continuations { continuation.yield(change) }
    }

    /// Streams open now (for tests and metrics).
    var subscriberCount: Int { state.withLockedValue { $0.subscribers.values.reduce(0) { $0 + $1.count } } }
}
