/// Everything a ``Connection`` needs, with documented defaults. A value type; `Sendable`.
///
/// Libraries never read the environment: executables parse flags and variables into this struct.
public struct ConnectionConfiguration: Sendable {
    /// Brokers tried in turn, first to last, on connect and on every recovery attempt. Must not be empty.
    public var endpoints: [Endpoint]
    /// Heartbeat negotiated with the broker (default 10 s; `.zero` disables heartbeats). A dead peer is detected
    /// after about twice this long. An endpoint's own `heartbeat` query parameter takes precedence.
    public var heartbeat: Duration = .seconds(10)
    /// Time allowed for the TCP (and TLS) connect to one endpoint (default 5 s).
    public var connectTimeout: Duration = .seconds(5)
    /// Time allowed for the AMQP handshake and login (default 10 s).
    public var handshakeTimeout: Duration = .seconds(10)
    /// Time allowed for a synchronous method such as `queue.declare` (default 30 s), counted from the call; past it
    /// the method fails with ``AMQPError/rpcTimeout(method:)`` and its channel alone is reset (closed and reopened).
    /// Methods the connection sends itself while restoring (reopening, re-declaring, re-consuming) count it from
    /// when they are sent.
    public var rpcTimeout: Duration = .seconds(30)
    /// TLS settings for `amqps` endpoints that carry none in their URL (default: verify with no CA file, which
    /// fails unless one is given).
    public var tls: TLSConfiguration = TLSConfiguration()
    /// Shown in the management UI (`connection_name` client property).
    public var connectionName: String?
    /// Automatic recovery after connection loss (default on).
    public var recovery: RecoveryPolicy = RecoveryPolicy()

    /// Creates a configuration for the given endpoints.
    public init(endpoints: [Endpoint]) {
        self.endpoints = endpoints
    }

    /// Creates a configuration from one URL or a comma-separated list of URLs.
    public init(url: String) throws {
        self.init(endpoints: try Endpoint.list(url))
    }
}

/// How a ``Connection`` recovers after it lost the broker. A value type; `Sendable`.
public struct RecoveryPolicy: Sendable {
    /// Whether to reconnect at all (default `true`). When `false` a lost connection stays closed.
    public var enabled: Bool = true
    /// Delay between attempts: capped exponential with full jitter.
    public var backoff: Backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))

    /// Creates a policy.
    public init(enabled: Bool = true, backoff: Backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))) {
        self.enabled = enabled
        self.backoff = backoff
    }
}
