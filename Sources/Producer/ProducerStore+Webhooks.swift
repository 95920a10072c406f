public import Foundation
import GRDB

extension ProducerStore {
    /// A webhook delivery to make.
    public struct WebhookDelivery: Sendable, Hashable {
        /// The event whose final status it reports (also the webhook message id).
        public var eventID: String
        /// Where to POST.
        public var url: String
        /// The body: the final status update JSON.
        public var payload: [UInt8]
        /// Attempts made so far.
        public var attempts: Int
    }

    /// Pending deliveries due by `now`, oldest first.
    public func dueWebhooks(now: Date = Date(), limit: Int = 32) async throws -> [WebhookDelivery] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM webhooks WHERE state = 'pending' AND next_attempt_at <= ?
                    ORDER BY next_attempt_at LIMIT ?
                    """,
                arguments: [now.timeIntervalSince1970, limit]
            ).map { row in
                let payload: Data = row["payload"]
                return WebhookDelivery(
                    eventID: row["event_id"], url: row["url"], payload: Array(payload), attempts: row["attempts"])
            }
        }
    }

    /// When the next pending delivery is due, or nil when none is pending.
    public func nextWebhookDue() async throws -> Date? {
        try await read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM webhooks WHERE state = 'pending'")
                .map { Date(timeIntervalSince1970: $0) }
        }
    }

    /// Records the outcome of one attempt: `delivered`, or failed with `error` and retried at `retryAt` (nil =
    /// give up).
    public func recordWebhookAttempt(eventID: String, delivered: Bool, error: String?, retryAt: Date?) async throws {
        let state = delivered ? "delivered" : (retryAt == nil ? "failed" : "pending")
        try await write(durable: false) { db in
            try db.execute(
                sql: """
                    UPDATE webhooks SET attempts = attempts + 1, state = ?, last_error = ?, next_attempt_at = ?
                    WHERE event_id = ?
                    """,
                arguments: [state, error, (retryAt ?? Date()).timeIntervalSince1970, eventID])
        }
    }

    /// The delivery state of the event's webhook (`pending`, `delivered`, `failed`) and attempts, or nil.
    public func webhookState(eventID: String) async throws -> (state: String, attempts: Int, lastError: String?)? {
        try await read { db in
            try Row.fetchOne(
                db, sql: "SELECT state, attempts, last_error FROM webhooks WHERE event_id = ?", arguments: [eventID]
            ).map { ($0["state"], $0["attempts"], $0["last_error"]) }
        }
    }
}
