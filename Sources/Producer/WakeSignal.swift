import NIOConcurrencyHelpers

/// A level-triggered wake-up for a service loop: many ``wake()`` calls while the loop is busy collapse into one.
///
/// `Sendable`; ``wake()`` from any task, ``wait(timeout:)`` from the one loop that owns it (one waiter at a time).
/// Waiting suspends on a continuation that ``wake()``, the timeout or the task's cancellation resumes: nothing
/// polls.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    /// A signal with nothing pending.
    public init() {}

    /// Marks work pending, resuming the waiter if there is one.
    public func wake() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when woken (clearing the flag), after `timeout`, or when the task is cancelled.
    public func wait(timeout: Duration) async {
        if state.withLockedValue({ state in
            defer { state.pending = false }
            return state.pending
        }) {
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.suspendUntilWoken() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func suspendUntilWoken() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Under the lock: a cancellation that came first is seen here, one that comes later finds the
                // waiter installed.
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
