public import AMQP

/// The mapping between a ``CloudEvent`` and an AMQP message, per Warren's wire format.
///
/// Body: the structured JSON. Properties: `content_type` ``CloudEvent/mediaType``, `message_id` = id,
/// `type` = type, `timestamp` = time, `delivery_mode` persistent, headers `traceparent` (when the event has one)
/// and ``attemptHeader``. The routing key is the event type (``routingKey(for:)``).
public enum EventMessage {
    /// The header carrying the attempt number (from 1).
    public static let attemptHeader = "x-warren-attempt"
    /// The header carrying the W3C trace context.
    public static let traceparentHeader = "traceparent"

    /// The body and properties to publish `event` with, as attempt `attempt`.
    public static func encode(_ event: CloudEvent, attempt: Int) -> (body: [UInt8], properties: BasicProperties) {
        var headers: FieldTable = [attemptHeader: .int64(Int64(max(attempt, 1)))]
        if let traceparent = event.traceparent { headers[traceparentHeader] = .string(traceparent) }
        let properties = BasicProperties(
            contentType: CloudEvent.mediaType, headers: headers, deliveryMode: .persistent, messageID: event.id,
            timestamp: event.time, type: event.type)
        return (event.encoded(), properties)
    }

    /// The routing key to publish `event` with: its type.
    public static func routingKey(for event: CloudEvent) -> String { event.type }

    /// Reads a delivered message: the event from the body (the properties are not trusted over it) and the
    /// attempt from ``attemptHeader`` (1 when missing, malformed or below 1).
    ///
    /// Throws ``WarrenError/invalidEvent(reason:)`` when the body is not a valid CloudEvent; its
    /// ``WarrenError/reason`` is short and safe for a dead-letter header.
    public static func decode(
        body: some Collection<UInt8>, properties: BasicProperties
    ) throws(WarrenError) -> (event: CloudEvent, attempt: Int) {
        let event = try CloudEvent.decode(body)
        return (event, attempt(in: properties))
    }

    /// The attempt number in `properties` (1 when missing, malformed or below 1).
    public static func attempt(in properties: BasicProperties) -> Int {
        guard let value = properties.headers?[attemptHeader]?.intValue, value >= 1 else { return 1 }
        return value
    }
}
