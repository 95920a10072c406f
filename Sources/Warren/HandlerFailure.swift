/// Why a handler did not succeed, as the consumer reports it to ``RetryPolicy/decide(attempt:failure:)``.
public enum HandlerFailure: Sendable, Hashable {
    /// A transient problem (timeout, dependency down): worth another attempt after a delay.
    case retryable(reason: String)
    /// The event can never succeed (invalid data, rejected by the business rules): dead-letter it at once.
    case permanent(reason: String)

    /// The reason given, whatever the kind.
    public var reason: String {
        switch self {
        case .retryable(let reason), .permanent(let reason): reason
        }
    }

    /// Whether another attempt may help.
    public var isRetryable: Bool {
        if case .retryable = self { true } else { false }
    }
}
