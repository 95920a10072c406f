/// The one error type of the `Warren` module.
///
/// Every case carries a human-readable reason that names what was wrong and what was expected. `description` is
/// safe to show to clients and to put in a dead-letter header: quoted input values are cut to
/// ``WarrenError/maximumQuotedLength`` characters, so a hostile input is never echoed in full.
public enum WarrenError: Error, Sendable, Hashable {
    /// Bytes that are not a valid CloudEvent (or short-form event): not UTF-8, not JSON, not an object, or an
    /// attribute that is missing or malformed. The reason names the attribute.
    case invalidEvent(reason: String)
    /// A status update document that cannot be decoded.
    case invalidStatusUpdate(reason: String)
    /// A configuration value (topology, retry policy) that cannot work.
    case invalidConfiguration(reason: String)

    /// The most characters of an input value quoted in a reason.
    public static let maximumQuotedLength = 64

    /// The reason alone, without the category prefix (e.g. for an `x-warren-error` dead-letter header).
    public var reason: String {
        switch self {
        case .invalidEvent(let reason), .invalidStatusUpdate(let reason), .invalidConfiguration(let reason):
            reason
        }
    }

    /// `value` in double quotes, cut to ``maximumQuotedLength`` characters (with `…` when cut).
    public static func quote(_ value: String) -> String {
        "\"\(value.truncated(to: maximumQuotedLength))\""
    }
}

extension WarrenError: CustomStringConvertible {
    /// A one-line message safe to show and to log; it never contains more than a short prefix of any input.
    public var description: String {
        switch self {
        case .invalidEvent(let reason): "invalid CloudEvent: \(reason)"
        case .invalidStatusUpdate(let reason): "invalid status update: \(reason)"
        case .invalidConfiguration(let reason): "invalid Warren configuration: \(reason)"
        }
    }
}

extension String {
    /// The string cut to at most `limit` characters, ending in `…` when it was cut.
    func truncated(to limit: Int) -> String {
        guard count > limit else { return self }
        return String(prefix(max(limit - 1, 0))) + "…"
    }
}
