import AMQP
import Foundation
import Logging
import Synchronization
import Testing
import WarrenTestSupport

/// Broker settings for the integration tests, read from the environment (set by `make test` / `scripts/test`).
enum TestBroker {
    /// The shared test node (`AMQP_URL`, default: scripts/broker's default port).
    static var url: String {
        ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5682/%2F"
    }

    static func configuration(heartbeat: Duration = .seconds(10)) throws -> ConnectionConfiguration {
        var configuration = try ConnectionConfiguration(url: url)
        configuration.heartbeat = heartbeat
        configuration.connectionName = "warren-tests"
        return configuration
    }

    static func connect(heartbeat: Duration = .seconds(10)) async throws -> Connection {
        try await Connection.connect(try configuration(heartbeat: heartbeat), logger: logger)
    }

    /// A new connection, a channel on it, and a freshly declared queue with a unique name.
    static func queue(
        _ prefix: String, confirms: Bool = true, autoDelete: Bool = true, arguments: FieldTable = [:]
    ) async throws -> (Connection, Channel, String) {
        let connection = try await connect()
        let channel = try await connection.openChannel(confirms: confirms)
        let queue = unique(prefix)
        try await channel.declareQueue(queue, autoDelete: autoDelete, arguments: arguments)
        return (connection, channel, queue)
    }

    static let logger: Logger = {
        var logger = Logger(label: "amqp-tests") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel =
            ProcessInfo.processInfo.environment["AMQP_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
        return logger
    }()

    /// A name no other test (or earlier run) uses.
    static func unique(_ prefix: String) -> String {
        "test.\(prefix).\(UUID().uuidString.prefix(8).lowercased())"
    }
}
