import NIOConcurrencyHelpers

/// A level-triggered wake-up for a service loop: many ``wake()`` calls while the loop is busy collapse into one.
///
/// `Sendable`; ``wake()`` from any task, ``wait(timeout:)`` from the one loop that owns it. Waiting polls a flag
/// every 20 ms (cancellable, no continuation bookkeeping): the loops it serves are the outbox and webhook paths,
/// where 20 ms does not matter.
public final class WakeSignal: Sendable {
    private let pending = NIOLockedValueBox(false)

    /// A signal with nothing pending.
    public init() {}

    /// Marks work pending.
    public func wake() { pending.withLockedValue { $0 = true } }

    /// Returns when woken (clearing the flag), after `timeout`, or when the task is cancelled.
    public func wait(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while !Task.isCancelled {
            if pending.withLockedValue({ flag in
                defer { flag = false }; return flag
            }) {
                return
            }
            if ContinuousClock.now >= deadline { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
