public import AMQP
public import ArgumentParser
import Foundation
public import Logging
public import Warren

/// The command-line options both services share, each with an environment equivalent.
///
/// A flag wins over its environment variable, which wins over the default. Parsed once at start by
/// swift-argument-parser; ``validated(environment:)`` turns them into checked values before anything starts.
public struct ServiceOptions: ParsableArguments, Sendable {
    /// The broker URL list.
    @Option(
        name: .customLong("amqp-url"),
        help: ArgumentHelp(
            "AMQP URL(s), comma-separated, tried in turn ($AMQP_URL; default amqp://guest:guest@127.0.0.1:5672/%2F).",
            valueName: "url"))
    public var amqpURL: String?

    /// A file holding the URL list (for secrets: systemd `LoadCredential=`, Docker secrets).
    @Option(
        name: .customLong("amqp-url-file"),
        help: ArgumentHelp("Read the AMQP URL(s) from this file instead ($AMQP_URL_FILE).", valueName: "path"))
    public var amqpURLFile: String?

    /// The HTTP listen address.
    @Option(help: ArgumentHelp("HTTP listen address ($WARREN_HOST; default 127.0.0.1).", valueName: "address"))
    public var host: String?

    /// The HTTP port; the service supplies its default.
    @Option(help: ArgumentHelp("HTTP port, 0 for any free one ($WARREN_PORT).", valueName: "port"))
    public var port: Int?

    /// Where the SQLite files live.
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp("Directory for the SQLite store ($WARREN_DATA_DIR; default ./data).", valueName: "path"))
    public var dataDirectory: String?

    /// quorum or classic.
    @Option(
        name: .customLong("queue-type"),
        help: ArgumentHelp("quorum or classic ($WARREN_QUEUE_TYPE; default quorum).", valueName: "type"))
    public var queueType: String?

    /// The topology name prefix.
    @Option(
        help: ArgumentHelp("Prefix of every exchange and queue ($WARREN_PREFIX; default warren).", valueName: "name"))
    public var prefix: String?

    /// The AMQP heartbeat.
    @Option(help: ArgumentHelp("AMQP heartbeat in seconds ($WARREN_HEARTBEAT; default 10).", valueName: "seconds"))
    public var heartbeat: Double?

    /// Log verbosity.
    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "trace, debug, info, notice, warning, error ($WARREN_LOG_LEVEL; default info).",
            valueName: "level"))
    public var logLevel: String?

    /// Where the bearer token for `/v1/*` is.
    @Option(
        name: .customLong("auth-token-file"),
        help: ArgumentHelp(
            "File holding the bearer token /v1/* requires ($WARREN_AUTH_TOKEN_FILE, or the token itself in $WARREN_AUTH_TOKEN; default none).",
            valueName: "path"))
    public var authTokenFile: String?

    /// How long `/readyz` answers 503 after SIGTERM before the listener closes.
    @Option(
        name: .customLong("drain-delay"),
        help: ArgumentHelp(
            "Seconds /readyz answers 503 after SIGTERM before the HTTP listener closes, so load balancers stop sending first ($WARREN_DRAIN_DELAY; default 5).",
            valueName: "seconds"))
    public var drainDelay: Double?

    /// Creates the options with every value unset (ArgumentParser fills them).
    public init() {}

    /// The options checked and resolved against `environment`; throws ``ServiceError/invalidConfiguration(_:)``
    /// with a one-line reason.
    public func validated(defaultPort: Int, environment: [String: String]) throws(ServiceError) -> ServiceSettings {
        let env = EnvironmentReader(environment)
        var urls = amqpURL ?? env["AMQP_URL"]
        if let file = amqpURLFile ?? env["AMQP_URL_FILE"] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw .invalidConfiguration("cannot read the AMQP URL file \(file)")
            }
            urls = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let urlList = urls ?? "amqp://guest:guest@127.0.0.1:5672/%2F"
        var connection: ConnectionConfiguration
        do {
            connection = ConnectionConfiguration(endpoints: try Endpoint.list(urlList))
        } catch {
            throw .invalidConfiguration("bad AMQP URL: \(error)")
        }
        let envHeartbeat = try env.double("WARREN_HEARTBEAT")
        let heartbeat = heartbeat ?? envHeartbeat ?? 10
        guard heartbeat >= 0, heartbeat <= 600 else {
            throw .invalidConfiguration("heartbeat \(heartbeat) s is out of range 0...600")
        }
        connection.heartbeat = .milliseconds(Int64(heartbeat * 1000))
        let envPort = try env.int("WARREN_PORT")
        let port = port ?? envPort ?? defaultPort
        guard (0...65535).contains(port) else { throw .invalidConfiguration("port \(port) is out of range 0...65535") }
        let typeName = queueType ?? env["WARREN_QUEUE_TYPE"] ?? QueueType.quorum.rawValue
        guard let type = QueueType(rawValue: typeName) else {
            throw .invalidConfiguration("queue type \"\(typeName)\" is not quorum or classic")
        }
        let levelName = logLevel ?? env["WARREN_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw .invalidConfiguration(
                "log level \"\(levelName)\" is not trace, debug, info, notice, warning or error")
        }
        let envDrainDelay = try env.double("WARREN_DRAIN_DELAY")
        let drainDelay = drainDelay ?? envDrainDelay ?? 5
        guard (0...300).contains(drainDelay) else {
            throw .invalidConfiguration("drain delay \(drainDelay) s is out of range 0...300")
        }
        let topology = Topology(prefix: prefix ?? env["WARREN_PREFIX"] ?? "warren", queueType: type)
        do {
            try topology.validate()
        } catch {
            throw .invalidConfiguration(error.reason)
        }
        return ServiceSettings(
            connection: connection, host: host ?? env["WARREN_HOST"] ?? "127.0.0.1", port: port,
            dataDirectory: dataDirectory ?? env["WARREN_DATA_DIR"] ?? "data", topology: topology, logLevel: level,
            authToken: try BearerToken.load(
                file: authTokenFile, environment: env, fileVariable: "WARREN_AUTH_TOKEN_FILE",
                valueVariable: "WARREN_AUTH_TOKEN"),
            drainDelay: .milliseconds(Int64(drainDelay * 1000)))
    }
}

/// The resolved shared settings of a service.
public struct ServiceSettings: Sendable {
    /// The broker connection (endpoints, heartbeat; name set by the service).
    public var connection: ConnectionConfiguration
    /// HTTP listen address.
    public var host: String
    /// HTTP port (0 = any free one).
    public var port: Int
    /// Where the SQLite files go (created if missing).
    public var dataDirectory: String
    /// Names and queue type.
    public var topology: Topology
    /// Log verbosity.
    public var logLevel: Logger.Level
    /// The bearer token `/v1/*` requires, or nil for none (never printed).
    public var authToken: String?
    /// How long `/readyz` answers 503 after SIGTERM before the HTTP listener closes (default 5 s).
    public var drainDelay: Duration = .seconds(5)

    /// Whether the HTTP listener is reachable from other hosts without a token (the service then warns).
    public var listensOpenly: Bool {
        authToken == nil && !["127.0.0.1", "::1", "localhost"].contains(host)
    }
}
