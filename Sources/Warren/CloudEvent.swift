public import Foundation

/// A CloudEvents 1.0 event in its structured JSON form: the envelope of every message on `warren.events`.
///
/// A value type; `Sendable`. Build one with ``init(id:source:type:time:dataContentType:data:extensions:)``,
/// from untrusted bytes with ``decode(_:)``, or from the producer's short form with
/// ``normalize(shortForm:id:now:)``. Encoding (``encoded()`` or `Codable`) gives compact structured JSON
/// (``mediaType``); extension attributes are written as top-level members and read back the same way.
public struct CloudEvent: Sendable, Hashable {
    /// The only CloudEvents version Warren speaks.
    public static let specVersion = "1.0"
    /// The media type of the structured JSON form.
    public static let mediaType = "application/cloudevents+json"
    /// The `source` the producer assigns when a short-form event names none.
    public static let defaultSource = "/warren/producer"
    /// The longest `id` and `type` accepted, in UTF-8 bytes: both travel in AMQP short strings (`message_id`,
    /// `type`, and the type as the routing key), which hold at most 255 bytes. Longer ones would break the
    /// publisher's connection, so they are refused here.
    public static let maximumIdentifierLength = 255

    /// Unique per `source` (a UUID when the producer assigns it).
    public var id: String
    /// Where the event happened, as a URI reference (e.g. `/warren/producer`).
    public var source: String
    /// What happened, e.g. `com.example.order.created`; also the AMQP routing key.
    public var type: String
    /// Always ``specVersion``.
    public var specversion: String { Self.specVersion }
    /// When it happened (RFC 3339 on the wire).
    public var time: Date?
    /// The media type of `data` (absent means JSON).
    public var dataContentType: String?
    /// The payload.
    public var data: JSONValue?
    /// Extension attributes (e.g. `traceparent`, `callbackurl`): names are lowercase ASCII letters and digits,
    /// values strings, numbers or booleans.
    public var extensions: [String: JSONValue]

    /// Creates an event; nothing is validated (``decode(_:)`` validates untrusted input).
    public init(
        id: String, source: String, type: String, time: Date? = nil, dataContentType: String? = nil,
        data: JSONValue? = nil, extensions: [String: JSONValue] = [:]
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.time = time
        self.dataContentType = dataContentType
        self.data = data
        self.extensions = extensions
    }

    /// The W3C trace context of the event (the `traceparent` extension), if it has one.
    public var traceparent: String? { extensions["traceparent"]?.stringValue }

    // MARK: - Structured JSON

    /// Decodes and validates structured JSON from untrusted bytes.
    ///
    /// Throws ``WarrenError/invalidEvent(reason:)`` naming the attribute and what was expected when the bytes are
    /// not UTF-8, not a JSON object, nested too deeply, lack `id`, `source`, `type` or `specversion`, carry a
    /// `specversion` other than 1.0, an over-long `id` or `type`, a `time` that is not RFC 3339, or an extension
    /// with an invalid name or value.
    public static func decode(_ bytes: some Collection<UInt8>) throws(WarrenError) -> CloudEvent {
        guard case .object(let members) = try JSONValue.parse(bytes) else {
            throw .invalidEvent(reason: "expected a JSON object (structured CloudEvent)")
        }
        return try CloudEvent(validating: members)
    }

    /// The structured JSON members of the event.
    public var jsonObject: [String: JSONValue] {
        var members = extensions
        members["id"] = .string(id)
        members["source"] = .string(source)
        members["type"] = .string(type)
        members["specversion"] = .string(specversion)
        if let time { members["time"] = .string(RFC3339.format(time)) }
        if let dataContentType { members["datacontenttype"] = .string(dataContentType) }
        if let data { members["data"] = data }
        return members
    }

    /// Compact structured JSON (``mediaType``), keys sorted.
    public func encoded() -> [UInt8] {
        JSONValue.object(jsonObject).encoded()
    }
}

extension CloudEvent: Codable {
    /// Decodes structured JSON with the same validation as ``decode(_:)``; failures are `DecodingError`s whose
    /// underlying error is the ``WarrenError``.
    public init(from decoder: any Decoder) throws {
        let value = try JSONValue(from: decoder)
        guard case .object(let members) = value else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: "expected a JSON object (structured CloudEvent)"))
        }
        do {
            self = try CloudEvent(validating: members)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error))
        }
    }

    /// Encodes the structured JSON members.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(jsonObject).encode(to: encoder)
    }
}
