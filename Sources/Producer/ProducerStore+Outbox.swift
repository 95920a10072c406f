import Foundation
import GRDB
import NIOConcurrencyHelpers
public import Warren

extension ProducerStore {
    /// One event waiting in the outbox.
    public struct OutboxItem: Sendable, Hashable {
        /// Position: the outbox is forwarded in this order.
        public var seq: Int64
        /// The event, as accepted.
        public var event: CloudEvent
    }

    /// The outbox's in-memory accounting.
    struct OutboxState: Sendable {
        /// Rows in the table.
        var rows: Int
        /// Rows whose event a request is publishing itself (not forwarded while marked).
        var publishing: Set<Int64> = []
    }

    /// Events waiting in the outbox for the forwarder (accepted events that their own request is still publishing
    /// are not counted).
    public var outboxCount: Int { outboxState.withLockedValue { $0.rows - $0.publishing.count } }

    /// Claims one outbox slot or throws ``ProducerError/outboxFull(limit:)``; pair with a row insert or
    /// ``releaseOutbox(_:)``. The limit counts every row, those being published directly included.
    func reserveOutbox(limit: Int) throws(ProducerError) {
        let reserved = outboxState.withLockedValue { state -> Bool in
            guard state.rows < limit else { return false }
            state.rows += 1
            return true
        }
        guard reserved else { throw .outboxFull(limit: limit) }
    }

    /// Gives back `count` slots.
    func releaseOutbox(_ count: Int) {
        outboxState.withLockedValue { $0.rows = max(0, $0.rows - count) }
    }

    /// Marks the row `seq` as published by its own request (called inside the transaction that inserts it, so the
    /// forwarder can never read it unmarked).
    func markPublishing(_ seq: Int64) {
        outboxState.withLockedValue { _ = $0.publishing.insert(seq) }
    }

    /// The direct publish of the row `seq` was confirmed: deletes the row. A failure to delete is logged by the
    /// caller; the row is then forwarded again (a duplicate the consumer's store suppresses).
    public func publishedDirectly(_ seq: Int64) async throws {
        defer { outboxState.withLockedValue { _ = $0.publishing.remove(seq) } }
        try await removeFromOutbox([seq])
    }

    /// The direct publish of the row `seq` was not confirmed: the row is the forwarder's now.
    public func directPublishFailed(_ seq: Int64) {
        outboxState.withLockedValue { _ = $0.publishing.remove(seq) }
    }

    /// The oldest `limit` outbox items, in order. Rows that no longer decode (never expected) are dropped with
    /// the count returned in `dropped`.
    public func outboxBatch(limit: Int) async throws -> (items: [OutboxItem], dropped: [Int64]) {
        let publishing = outboxState.withLockedValue { $0.publishing }
        return try await read { db in
            var items: [OutboxItem] = []
            var dropped: [Int64] = []
            for row in try Row.fetchAll(
                db, sql: "SELECT seq, body FROM outbox ORDER BY seq LIMIT ?", arguments: [limit + publishing.count])
            where !publishing.contains(row["seq"]) && items.count + dropped.count < limit {
                let data: Data = row["body"]
                if let event = try? CloudEvent.decode(Array(data)) {
                    items.append(OutboxItem(seq: row["seq"], event: event))
                } else {
                    dropped.append(row["seq"])
                }
            }
            return (items, dropped)
        }
    }

    /// Removes forwarded (or undecodable) rows.
    public func removeFromOutbox(_ seqs: [Int64]) async throws {
        guard !seqs.isEmpty else { return }
        let removed = try await write(durable: false) { db in
            try db.execute(
                sql: "DELETE FROM outbox WHERE seq IN (\(seqs.map { _ in "?" }.joined(separator: ",")))",
                arguments: StatementArguments(seqs))
            return db.changesCount
        }
        releaseOutbox(removed)
    }
}
