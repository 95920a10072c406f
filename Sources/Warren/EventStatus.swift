/// Where an event is in its lifecycle, as reported in ``StatusUpdate``s.
///
/// `accepted` → `processing` → `succeeded`, or → `retrying` → `processing` … → `failed` / `dead-lettered`.
public enum EventStatus: String, Sendable, Hashable, Codable, CaseIterable {
    /// The producer has it: the broker confirmed it or it is in the outbox.
    case accepted
    /// A consumer's handler is running it.
    case processing
    /// An attempt failed with a retryable error; it waits in a retry queue.
    case retrying
    /// The handler succeeded and its effect is committed.
    case succeeded
    /// The handler failed and no further attempt will be made (e.g. sync mode).
    case failed
    /// It was moved to `warren.dead` (permanent failure, attempts exhausted, or not a valid event).
    case deadLettered = "dead-lettered"

    /// Whether no further update follows this one.
    public var isFinal: Bool {
        switch self {
        case .succeeded, .failed, .deadLettered: true
        case .accepted, .processing, .retrying: false
        }
    }
}
