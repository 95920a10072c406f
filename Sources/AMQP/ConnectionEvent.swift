/// Something that happened to a ``Connection``, delivered by ``Connection/events()``.
public enum ConnectionEvent: Sendable, Hashable {
    /// The connection was lost; recovery starts if enabled.
    case disconnected(AMQPError)
    /// The connection was re-established (to the endpoint described, password redacted) and every channel is
    /// open again (confirm mode and qos restored), so publishing works. Declarations and consumers are restored
    /// next, each on its own; one that fails is reported with ``restoreFailed(what:error:retrying:)``.
    case recovered(endpoint: String)
    /// Something the connection restores after a reconnect or a channel reset (a consumer, a declaration, a
    /// channel) could not be restored; `what` names it. The rest was restored and works. Unless `retrying` is false
    /// (the broker refused it for good, e.g. 404 for a consumer whose queue was deleted: that consumer ends with the
    /// error), it is tried again later with backoff.
    case restoreFailed(what: String, error: AMQPError, retrying: Bool)
    /// The broker stopped reading from this connection (`connection.blocked`, a memory or disk alarm).
    /// Publishes are held until ``unblocked``.
    case blocked(reason: String)
    /// The broker reads again (`connection.unblocked`), or the blocked connection was lost (a new connection
    /// starts unblocked).
    case unblocked
    /// The connection was closed for good (by ``Connection/close()`` or after a loss with recovery off).
    case closed
}
