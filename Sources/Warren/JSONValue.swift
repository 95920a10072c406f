/// Any JSON value: the `data` of a ``CloudEvent``, its extension values and a handler's result.
///
/// A value type; `Sendable`. Numbers are `Double`, as in JSON itself (integers beyond 2^53 lose precision).
/// Decoding rejects documents nested deeper than ``maximumDepth`` levels, so hostile input cannot exhaust the
/// stack or the CPU.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The deepest nesting decoding accepts: a scalar at the top is depth 1, `[[1]]` is depth 3.
    public static let maximumDepth = 64

    /// The string, for `.string`.
    public var stringValue: String? {
        if case .string(let value) = self { value } else { nil }
    }

    /// The members, for `.object`.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { value } else { nil }
    }

    /// A short name of the value's JSON type for error messages (`"a string"`, `"an object"`, …).
    /// "null", "a boolean", "a number", "a string", "an array" or "an object": for error messages.
    public var kindDescription: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

// MARK: - Literals

// Deliberately not `ExpressibleByNilLiteral`: `nil` must keep meaning "absent" for `JSONValue?`.

extension JSONValue: ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    /// A boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An integer, stored as a `Double`.
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    /// A number.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An array.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    /// An object; a repeated key keeps its last value.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
