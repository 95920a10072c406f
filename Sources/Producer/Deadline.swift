/// Runs `operation`, cancelling it and throwing ``DeadlineExceeded`` when it takes longer than `timeout`.
///
/// The producer's own bound on a publish, enforced in Swift rather than by the connection's I/O thread: while
/// that thread waits on a broker that stopped reading (a memory alarm blocks the socket, and a synchronous
/// AMQP method then waits up to its RPC timeout) the request still answers in time.
func withDeadline<T: Sendable>(
    _ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw DeadlineExceeded(timeout: timeout)
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw DeadlineExceeded(timeout: timeout) }
        return result
    }
}

/// An operation passed its deadline.
struct DeadlineExceeded: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "no answer within \(timeout)" }
}
