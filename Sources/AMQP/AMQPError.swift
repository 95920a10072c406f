/// The one error type of the `AMQP` module.
///
/// Server-initiated closes keep the broker's reply code and text (e.g. 404 NOT_FOUND, 406 PRECONDITION_FAILED,
/// 403 ACCESS_REFUSED, 320 CONNECTION_FORCED) so callers can match on them:
///
/// ```swift
/// catch AMQPError.channelClosed(let code, _) where code == 404 { ... }
/// ```
///
/// `description` never contains credentials: endpoints are shown as `host:port/vhost`.
public enum AMQPError: Error, Sendable, Hashable {
    /// A URL or configuration value was rejected before anything was attempted.
    case invalidConfiguration(String)
    /// A TCP (or TLS) connection to the endpoint could not be made.
    case connectionFailed(endpoint: String, reason: String)
    /// The broker refused the credentials (ACCESS_REFUSED during the handshake).
    case authenticationFailed(endpoint: String)
    /// The TLS layer refused the peer or could not be set up.
    case tlsFailed(endpoint: String, reason: String)
    /// The broker closed the connection with `connection.close` (e.g. 320 CONNECTION_FORCED).
    case connectionClosed(code: UInt16, text: String)
    /// The socket failed, a heartbeat was missed, or the connection is recovering. Retry later.
    case connectionLost(reason: String)
    /// The broker closed a channel with `channel.close` (e.g. 404 NOT_FOUND, 406 PRECONDITION_FAILED).
    case channelClosed(code: UInt16, text: String)
    /// The broker answered a publish with `basic.nack`: it did not take responsibility for the message.
    case publishNacked
    /// The message cannot be encoded as AMQP and was not sent (e.g. a property or header name longer than the
    /// 255 bytes of an AMQP short string). The connection is unaffected; do not retry the same message.
    case invalidMessage(String)
    /// A mandatory publish could not be routed (`basic.return`, typically 312 NO_ROUTE).
    case publishReturned(code: UInt16, text: String)
    /// The publish was not confirmed before its deadline; it may or may not have reached the broker.
    case confirmTimeout
    /// A synchronous method (for example `queue.declare`) got no reply within the RPC timeout. Only its channel is
    /// affected: the client closes and reopens that channel; the connection and other channels carry on.
    case rpcTimeout(method: String)
    /// The client reset the channel (closed and reopened it) after one of its methods got no reply: publishes that
    /// were awaiting a confirm on it may or may not have reached the broker.
    case channelReset(reason: String)
    /// The channel already holds `limit` publishes waiting to be sent (the connection is blocked, recovering or
    /// its socket is full); this one was refused at once. Retry later.
    case tooManyHeldPublishes(limit: Int)
    /// The broker cancelled the consumer (for example because its queue was deleted).
    case consumerCancelled(consumerTag: String)
    /// An acknowledgement names a delivery from an earlier channel or connection; it was not sent.
    case staleDelivery
    /// The connection or channel was closed by this client.
    case closed
    /// rabbitmq-c reported a status this wrapper has no better name for.
    case library(status: Int32, message: String)

    /// Whether an operation that failed with this error can simply be tried again later
    /// (the message was not rejected by the broker; the connection was lost or is recovering).
    public var isRetryable: Bool {
        switch self {
        case .connectionFailed, .connectionClosed, .connectionLost, .confirmTimeout, .rpcTimeout, .channelReset,
            .tooManyHeldPublishes, .library:
            true
        case .channelClosed(let code, _): code == 320 || code == 541
        default: false
        }
    }

    /// The broker's reply code for server-initiated closes and returns, if any.
    public var replyCode: UInt16? {
        switch self {
        case .connectionClosed(let code, _), .channelClosed(let code, _), .publishReturned(let code, _): code
        case .authenticationFailed: 403
        default: nil
        }
    }
}

extension AMQPError: CustomStringConvertible {
    /// A one-line message safe to show to users and to log: it never includes credentials.
    public var description: String {
        switch self {
        case .invalidConfiguration(let reason):
            "invalid AMQP configuration: \(reason)"
        case .connectionFailed(let endpoint, let reason):
            "cannot connect to the broker at \(endpoint): \(reason) (is RabbitMQ running and reachable?)"
        case .authenticationFailed(let endpoint):
            "the broker at \(endpoint) refused the credentials (ACCESS_REFUSED): check the user, password and vhost"
        case .tlsFailed(let endpoint, let reason):
            "TLS with \(endpoint) failed: \(reason) (check the CA file, the certificate and the host name)"
        case .connectionClosed(let code, let text):
            "the broker closed the connection: \(code) \(text)"
        case .connectionLost(let reason):
            "the connection to the broker was lost: \(reason)"
        case .channelClosed(let code, let text):
            "the broker closed the channel: \(code) \(text)"
        case .publishNacked:
            "the broker refused the message (basic.nack)"
        case .invalidMessage(let reason):
            "the message was not sent: \(reason)"
        case .publishReturned(let code, let text):
            "the message could not be routed: \(code) \(text)"
        case .confirmTimeout:
            "the broker did not confirm the message in time"
        case .rpcTimeout(let method):
            "the broker did not answer \(method) in time (only its channel was reset)"
        case .channelReset(let reason):
            "the channel was reset by the client (\(reason)); unconfirmed publishes may or may not have arrived"
        case .tooManyHeldPublishes(let limit):
            "\(limit) publishes are already waiting on this channel (blocked, recovering or the socket is full)"
        case .consumerCancelled(let tag):
            "the broker cancelled consumer \(tag) (was its queue deleted?)"
        case .staleDelivery:
            "the delivery belongs to a channel that has since been closed or recovered; it will be redelivered"
        case .closed:
            "the connection or channel is closed"
        case .library(let status, let message):
            "rabbitmq-c error \(status): \(message)"
        }
    }
}
