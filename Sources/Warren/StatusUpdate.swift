public import Foundation

/// One change of an event's status, published by the consumer on `warren.status` and kept by the producer.
///
/// A value type; `Sendable`. Its JSON is `{"id", "status", "attempt", "at", "result"?, "error"?}` with `at` in
/// RFC 3339 (whatever the encoder's date strategy) and `result`/`error` left out when absent.
public struct StatusUpdate: Sendable, Hashable {
    /// The event's id.
    public var id: String
    /// The new status.
    public var status: EventStatus
    /// The attempt it applies to, from 1.
    public var attempt: Int
    /// When the status changed.
    public var at: Date
    /// The handler's result, on success.
    public var result: JSONValue?
    /// What went wrong, on failure (safe to show to clients).
    public var error: String?

    /// Creates an update.
    public init(
        id: String, status: EventStatus, attempt: Int, at: Date, result: JSONValue? = nil, error: String? = nil
    ) {
        self.id = id
        self.status = status
        self.attempt = attempt
        self.at = at
        self.result = result
        self.error = error
    }

    /// Compact JSON, keys sorted.
    public func encoded() -> [UInt8] {
        var members: [String: JSONValue] = [
            "id": .string(id), "status": .string(status.rawValue), "attempt": .number(Double(attempt)),
            "at": .string(RFC3339.format(at)),
        ]
        if let result { members["result"] = result }
        if let error { members["error"] = .string(error) }
        return JSONValue.object(members).encoded()
    }

    /// Decodes an update; throws ``WarrenError/invalidStatusUpdate(reason:)`` for anything else.
    public static func decode(_ bytes: some Collection<UInt8>) throws(WarrenError) -> StatusUpdate {
        do {
            return try JSONDecoder().decode(StatusUpdate.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidStatusUpdate(reason: Self.summary(of: error))
        } catch {
            throw .invalidStatusUpdate(reason: "unreadable JSON")
        }
    }

    private static func summary(of error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "member \"\(key.stringValue)\" is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): "
                + context.debugDescription.truncated(to: 120)
        @unknown default: "unreadable JSON"
        }
    }
}

extension StatusUpdate: Codable {
    private enum CodingKeys: String, CodingKey {
        case id, status, attempt, at, result, error
    }

    /// Decodes the JSON document; `at` must be RFC 3339.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        status = try container.decode(EventStatus.self, forKey: .status)
        attempt = try container.decode(Int.self, forKey: .attempt)
        let text = try container.decode(String.self, forKey: .at)
        guard let date = RFC3339.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .at, in: container, debugDescription: "expected an RFC 3339 timestamp")
        }
        at = date
        result = try container.decodeIfPresent(JSONValue.self, forKey: .result)
        error = try container.decodeIfPresent(String.self, forKey: .error)
    }

    /// Encodes the JSON document; absent `result` and `error` are left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(attempt, forKey: .attempt)
        try container.encode(RFC3339.format(at), forKey: .at)
        try container.encodeIfPresent(result, forKey: .result)
        try container.encodeIfPresent(error, forKey: .error)
    }
}
