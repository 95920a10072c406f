/// Typed reads of environment variables, each failing with a one-line ``ServiceError``.
///
/// A value type over a snapshot of the environment; `Sendable`.
public struct EnvironmentReader: Sendable {
    private let values: [String: String]

    /// Wraps a snapshot (usually `ProcessInfo.processInfo.environment`).
    public init(_ values: [String: String]) { self.values = values }

    /// The raw value, nil when unset or empty.
    public subscript(key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    /// An integer, nil when unset; throws when set but not an integer.
    public func int(_ key: String) throws(ServiceError) -> Int? {
        guard let text = self[key] else { return nil }
        guard let value = Int(text) else { throw .invalidConfiguration("$\(key)=\"\(text)\" is not an integer") }
        return value
    }

    /// A number, nil when unset; throws when set but not a number.
    public func double(_ key: String) throws(ServiceError) -> Double? {
        guard let text = self[key] else { return nil }
        guard let value = Double(text), value.isFinite else {
            throw .invalidConfiguration("$\(key)=\"\(text)\" is not a number")
        }
        return value
    }
}
