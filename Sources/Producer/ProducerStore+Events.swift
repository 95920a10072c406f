import Foundation
import GRDB
public import Warren

extension ProducerStore {
    /// The result of ``accept(_:idempotencyKey:callbackURL:spool:outboxLimit:)``.
    public enum Acceptance: Sendable, Hashable {
        /// A new event, stored with status `accepted` (and in the outbox when spooled).
        case accepted
        /// The idempotency key was seen before: this is the event it named; nothing new was stored.
        case existing(EventRecord)
    }

    /// Records a new event as `accepted` (one transaction: event row, first history entry, and the outbox row when
    /// `spool` is true). With an `idempotencyKey` already used, stores nothing and returns that event instead.
    /// Throws ``ProducerError/eventExists(id:)`` when another event already has this id.
    /// Throws ``ProducerError/outboxFull(limit:)`` when spooling would pass `outboxLimit`.
    public func accept(
        _ event: CloudEvent, idempotencyKey: String?, callbackURL: String?, spool: Bool, outboxLimit: Int
    ) async throws -> Acceptance {
        let now = Date().timeIntervalSince1970
        let body = event.encoded()
        if spool { try reserveOutbox(limit: outboxLimit) }
        do {
            let outcome: Acceptance = try await write(durable: spool) { db in
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
                if spool {
                    try db.cachedStatement(sql: "INSERT INTO outbox (event_id, body, spooled_at) VALUES (?, ?, ?)")
                        .execute(arguments: [event.id, Data(body), now])
                }
                return .accepted
            }
            if spool, case .existing = outcome { releaseOutbox(1) }
            return outcome
        } catch {
            if spool { releaseOutbox(1) }
            throw error
        }
    }

    /// Forgets an event that never reached the broker nor the outbox (its request is answered with an error).
    public func discard(eventID: String) async throws {
        try await write(durable: false) { db in
            try db.execute(sql: "DELETE FROM status_history WHERE event_id = ?", arguments: [eventID])
            try db.execute(sql: "DELETE FROM events WHERE id = ?", arguments: [eventID])
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

    /// Records the outcome of a sync-mode call as the event's status (creating the event when new).
    public func recordSync(_ event: CloudEvent, outcome: StatusUpdate) async throws {
        let now = Date().timeIntervalSince1970
        try await write(durable: false) { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO events (id, type, status, attempt, created_at, updated_at)
                    VALUES (?, ?, 'accepted', 1, ?, ?)
                    """,
                arguments: [event.id, event.type, now, now])
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
