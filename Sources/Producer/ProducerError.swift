import Warren

/// What can go wrong in the producer; `description` is one line, safe to log and to show (no credentials).
public enum ProducerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The outbox holds `limit` events: the broker has been away too long.
    case outboxFull(limit: Int)
    /// The event could neither be confirmed by the broker nor spooled.
    case notAccepted(reason: String)
    /// An event with this id was already accepted (ids are unique); nothing was stored or published.
    case eventExists(id: String)
    /// The local database failed.
    case storage(String)
    /// Sync mode: the consumer could not be reached.
    case consumerUnreachable(String)
    /// Sync mode: the consumer did not answer in time.
    case consumerTimeout
    /// Sync mode: the consumer answered with something unexpected.
    case consumerFailed(status: Int, detail: String)
    /// At start, another connection already consumes this producer's status queue: two producers share a name.
    case statusQueueInUse(queue: String, name: String)

    /// One line: what failed, and what to do where it helps.
    public var description: String {
        switch self {
        case .outboxFull(let limit):
            "the outbox is full (\(limit) events waiting for the broker); retry later"
        case .notAccepted(let reason): "the event was not accepted: \(reason)"
        case .eventExists(let id): "an event with id \(WarrenError.quote(id)) was already accepted"
        case .storage(let reason): "local storage failed: \(reason)"
        case .consumerUnreachable(let reason): "the consumer is unreachable: \(reason)"
        case .consumerTimeout: "the consumer did not answer in time"
        case .consumerFailed(let status, let detail): "the consumer answered \(status): \(detail)"
        case .statusQueueInUse(let queue, let name):
            "the status queue \(queue) is already consumed by another producer named \(WarrenError.quote(name)); "
                + "give each producer its own --name (WARREN_PRODUCER_NAME). If this producer's previous run just "
                + "died, the broker drops its connection within two heartbeats: start again then"
        }
    }
}
