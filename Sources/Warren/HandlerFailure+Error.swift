extension HandlerFailure: Error {}

extension HandlerFailure: CustomStringConvertible {
    /// `retryable: reason` or `permanent: reason`.
    public var description: String {
        switch self {
        case .retryable(let reason): "retryable: \(reason)"
        case .permanent(let reason): "permanent: \(reason)"
        }
    }
}
