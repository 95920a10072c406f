/// The one error type of the `Consumer` module.
///
/// `description` is one line, safe to log and to show (no credentials, at most a short prefix of any input).
public enum ConsumerError: Error, Sendable, Hashable {
    /// A flag or environment value the consumer cannot work with; `main` prints it and exits with code 2.
    case invalidConfiguration(String)
    /// The idempotency store could not be opened, migrated, read or written.
    case store(String)
    /// An external command (`--exec`) could not be started.
    case spawnFailed(program: String, errno: Int32)
    /// A publish (retry, dead letter, status) was not confirmed by the broker; the delivery stays unacknowledged.
    case publishFailed(String)
}

extension ConsumerError: CustomStringConvertible {
    /// A one-line message.
    public var description: String {
        switch self {
        case .invalidConfiguration(let reason): "invalid configuration: \(reason)"
        case .store(let reason): "idempotency store: \(reason)"
        case .spawnFailed(let program, let errno): "cannot start \(program): errno \(errno)"
        case .publishFailed(let reason): "publish failed: \(reason)"
        }
    }
}
