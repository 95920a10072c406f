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

    /// The oldest `limit` outbox items, in order, none of them being published by its own request. Rows that no
    /// longer decode (never expected) are dropped with the count returned in `dropped`.
    ///
    /// Three steps, so that a row is never forwarded while, or after, its request publishes it: read the rows;
    /// then take the set of rows being published (a row is marked inside the transaction that inserts it, so every
    /// row read is already marked if its request publishes it); then keep only the rows that still exist (a
    /// request unmarks its row only after the delete that follows its confirm has committed).
    public func outboxBatch(limit: Int) async throws -> (items: [OutboxItem], dropped: [Int64]) {
        let scan = limit + outboxState.withLockedValue { $0.publishing.count }
        let rows: [(seq: Int64, body: Data)] = try await read { db in
            try Row.fetchAll(db, sql: "SELECT seq, body FROM outbox ORDER BY seq LIMIT ?", arguments: [scan]).map {
                (seq: $0["seq"], body: $0["body"])
            }
        }
        let publishing = outboxState.withLockedValue { $0.publishing }
        let candidates = rows.filter { !publishing.contains($0.seq) }.prefix(limit)
        guard !candidates.isEmpty else { return ([], []) }
        let seqs = candidates.map(\.seq)
        let existing = try await read { db in
            try Set(
                Int64.fetchAll(
                    db, sql: "SELECT seq FROM outbox WHERE seq IN (\(seqs.map { _ in "?" }.joined(separator: ",")))",
                    arguments: StatementArguments(seqs)))
        }
        var items: [OutboxItem] = []
        var dropped: [Int64] = []
        for row in candidates where existing.contains(row.seq) {
            if let event = try? CloudEvent.decode(Array(row.body)) {
                items.append(OutboxItem(seq: row.seq, event: event))
            } else {
                dropped.append(row.seq)
            }
        }
        return (items, dropped)
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
