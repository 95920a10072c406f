public import Warren
public import WarrenService

/// Everything the consumer service needs, resolved and checked. A value type; `Sendable`.
///
/// Built from flags and environment by ``ConsumerOptions/validated(environment:)``; the library never reads the
/// environment itself.
public struct ConsumerConfiguration: Sendable {
    /// Broker, HTTP address, data directory, topology (its retry delays match ``retryPolicy``), log level.
    public var service: ServiceSettings
    /// The most handlers running at once (default 16).
    public var concurrency: Int
    /// `basic.qos` prefetch (default 2 × concurrency; never below it).
    public var prefetch: Int
    /// Retry delays, attempts, and the retry queue prefix (the topology's).
    public var retryPolicy: RetryPolicy
    /// How long one handler run may take before it is cancelled and counted as a retryable failure (default 30 s).
    public var handlerTimeout: Duration
    /// How long a graceful shutdown waits for in-flight handlers (default 30 s).
    public var shutdownTimeout: Duration
    /// The external command handler, if `--exec` was given.
    public var exec: ExecConfiguration?
    /// Messages with a larger body are dead-lettered without being parsed (default 2 MiB).
    public var maxMessageBytes: Int
    /// The largest `POST /v1/process` body (1 MiB).
    public var httpBodyLimit: Int

    /// Creates a configuration; see the properties for the defaults.
    public init(
        service: ServiceSettings, concurrency: Int = 16, prefetch: Int? = nil, retryPolicy: RetryPolicy = RetryPolicy(),
        handlerTimeout: Duration = .seconds(30), shutdownTimeout: Duration = .seconds(30),
        exec: ExecConfiguration? = nil, maxMessageBytes: Int = 2 << 20, httpBodyLimit: Int = 1 << 20
    ) {
        self.service = service
        self.concurrency = concurrency
        self.prefetch = prefetch ?? concurrency * 2
        self.retryPolicy = retryPolicy
        self.handlerTimeout = handlerTimeout
        self.shutdownTimeout = shutdownTimeout
        self.exec = exec
        self.maxMessageBytes = maxMessageBytes
        self.httpBodyLimit = httpBodyLimit
        self.service.topology.retryDelays = retryPolicy.retryDelays
    }

    /// The topology declared at start.
    public var topology: Topology { service.topology }
}

/// The `--exec` handler's settings. A value type; `Sendable`.
public struct ExecConfiguration: Sendable, Hashable {
    /// The program: a path, or a name looked up in `PATH`.
    public var program: String
    /// Its arguments (no shell: passed as they are).
    public var arguments: [String]
    /// The event types it handles; nil means every type without a built-in handler.
    public var types: Set<String>?
    /// The most bytes kept of its standard output and of its standard error (default 1 MiB each).
    public var outputLimit: Int

    /// Creates the settings.
    public init(program: String, arguments: [String] = [], types: Set<String>? = nil, outputLimit: Int = 1 << 20) {
        self.program = program
        self.arguments = arguments
        self.types = types
        self.outputLimit = outputLimit
    }
}
