public import Foundation
public import Warren

/// One row of the idempotency store: an event whose handler's effect is committed. A value type; `Sendable`.
public struct ProcessedRecord: Sendable, Hashable {
    /// The event id (primary key).
    public var id: String
    /// The event type.
    public var type: String
    /// The attempt that succeeded.
    public var attempt: Int
    /// The handler's result.
    public var result: JSONValue
    /// When it was committed.
    public var processedAt: Date
    /// How long the successful handler run took.
    public var handlerDuration: Duration

    /// Creates a record.
    public init(
        id: String, type: String, attempt: Int, result: JSONValue, processedAt: Date, handlerDuration: Duration
    ) {
        self.id = id
        self.type = type
        self.attempt = attempt
        self.result = result
        self.processedAt = processedAt
        self.handlerDuration = handlerDuration
    }

    /// The `succeeded` status update this record stands for.
    public var statusUpdate: StatusUpdate {
        StatusUpdate(id: id, status: .succeeded, attempt: attempt, at: processedAt, result: result)
    }
}
