import Foundation

extension JSONValue: Codable {
    /// Decodes any JSON value; throws when the value sits deeper than ``maximumDepth`` levels in its document.
    public init(from decoder: any Decoder) throws {
        guard decoder.codingPath.count < Self.maximumDepth else { throw NestingTooDeep() }
        if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            elements.reserveCapacity(array.count ?? 0)
            while !array.isAtEnd { elements.append(try array.decode(JSONValue.self)) }
            self = .array(elements)
        } else if let object = try? decoder.container(keyedBy: AnyKey.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys { members[key.stringValue] = try object.decode(JSONValue.self, forKey: key) }
            self = .object(members)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let bool = try? single.decode(Bool.self) {
                self = .bool(bool)
            } else if let number = try? single.decode(Double.self) {
                self = .number(number)
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }

    /// Encodes the value as the JSON it represents.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .number(let value):
            // JSON cannot carry NaN or infinities: they are written as null.
            var single = encoder.singleValueContainer()
            if value.isFinite { try single.encode(value) } else { try single.encodeNil() }
        case .string(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .array(let elements):
            var array = encoder.unkeyedContainer()
            for element in elements { try array.encode(element) }
        case .object(let members):
            var object = encoder.container(keyedBy: AnyKey.self)
            for (key, value) in members { try object.encode(value, forKey: AnyKey(key)) }
        }
    }
}

// MARK: - Bytes

extension JSONValue {
    /// Parses UTF-8 JSON text. Throws ``WarrenError/invalidEvent(reason:)`` for bytes that are not UTF-8, not
    /// JSON, or nested deeper than ``maximumDepth``.
    public static func parse(_ bytes: some Collection<UInt8>) throws(WarrenError) -> JSONValue {
        let data = Data(bytes)
        guard String(validating: data, as: UTF8.self) != nil else {
            throw .invalidEvent(reason: "the body is not valid UTF-8 text; expected a UTF-8 JSON object")
        }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch is NestingTooDeep {
            throw .invalidEvent(reason: "the JSON nests deeper than \(maximumDepth) levels")
        } catch {
            throw .invalidEvent(reason: "the body is not valid JSON (\(Self.summary(of: error)))")
        }
    }

    /// Compact JSON text with sorted keys and unescaped slashes (non-finite numbers become null).
    public func encoded() -> [UInt8] {
        var writer = JSONWriter()
        writer.write(self)
        return writer.bytes
    }

    /// A short, safe summary of a decoding error (never the input itself).
    private static func summary(of error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return "unreadable" }
        switch decoding {
        case .dataCorrupted(let context): return context.debugDescription.truncated(to: 120)
        default: return "unexpected structure"
        }
    }
}

/// Thrown by ``JSONValue/init(from:)`` past ``JSONValue/maximumDepth``.
struct NestingTooDeep: Error {}

/// A coding key for any string.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
