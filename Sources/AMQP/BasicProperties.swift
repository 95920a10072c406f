public import Foundation

/// The AMQP `basic` content properties of a message. A value type; `Sendable`. Unset fields are `nil` and are
/// not sent.
///
/// Copy-on-write: the thirteen fields live in one shared, immutable-once-shared object, so copying a value (into
/// a publish, a delivery, a batch) costs one retain instead of one per field.
public struct BasicProperties: Sendable, Hashable {
    /// `@unchecked Sendable`: mutated only through `unique()`, i.e. while exactly one value refers to it; once
    /// shared (and so possibly seen by another thread) it is never written again.
    final class Storage: @unchecked Sendable {
        var contentType: String?
        var contentEncoding: String?
        var headers: FieldTable?
        var deliveryMode: DeliveryMode?
        var priority: UInt8?
        var correlationID: String?
        var replyTo: String?
        var expiration: String?
        var messageID: String?
        var timestamp: Date?
        var type: String?
        var userID: String?
        var appID: String?

        init(
            contentType: String?, contentEncoding: String?, headers: FieldTable?, deliveryMode: DeliveryMode?,
            priority: UInt8?, correlationID: String?, replyTo: String?, expiration: String?, messageID: String?,
            timestamp: Date?, type: String?, userID: String?, appID: String?
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

        func copy() -> Storage {
            Storage(
                contentType: contentType, contentEncoding: contentEncoding, headers: headers,
                deliveryMode: deliveryMode, priority: priority, correlationID: correlationID, replyTo: replyTo,
                expiration: expiration, messageID: messageID, timestamp: timestamp, type: type, userID: userID,
                appID: appID)
        }
    }

    private var storage: Storage

    /// The storage, copied first when another value shares it.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// MIME type of the body, e.g. `application/cloudevents+json`.
    public var contentType: String? {
        get { storage.contentType }
        set { unique().contentType = newValue }
    }
    /// Encoding of the body, e.g. `gzip`.
    public var contentEncoding: String? {
        get { storage.contentEncoding }
        set { unique().contentEncoding = newValue }
    }
    /// Application headers (`traceparent`, `x-warren-attempt`, and the broker's `x-delivery-count`, `x-death`).
    public var headers: FieldTable? {
        get { storage.headers }
        set { unique().headers = newValue }
    }
    /// `.persistent` survives a broker restart on durable queues.
    public var deliveryMode: DeliveryMode? {
        get { storage.deliveryMode }
        set { unique().deliveryMode = newValue }
    }
    /// Message priority 0-9.
    public var priority: UInt8? {
        get { storage.priority }
        set { unique().priority = newValue }
    }
    /// Correlates a reply with its request.
    public var correlationID: String? {
        get { storage.correlationID }
        set { unique().correlationID = newValue }
    }
    /// Queue name to reply to.
    public var replyTo: String? {
        get { storage.replyTo }
        set { unique().replyTo = newValue }
    }
    /// Per-message TTL in milliseconds, as text (AMQP's own format), e.g. `"60000"`.
    public var expiration: String? {
        get { storage.expiration }
        set { unique().expiration = newValue }
    }
    /// Application message id (Warren uses the event id).
    public var messageID: String? {
        get { storage.messageID }
        set { unique().messageID = newValue }
    }
    /// Time the message was created (whole seconds on the wire).
    public var timestamp: Date? {
        get { storage.timestamp }
        set { unique().timestamp = newValue }
    }
    /// Application message type (Warren uses the CloudEvent type).
    public var type: String? {
        get { storage.type }
        set { unique().type = newValue }
    }
    /// Creating user; RabbitMQ checks it equals the connection's user.
    public var userID: String? {
        get { storage.userID }
        set { unique().userID = newValue }
    }
    /// Creating application.
    public var appID: String? {
        get { storage.appID }
        set { unique().appID = newValue }
    }

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
        storage = Storage(
            contentType: contentType, contentEncoding: contentEncoding, headers: headers, deliveryMode: deliveryMode,
            priority: priority, correlationID: correlationID, replyTo: replyTo, expiration: expiration,
            messageID: messageID, timestamp: timestamp, type: type, userID: userID, appID: appID)
    }

    /// Persistent delivery mode and nothing else.
    public static var persistent: BasicProperties { sharedPersistent }

    private static let sharedPersistent = BasicProperties(deliveryMode: .persistent)
    /// Every field unset, without allocating.
    static let unset = BasicProperties()

    /// Whether both values share one storage object (copies of one value do; for tests of the decoding cache).
    func sharesStorage(with other: BasicProperties) -> Bool { storage === other.storage }

    /// Field by field (the same storage is equal at once).
    public static func == (lhs: BasicProperties, rhs: BasicProperties) -> Bool {
        if lhs.storage === rhs.storage { return true }
        return lhs.contentType == rhs.contentType
            && lhs.contentEncoding == rhs.contentEncoding
            && lhs.headers == rhs.headers
            && lhs.deliveryMode == rhs.deliveryMode
            && lhs.priority == rhs.priority
            && lhs.correlationID == rhs.correlationID
            && lhs.replyTo == rhs.replyTo
            && lhs.expiration == rhs.expiration
            && lhs.messageID == rhs.messageID
            && lhs.timestamp == rhs.timestamp
            && lhs.type == rhs.type
            && lhs.userID == rhs.userID
            && lhs.appID == rhs.appID
    }

    /// Hashes every field.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(contentType)
        hasher.combine(contentEncoding)
        hasher.combine(headers)
        hasher.combine(deliveryMode)
        hasher.combine(priority)
        hasher.combine(correlationID)
        hasher.combine(replyTo)
        hasher.combine(expiration)
        hasher.combine(messageID)
        hasher.combine(timestamp)
        hasher.combine(type)
        hasher.combine(userID)
        hasher.combine(appID)
    }
}
