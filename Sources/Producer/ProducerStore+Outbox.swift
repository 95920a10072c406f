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

    /// Events in the outbox now.
    public var outboxCount: Int { outboxRows.withLockedValue { $0 } }

    /// Claims one outbox slot or throws ``ProducerError/outboxFull(limit:)``; pair with a row insert or
    /// ``releaseOutbox(_:)``.
    func reserveOutbox(limit: Int) throws(ProducerError) {
        let reserved = outboxRows.withLockedValue { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard reserved else { throw .outboxFull(limit: limit) }
    }

    /// Gives back `count` slots.
    func releaseOutbox(_ count: Int) {
        outboxRows.withLockedValue { $0 = max(0, $0 - count) }
    }

    /// Puts an already accepted event in the outbox (its direct publish failed). Throws
    /// ``ProducerError/outboxFull(limit:)`` when full.
    public func spool(_ event: CloudEvent, outboxLimit: Int) async throws {
        try reserveOutbox(limit: outboxLimit)
        let body = Data(event.encoded())
        let now = Date().timeIntervalSince1970
        do {
            try await write { db in
                try db.execute(
                    sql: "INSERT INTO outbox (event_id, body, spooled_at) VALUES (?, ?, ?)",
                    arguments: [event.id, body, now])
            }
        } catch {
            releaseOutbox(1)
            throw error
        }
    }

    /// The oldest `limit` outbox items, in order. Rows that no longer decode (never expected) are dropped with
    /// the count returned in `dropped`.
    public func outboxBatch(limit: Int) async throws -> (items: [OutboxItem], dropped: [Int64]) {
        try await read { db in
            var items: [OutboxItem] = []
            var dropped: [Int64] = []
            for row in try Row.fetchAll(
                db, sql: "SELECT seq, body FROM outbox ORDER BY seq LIMIT ?", arguments: [limit])
            {
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
