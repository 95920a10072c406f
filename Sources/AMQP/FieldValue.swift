/// An AMQP field table: header and argument maps such as `["x-queue-type": "quorum", "x-delivery-limit": 5]`.
public typealias FieldTable = [String: FieldValue]

/// One value in an AMQP ``FieldTable`` (RabbitMQ's field types). A value type; `Sendable`.
///
/// Literals map to the types RabbitMQ expects for queue arguments: integer literals become `.int64` (`l`),
/// string literals `.string` (`S`), booleans `.bool` (`t`).
public enum FieldValue: Sendable, Hashable {
    case bool(Bool)
    case int8(Int8)
    case uint8(UInt8)
    case int16(Int16)
    case uint16(UInt16)
    case int32(Int32)
    case uint32(UInt32)
    case int64(Int64)
    case uint64(UInt64)
    case float(Float)
    case double(Double)
    /// A decimal: `value × 10^-decimals`.
    case decimal(decimals: UInt8, value: UInt32)
    /// A long string (`S`) that is valid UTF-8.
    case string(String)
    /// A long string (`S`/`x`) that is not valid UTF-8.
    case bytes([UInt8])
    /// Seconds since the Unix epoch.
    case timestamp(UInt64)
    case table(FieldTable)
    case array([FieldValue])
    /// No value (`V`).
    case void

    /// The value as an integer, whatever its integer width.
    public var intValue: Int? {
        switch self {
        case .int8(let v): Int(v)
        case .uint8(let v): Int(v)
        case .int16(let v): Int(v)
        case .uint16(let v): Int(v)
        case .int32(let v): Int(v)
        case .uint32(let v): Int(v)
        case .int64(let v): Int(v)
        case .uint64(let v): Int(exactly: v)
        case .timestamp(let v): Int(exactly: v)
        case .string(let s): Int(s)
        default: nil
        }
    }

    /// The value as text, for strings and UTF-8 byte strings.
    public var stringValue: String? {
        switch self {
        case .string(let s): s
        case .bytes(let b): String(validating: b, as: UTF8.self)
        default: nil
        }
    }
}

extension FieldValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int64(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: FieldValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, FieldValue)...) {
        self = .table(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension FieldValue {
    /// Parses `KEY=VALUE` command-line text into a value: integers become `.int64`, `true`/`false` `.bool`,
    /// anything else `.string`.
    public init(parsing text: String) {
        if let int = Int64(text) {
            self = .int64(int)
        } else if text == "true" || text == "false" {
            self = .bool(text == "true")
        } else {
            self = .string(text)
        }
    }
}
