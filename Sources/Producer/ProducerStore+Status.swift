import Foundation
import GRDB
public import Warren

extension ProducerStore {
    /// What ``apply(_:)`` did with a status update.
    public enum Application: Sendable, Hashable {
        /// Stored as the event's latest status; `webhook` tells whether a webhook delivery was queued with it.
        case applied(StatusChange, webhook: Bool)
        /// Older than what is stored (or a repeat): kept out of the history.
        case stale
        /// For an event this producer never accepted.
        case unknown
    }

    /// Applies a consumer's status update in one transaction: history entry, latest status, and the webhook
    /// delivery when the status is final and the event has a callback URL. A final status is durable (fsynced)
    /// before this returns, because the status message is acked next: after a power cut the event must not be
    /// `processing` forever. Intermediate statuses are not (a later final one supersedes them).
    public func apply(_ update: StatusUpdate) async throws -> Application {
        try await write(durable: update.status.isFinal) { db in try Self.apply(update, in: db) }
    }

    /// Orders statuses within one attempt; a later attempt always wins, a final status is never replaced.
    static func rank(_ status: EventStatus) -> Int {
        switch status {
        case .accepted: 0
        case .processing: 1
        case .retrying: 2
        case .succeeded, .failed, .deadLettered: 3
        }
    }

    static func apply(_ update: StatusUpdate, in db: Database) throws -> Application {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM events WHERE id = ?", arguments: [update.id]) else {
            return .unknown
        }
        let current = record(row)
        if current.status.isFinal { return .stale }
        let newer =
            update.attempt > current.attempt
            || (update.attempt == current.attempt && rank(update.status) > rank(current.status))
        guard newer || update.status.isFinal else { return .stale }
        let at = update.at.timeIntervalSince1970
        let result = json(update.result)
        try db.execute(
            sql: "UPDATE events SET status = ?, attempt = ?, updated_at = ?, result = ?, error = ? WHERE id = ?",
            arguments: [update.status.rawValue, update.attempt, at, result, update.error, update.id])
        try db.execute(
            sql: "INSERT INTO status_history (event_id, status, attempt, at, result, error) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [update.id, update.status.rawValue, update.attempt, at, result, update.error])
        let change = StatusChange(seq: db.lastInsertedRowID, update: update)
        var webhook = false
        if update.status.isFinal, let url = current.callbackURL {
            try db.execute(
                sql: "INSERT OR IGNORE INTO webhooks (event_id, url, payload, next_attempt_at) VALUES (?, ?, ?, ?)",
                arguments: [update.id, url, Data(update.encoded()), Date().timeIntervalSince1970])
            webhook = true
        }
        return .applied(change, webhook: webhook)
    }
}
