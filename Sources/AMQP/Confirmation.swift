import Glibc

/// The pending outcome of one publish: settled by the broker's `basic.ack` (success), `basic.nack`, a
/// `basic.return` of a mandatory message, channel or connection loss, its deadline, or cancellation of the waiter.
///
/// Returned by ``Channel/publishWithDeferredConfirm(_:exchange:routingKey:properties:mandatory:timeout:)`` so a
/// caller can keep many publishes in flight and await them later (a sliding window). Thread-safe: settled once,
/// by whichever comes first; `wait()` may be called from any task, any number of times.
///
/// `@unchecked Sendable`: `state` is only read or written with `mutex` held. The mutex lives in the object itself
/// rather than in a ``LockedValue``: one is created per publish, so that saves an allocation on the hot path.
public final class Confirmation: @unchecked Sendable {
    private enum State {
        case pending(waiters: [CheckedContinuation<Void, any Error>])
        case settled(Result<Void, any Error>)
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var state = State.pending(waiters: [])
    /// When the I/O thread gives up on the confirm (``AMQPError/confirmTimeout``), if a timeout was given.
    let deadline: ContinuousClock.Instant?

    init(deadline: ContinuousClock.Instant?) {
        self.deadline = deadline
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    private func withState<Result>(_ body: (inout State) -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body(&state)
    }

    /// Whether the outcome is known.
    public var isSettled: Bool {
        withState { if case .settled = $0 { true } else { false } }
    }

    /// Waits for the broker's answer. Returns when the message was confirmed; throws ``AMQPError`` otherwise
    /// (`publishNacked`, `publishReturned`, `channelClosed`, `connectionLost`, `confirmTimeout`), or
    /// `CancellationError` if the waiting task is cancelled (the message may still be confirmed later).
    public func wait() async throws {
        // Fast path: confirms arrive in batches, so the outcome is often known already; no suspension then.
        let known: Result<Void, any Error>? = withState { state in
            if case .settled(let result) = state { result } else { nil }
        }
        if let known { return try known.get() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let result: Result<Void, any Error>? = withState { state in
                    switch state {
                    case .settled(let result):
                        return result
                    case .pending(var waiters):
                        waiters.append(continuation)
                        state = .pending(waiters: waiters)
                        return nil
                    }
                }
                if let result { continuation.resume(with: result) }
            }
        } onCancel: {
            settle(.failure(CancellationError()))
        }
    }

    /// Settles the outcome if it is still open; later calls are ignored. Returns whether this call settled it.
    @discardableResult
    func settle(_ result: Result<Void, any Error>) -> Bool {
        let waiters: [CheckedContinuation<Void, any Error>]? = withState { state in
            guard case .pending(let waiters) = state else { return nil }
            state = .settled(result)
            return waiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(with: result) }
        return true
    }
}
