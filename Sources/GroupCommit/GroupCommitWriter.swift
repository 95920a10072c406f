public import GRDB
import NIOConcurrencyHelpers

/// Group commit for SQLite: write transactions that callers start concurrently are run together, each in its own
/// savepoint, inside one SQLite transaction, so N concurrent writers pay for one `BEGIN`/`COMMIT` (and, with
/// `synchronous = FULL`, one fsync) instead of N.
///
/// Semantics per call are those of a transaction of its own: ``write(durable:_:)`` returns only after the commit
/// that holds its changes, a body that throws rolls back its own savepoint only (the others in the batch commit),
/// and a failed `COMMIT` fails every call of that batch. A batch is committed with `synchronous = FULL` when any of
/// its calls asked for a durable write, otherwise with `NORMAL`.
///
/// How batches form: the first caller that finds no batch running leads: it runs everything queued so far (up to
/// ``maximumBatch`` calls) on the database's writer. Calls that arrive meanwhile wait; when the batch is committed,
/// the leader resumes them and hands the lead to the oldest waiting call, if any. No task is spawned and nothing
/// waits on a timer: under no concurrency a call is a plain transaction.
///
/// Lifecycle and threading: `Sendable`; create one per database writer and share it; every method may be called
/// from any task. SQLite work runs on GRDB's writer queue, never on Swift's cooperative pool. Do not use the
/// writer's own `write` for the same tables while depending on the batch's ordering: batches keep the order in
/// which calls queued, other writes interleave between batches.
public final class GroupCommitWriter: Sendable {
    /// The most calls one transaction carries; more wait for the next batch.
    public let maximumBatch: Int
    private let writer: any DatabaseWriter
    private let state = NIOLockedValueBox(State())

    /// A writer that batches the transactions it runs on `writer` (a `DatabasePool` or `DatabaseQueue`).
    /// The connection's `synchronous` setting is changed per batch; set nothing else about it here.
    public init(_ writer: any DatabaseWriter, maximumBatch: Int = 256) {
        precondition(maximumBatch > 0, "maximumBatch must be positive")
        self.writer = writer
        self.maximumBatch = maximumBatch
    }

    /// Runs `body` in a savepoint of the next batch's transaction and returns its value once that transaction is
    /// committed. `durable` asks for `synchronous = FULL` on that commit (fsynced before any call of the batch
    /// returns). Rethrows what `body` throws (its savepoint rolled back), or the database error that failed the
    /// batch's transaction. Not cancellable once queued: a cancelled task still waits for its commit, and a cancelled
    /// caller never fails the other calls of its batch.
    public func write<T: Sendable>(
        durable: Bool, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> T {
        let slot = NIOLockedValueBox<Result<T, any Error>?>(nil)
        let job = Job(
            durable: durable,
            run: { db in
                let result = Result { try body(db) }
                slot.withLockedValue { $0 = result }
                _ = try result.get()
            },
            fail: { error in slot.withLockedValue { $0 = .failure(error) } })
        let turn: Turn = await withCheckedContinuation { continuation in
            let leads = state.withLockedValue { state -> Bool in
                if state.running {
                    state.queue.append(Waiter(job: job, continuation: continuation))
                    return false
                }
                state.running = true
                state.queue.append(Waiter(job: job, continuation: nil))
                return true
            }
            if leads { continuation.resume(returning: .lead) }
        }
        if turn == .lead { await runBatch() }
        guard let result = slot.withLockedValue({ $0 }) else {
            preconditionFailure("a group commit call was resumed before its batch ran")
        }
        return try result.get()
    }

    /// Runs one batch (the queue's head, which includes the caller's own job), resumes its waiters, then hands the
    /// lead to the oldest waiting call or marks the writer idle.
    private func runBatch() async {
        let batch = state.withLockedValue { state -> [Waiter] in
            let batch = Array(state.queue.prefix(maximumBatch))
            state.queue.removeFirst(batch.count)
            state.statistics.batches += 1
            state.statistics.calls += batch.count
            return batch
        }
        let durable = batch.contains { $0.job.durable }
        // Not GRDB's async `writeWithoutTransaction`: that one fails when the calling task is cancelled, and the
        // caller leading this batch must not fail the other callers' writes because its own client went away.
        let failure: (any Error)? = await withCheckedContinuation { continuation in
            writer.asyncWriteWithoutTransaction { db in
                do {
                    try Self.run(batch, durable: durable, in: db)
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: error)
                }
            }
        }
        if let failure { for waiter in batch { waiter.job.fail(failure) } }
        for waiter in batch { waiter.continuation?.resume(returning: .done) }
        let next = state.withLockedValue { state -> CheckedContinuation<Turn, Never>? in
            guard let head = state.queue.first else {
                state.running = false
                return nil
            }
            state.queue[0] = Waiter(job: head.job, continuation: nil)
            return head.continuation
        }
        next?.resume(returning: .lead)
    }

    /// One transaction for the whole batch, a savepoint per call.
    private static func run(_ batch: [Waiter], durable: Bool, in db: Database) throws {
        try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        try db.inTransaction {
            for waiter in batch {
                do {
                    try db.inSavepoint {
                        try waiter.job.run(db)
                        return .commit
                    }
                } catch {
                    // The job's own error is in its slot and its savepoint is rolled back: go on, unless SQLite
                    // aborted the whole transaction (I/O error, disk full), which fails the batch.
                    guard db.isInsideTransaction else { throw error }
                }
            }
            return .commit
        }
    }

    /// Totals since creation: how many transactions ran and how many calls they carried (calls / batches is the
    /// average batch size).
    public struct Statistics: Sendable, Hashable {
        /// Transactions run (committed or failed).
        public var batches = 0
        /// Calls carried by those transactions.
        public var calls = 0

        /// Totals with these counts.
        public init(batches: Int = 0, calls: Int = 0) {
            self.batches = batches
            self.calls = calls
        }
    }

    /// Totals since creation.
    public var statistics: Statistics { state.withLockedValue { $0.statistics } }

    /// Calls queued for the next batch (not yet running). Any thread.
    public var queuedCalls: Int { state.withLockedValue { $0.queue.count } }

    private enum Turn: Sendable {
        case lead
        case done
    }

    private struct Waiter: Sendable {
        let job: Job
        let continuation: CheckedContinuation<Turn, Never>?
    }

    private struct State: Sendable {
        var running = false
        var statistics = Statistics()
        var queue: [Waiter] = []
    }

    private struct Job: Sendable {
        let durable: Bool
        /// Runs the body and stores its result; rethrows its error so the savepoint is rolled back.
        let run: @Sendable (Database) throws -> Void
        /// Overrides the stored result: the batch's transaction failed.
        let fail: @Sendable (any Error) -> Void
    }
}
