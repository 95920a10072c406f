import Foundation

/// A counting semaphore for tasks: at most `limit` holders at once, waiters resumed in order.
///
/// `@unchecked Sendable`: `available` and `waiters` are only touched with `lock` held. Cancelling a waiting task
/// makes its ``acquire()`` throw `CancellationError` without taking a permit.
final class AsyncLimiter: @unchecked Sendable {
    private let lock = NSLock()
    private var available: Int
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0

    /// A limiter with `limit` permits (at least 1).
    init(limit: Int) { available = max(limit, 1) }

    /// Waits for a permit; pair every successful call with ``release()``.
    func acquire() async throws {
        let id: UInt64 = lock.withLock {
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Task.isCancelled is set before onCancel runs, so checking it under the lock closes the race.
                let granted: Bool? = lock.withLock {
                    if Task.isCancelled { return false }
                    if available > 0 {
                        available -= 1
                        return true
                    }
                    waiters.append((id, continuation))
                    return nil
                }
                switch granted {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, any Error>? = lock.withLock {
                guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Returns a permit, handing it to the first waiter if there is one.
    func release() {
        let waiter: CheckedContinuation<Void, any Error>? = lock.withLock {
            if waiters.isEmpty {
                available += 1
                return nil
            }
            return waiters.removeFirst().continuation
        }
        waiter?.resume()
    }
}
