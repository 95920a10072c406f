/// Something that happened to a ``Connection``, delivered by ``Connection/events()``.
public enum ConnectionEvent: Sendable, Hashable {
    /// The connection was lost; recovery starts if enabled.
    case disconnected(AMQPError)
    /// The connection was re-established (to the endpoint described, password redacted) and channels, topology
    /// and consumers were restored.
    case recovered(endpoint: String)
    /// The broker stopped reading from this connection (`connection.blocked`, a memory or disk alarm).
    /// Publishes are held until ``unblocked``.
    case blocked(reason: String)
    /// The broker reads again (`connection.unblocked`).
    case unblocked
    /// The connection was closed for good (by ``Connection/close()`` or after a loss with recovery off).
    case closed
}
