/// The queue of deliveries between a connection's I/O thread and the task iterating one ``Consumer``.
///
/// The I/O thread stages the deliveries of one read pass (``stage(_:)``, I/O thread only) and hands them over at the
/// end of the pass in one step (``handOver()``): one lock, and at most one wake-up of the consuming task, per pass.
/// When the consuming task is busy (not suspended in ``next()``), the deliveries are appended to what it has not yet
/// taken and it picks them up without suspending. The reader takes everything pending at once.
///
/// It replaces `AsyncThrowingStream<[Delivery]>`, whose per-element generic storage and batch-of-arrays shape showed
/// in the consume profile, and keeps its semantics: when the reading task is cancelled while it waits, or every
/// ``Consumer`` and iterator of it is gone (``Lifetime``), the buffer terminates, rejects what it holds with requeue
/// (so the broker hands those deliveries to another consumer at once) and runs `onTermination` once; a finished buffer first
/// yields what it holds, then ends (with its error, thrown once).
///
/// `@unchecked Sendable`: `state` is only touched under its lock; `staged` only by the connection's I/O thread.
final class DeliveryBuffer: @unchecked Sendable {
    private enum End {
        case normal
        case failed(any Error)
    }

    private struct State {
        var pending: [Delivery] = []
        var waiter: UnsafeContinuation<[Delivery]?, any Error>?
        var end: End?
        var terminated = false
        var onTermination: (@Sendable () -> Void)?
    }

    /// Ends the buffer when the last ``Consumer`` value and iterator that refer to it are gone.
    final class Lifetime: Sendable {
        let buffer: DeliveryBuffer

        init(_ buffer: DeliveryBuffer) {
            self.buffer = buffer
        }

        deinit {
            buffer.terminate()
        }
    }

    private let state = LockedValue(State())
    /// Deliveries decoded in the current read pass, not yet handed over. I/O thread only.
    @exclusivity(unchecked) private var staged: [Delivery] = []
    /// The size of the last hand-over, to size the next batch's array at once. I/O thread only.
    @exclusivity(unchecked) private var lastBatchSize = 16

    /// Sets what runs once when the reader goes away before the buffer finished (it cancels the consumer).
    func setOnTermination(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.terminated { return true }
            state.onTermination = action
            return false
        }
        if runNow { action() }
    }

    /// Whether a reader is suspended waiting for deliveries (for tests).
    var hasWaiter: Bool { state.withLock { $0.waiter != nil } }

    // MARK: I/O thread

    /// Adds one delivery to the current pass; returns `true` for the first one (the caller lists the buffer for
    /// ``handOver()``). I/O thread only.
    func stage(_ delivery: Delivery) -> Bool {
        let first = staged.isEmpty
        if first { staged.reserveCapacity(lastBatchSize) }
        staged.append(delivery)
        return first
    }

    /// Hands the staged deliveries to the reader. Returns them when the reader is gone, for the caller to reject
    /// back to the queue. I/O thread only.
    func handOver() -> [Delivery] {
        guard !staged.isEmpty else { return [] }
        var batch: [Delivery] = []
        swap(&batch, &staged)
        lastBatchSize = max(16, batch.count)
        let (waiter, refused) = state.withLock {
            state -> (UnsafeContinuation<[Delivery]?, any Error>?, Bool) in
            if state.terminated || state.end != nil { return (nil, true) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, false)
            }
            if state.pending.isEmpty {
                swap(&state.pending, &batch)
            } else {
                state.pending.append(contentsOf: batch)
            }
            return (nil, false)
        }
        if refused { return batch }
        waiter?.resume(returning: batch)
        return []
    }

    /// Drops the staged deliveries (their channel was lost; their tags mean nothing now). I/O thread only.
    func dropStaged() {
        staged.removeAll()
    }

    /// Ends the buffer: the reader gets what is pending, then `nil` (or `error`, thrown once).
    func finish(throwing error: (any Error)? = nil) {
        let waiter = state.withLock { state -> UnsafeContinuation<[Delivery]?, any Error>? in
            guard state.end == nil, !state.terminated else { return nil }
            state.onTermination = nil
            // A waiting reader has taken everything pending: it gets the end directly, so the error is not kept.
            let waiter = state.waiter
            state.waiter = nil
            state.end = waiter == nil ? error.map { .failed($0) } ?? .normal : .normal
            return waiter
        }
        if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
    }

    // MARK: Reader

    /// Everything pending, waiting for the next hand-over when there is nothing; `nil` at the end. Runs on the
    /// caller's isolation.
    func next(isolation actor: isolated (any Actor)?) async throws -> [Delivery]? {
        if let ready = state.withLock({ Self.take(&$0) }) { return try ready.get() }
        return try await withTaskCancellationHandler(
            operation: {
                try await withUnsafeThrowingContinuation(isolation: actor) {
                    (waiter: UnsafeContinuation<[Delivery]?, any Error>) in
                    let outcome = state.withLock { state -> Result<[Delivery]?, any Error>? in
                        if let ready = Self.take(&state) { return ready }
                        state.waiter = waiter
                        return nil
                    }
                    if let outcome { waiter.resume(with: outcome) }
                }
            },
            onCancel: { terminate() }, isolation: actor)
    }

    /// Ends the buffer from the reader's side (cancelled, or gone): rejects what is pending with requeue (nobody
    /// will ever read it), then runs `onTermination`.
    func terminate() {
        let (waiter, action, unread) = state.withLock {
            state -> (UnsafeContinuation<[Delivery]?, any Error>?, (@Sendable () -> Void)?, [Delivery]) in
            guard !state.terminated else { return (nil, nil, []) }
            state.terminated = true
            var unread: [Delivery] = []
            swap(&unread, &state.pending)
            defer {
                state.waiter = nil
                state.onTermination = nil
            }
            return (state.waiter, state.end == nil ? state.onTermination : nil, unread)
        }
        waiter?.resume(returning: nil)
        // A delivery from an earlier channel is stale: the broker requeued it already when that channel closed.
        for delivery in unread { try? delivery.reject(requeue: true) }
        action?()
    }

    /// What a reader gets without waiting: pending deliveries, or the end; `nil` when it has to wait.
    private static func take(_ state: inout State) -> Result<[Delivery]?, any Error>? {
        if !state.pending.isEmpty {
            var ready: [Delivery] = []
            swap(&ready, &state.pending)
            return .success(ready)
        }
        if state.terminated { return .success(nil) }
        switch state.end {
        case nil:
            return nil
        case .normal:
            return .success(nil)
        case .failed(let error):
            state.end = .normal
            return .failure(error)
        }
    }
}
