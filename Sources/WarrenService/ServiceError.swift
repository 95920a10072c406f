/// What can go wrong in the service plumbing; `description` is one line, safe to log and show (no credentials).
public enum ServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A flag, environment variable or file is missing or wrong; the service exits with code 2 before starting.
    case invalidConfiguration(String)
    /// A local resource (data directory, database, listening socket) could not be opened.
    case unavailable(String)

    /// The reason, prefixed with what kind of failure it is.
    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): "invalid configuration: \(reason)"
        case .unavailable(let reason): "unavailable: \(reason)"
        }
    }
}
