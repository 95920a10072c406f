/// An AMQP field table: header and argument maps such as `["x-queue-type": "quorum", "x-delivery-limit": 5]`.
public typealias FieldTable = [String: FieldValue]

/// One value in an AMQP ``FieldTable`` (RabbitMQ's field types). A value type; `Sendable`.
///
/// Literals map to the types RabbitMQ expects for queue arguments: integer literals become `.int64` (`l`),
/// string literals `.string` (`S`), booleans `.bool` (`t`).
public enum FieldValue: Sendable, Hashable {
    /// A boolean (`t`).
    case bool(Bool)
    /// A signed 8-bit integer (`b`).
    case int8(Int8)
    /// An unsigned 8-bit integer (`B`).
    case uint8(UInt8)
    /// A signed 16-bit integer (`s`).
    case int16(Int16)
    /// An unsigned 16-bit integer (`u`).
    case uint16(UInt16)
    /// A signed 32-bit integer (`I`).
    case int32(Int32)
    /// An unsigned 32-bit integer (`i`).
    case uint32(UInt32)
    /// A signed 64-bit integer (`l`), what RabbitMQ expects for `x-` arguments.
    case int64(Int64)
    /// An unsigned 64-bit integer (`L`).
    case uint64(UInt64)
    /// A 32-bit float (`f`).
    case float(Float)
    /// A 64-bit float (`d`).
    case double(Double)
    /// A decimal: `value × 10^-decimals`.
    case decimal(decimals: UInt8, value: UInt32)
    /// A long string (`S`) that is valid UTF-8.
    case string(String)
    /// A long string (`S`/`x`) that is not valid UTF-8.
    case bytes([UInt8])
    /// Seconds since the Unix epoch.
    case timestamp(UInt64)
    /// A nested table (`F`).
    case table(FieldTable)
    /// An array of values (`A`), e.g. the broker's `x-death` header.
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
    /// A string literal is a `.string`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer literal is an `.int64`.
    public init(integerLiteral value: Int64) { self = .int64(value) }
    /// A boolean literal is a `.bool`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// A floating-point literal is a `.double`.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// An array literal is an `.array`.
    public init(arrayLiteral elements: FieldValue...) { self = .array(elements) }
    /// A dictionary literal is a nested `.table` (the last value wins for a repeated key).
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
