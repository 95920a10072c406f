public import Foundation

/// The AMQP `basic` content properties of a message. A value type; `Sendable`. Unset fields are `nil` and are
/// not sent.
public struct BasicProperties: Sendable, Hashable {
    /// MIME type of the body, e.g. `application/cloudevents+json`.
    public var contentType: String?
    /// Encoding of the body, e.g. `gzip`.
    public var contentEncoding: String?
    /// Application headers (`traceparent`, `x-warren-attempt`, and the broker's `x-delivery-count`, `x-death`).
    public var headers: FieldTable?
    /// `.persistent` survives a broker restart on durable queues.
    public var deliveryMode: DeliveryMode?
    /// Message priority 0-9.
    public var priority: UInt8?
    /// Correlates a reply with its request.
    public var correlationID: String?
    /// Queue name to reply to.
    public var replyTo: String?
    /// Per-message TTL in milliseconds, as text (AMQP's own format), e.g. `"60000"`.
    public var expiration: String?
    /// Application message id (Warren uses the event id).
    public var messageID: String?
    /// Time the message was created (whole seconds on the wire).
    public var timestamp: Date?
    /// Application message type (Warren uses the CloudEvent type).
    public var type: String?
    /// Creating user; RabbitMQ checks it equals the connection's user.
    public var userID: String?
    /// Creating application.
    public var appID: String?

    /// Whether a message is written to disk (`persistent`, 2) or not (`transient`, 1).
    public enum DeliveryMode: UInt8, Sendable, Hashable {
        /// Kept in memory only (1).
        case transient = 1
        /// Written to disk on durable queues (2).
        case persistent = 2
    }

    /// Creates properties; everything defaults to unset.
    public init(
        contentType: String? = nil, contentEncoding: String? = nil, headers: FieldTable? = nil,
        deliveryMode: DeliveryMode? = nil, priority: UInt8? = nil, correlationID: String? = nil,
        replyTo: String? = nil, expiration: String? = nil, messageID: String? = nil, timestamp: Date? = nil,
        type: String? = nil, userID: String? = nil, appID: String? = nil
    ) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.deliveryMode = deliveryMode
        self.priority = priority
        self.correlationID = correlationID
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageID = messageID
        self.timestamp = timestamp
        self.type = type
        self.userID = userID
        self.appID = appID
    }

    /// Persistent delivery mode and nothing else.
    public static var persistent: BasicProperties { BasicProperties(deliveryMode: .persistent) }
}
