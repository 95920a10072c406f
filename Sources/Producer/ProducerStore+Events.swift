import Foundation
import GRDB
import NIOConcurrencyHelpers
public import Warren

extension ProducerStore {
    /// The result of ``accept(_:idempotencyKey:callbackURL:publishing:outboxLimit:)``.
    public enum Acceptance: Sendable, Hashable {
        /// A new event, stored with status `accepted` and its outbox row `outboxSeq`.
        case accepted(outboxSeq: Int64)
        /// The idempotency key was seen before: this is the event it named; nothing new was stored.
        case existing(EventRecord)
    }

    /// Records a new event as `accepted` in one durable transaction (fsynced before this returns): the event row,
    /// its first history entry and its outbox row. With `publishing`, the caller publishes the event itself and
    /// must then call ``publishedDirectly(_:)`` or ``directPublishFailed(_:)`` with the returned row; otherwise the
    /// forwarder takes it. With an `idempotencyKey` already used, stores nothing and returns that event instead
    /// (which is safe: it was committed the same way). Throws ``ProducerError/eventExists(id:)`` when another event
    /// already has this id, ``ProducerError/outboxFull(limit:)`` when the outbox holds `outboxLimit` rows.
    public func accept(
        _ event: CloudEvent, idempotencyKey: String?, callbackURL: String?, publishing: Bool, outboxLimit: Int
    ) async throws -> Acceptance {
        let now = Date().timeIntervalSince1970
        let body = event.encoded()
        try reserveOutbox(limit: outboxLimit)
        let marked = NIOLockedValueBox<Int64?>(nil)
        do {
            let outcome: Acceptance = try await write(durable: true) { db in
                // Cached statements: compiled once per connection, not once per request.
                if let idempotencyKey,
                    let existing = try Row.fetchOne(
                        db.cachedStatement(sql: "SELECT * FROM events WHERE idempotency_key = ?"),
                        arguments: [idempotencyKey])
                {
                    return .existing(Self.record(existing))
                }
                // Inside the write transaction: no other insert can come between the check and the insert.
                if try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM events WHERE id = ?)"), arguments: [event.id])
                    == true
                {
                    throw ProducerError.eventExists(id: event.id)
                }
                try db.cachedStatement(
                    sql: """
                        INSERT INTO events (id, type, status, attempt, created_at, updated_at, callback_url, idempotency_key)
                        VALUES (?, ?, 'accepted', 1, ?, ?, ?, ?)
                        """
                ).execute(arguments: [event.id, event.type, now, now, callbackURL, idempotencyKey])
                try db.cachedStatement(
                    sql: "INSERT INTO status_history (event_id, status, attempt, at) VALUES (?, 'accepted', 1, ?)"
                ).execute(arguments: [event.id, now])
                try db.cachedStatement(sql: "INSERT INTO outbox (event_id, body, spooled_at) VALUES (?, ?, ?)")
                    .execute(arguments: [event.id, Data(body), now])
                let seq = db.lastInsertedRowID
                if publishing {
                    self.markPublishing(seq)
                    marked.withLockedValue { $0 = seq }
                }
                return .accepted(outboxSeq: seq)
            }
            if case .existing = outcome { releaseOutbox(1) }
            return outcome
        } catch {
            // A savepoint rolled back, or the batch's commit failed (then nothing of it is stored).
            if let seq = marked.withLockedValue({ $0 }) { directPublishFailed(seq) }
            releaseOutbox(1)
            throw error
        }
    }

    /// The event with `id`, or nil.
    public func event(id: String) async throws -> EventRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM events WHERE id = ?", arguments: [id]).map(Self.record)
        }
    }

    /// The event's status changes after `seq`, oldest first.
    public func history(id: String, after seq: Int64 = 0) async throws -> [StatusChange] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM status_history WHERE event_id = ? AND seq > ? ORDER BY seq",
                arguments: [id, seq]
            ).map(Self.change)
        }
    }

    /// The event stored with `idempotencyKey`, or nil.
    public func event(idempotencyKey: String) async throws -> EventRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM events WHERE idempotency_key = ?", arguments: [idempotencyKey])
                .map(Self.record)
        }
    }

    /// Records the outcome of a sync-mode call as the event's status, creating the event (with its idempotency key)
    /// when new. An event that a concurrent request stored first under this id or key is left as it is.
    /// Durable before it returns: the client is answered with this outcome next.
    public func recordSync(_ event: CloudEvent, idempotencyKey: String?, outcome: StatusUpdate) async throws {
        let now = Date().timeIntervalSince1970
        try await write(durable: true) { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO events (id, type, status, attempt, created_at, updated_at, idempotency_key)
                    VALUES (?, ?, 'accepted', 1, ?, ?, ?)
                    """,
                arguments: [event.id, event.type, now, now, idempotencyKey])
            guard db.changesCount == 1 else { return }
            _ = try Self.apply(outcome, in: db)
        }
    }

    static func record(_ row: Row) -> EventRecord {
        EventRecord(
            id: row["id"], type: row["type"], status: EventStatus(rawValue: row["status"]) ?? .accepted,
            attempt: row["attempt"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]), result: jsonValue(row["result"]),
            error: row["error"], callbackURL: row["callback_url"])
    }

    static func change(_ row: Row) -> StatusChange {
        StatusChange(
            seq: row["seq"],
            update: StatusUpdate(
                id: row["event_id"], status: EventStatus(rawValue: row["status"]) ?? .accepted, attempt: row["attempt"],
                at: Date(timeIntervalSince1970: row["at"]), result: jsonValue(row["result"]), error: row["error"]))
    }
}
