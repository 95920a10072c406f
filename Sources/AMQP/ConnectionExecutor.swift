/// A `TaskExecutor` that runs jobs on a connection's own I/O thread.
///
/// A consumer whose per-delivery work is short and never blocks can run there, so deliveries reach it without a
/// hand-off between threads (no wake-up, no context switch per batch):
///
/// ```swift
/// try await withTaskExecutorPreference(connection.executor) {
///     for try await delivery in consumer { try delivery.ack() }
/// }
/// ```
///
/// Everything that runs on it delays the connection's I/O (heartbeats included): never block, sleep on a thread,
/// or do long computations there. After the connection closed, jobs go to the global concurrent executor.
/// `Sendable`; any number of tasks may prefer it.
public final class ConnectionExecutor: TaskExecutor {
    let loop: IOLoop

    init(loop: IOLoop) {
        self.loop = loop
    }

    /// Queues a job for the I/O thread (or the global executor once the connection is closed).
    public func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        if !loop.submit(.job(unowned, self)) {
            globalConcurrentExecutor.enqueue(ExecutorJob(unowned))
        }
    }
}
