import AMQP
public import ArgumentParser
import Foundation
public import Logging

/// The options every broker command shares, and turning failures into one-line errors with exit codes.
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .long,
        help: "AMQP URL(s), comma-separated (default: $AMQP_URL, else amqp://guest:guest@127.0.0.1:5672/%2F).")
    var url: String?

    @Option(name: .long, help: "Log level for diagnostics on stderr (trace, debug, info, warning, error).")
    var logLevel: Logger.Level = .warning

    func configuration() throws -> ConnectionConfiguration {
        let text = url ?? ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5672/%2F"
        do {
            var configuration = try ConnectionConfiguration(url: text)
            configuration.connectionName = "warren-cli"
            return configuration
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func logger() -> Logger {
        var logger = Logger(label: "warren") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = logLevel
        return logger
    }

    /// Connects, runs `body`, closes; AMQP errors become a one-line message and a meaningful exit code.
    func run<T: Sendable>(_ body: (Connection) async throws -> T) async throws -> T {
        let configuration = try configuration()
        do {
            return try await Connection.withConnection(configuration, logger: logger(), body)
        } catch let error as AMQPError {
            throw CLIError(error)
        }
    }
}

/// A failure reported as `warren: error: …` on stderr with a sysexits-style code.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    let code: Int32

    init(_ message: String, code: Int32 = 1) {
        description = message
        self.code = code
    }

    init(_ error: AMQPError) {
        description = error.description
        switch error {
        case .connectionFailed, .tlsFailed, .connectionLost: code = 69
        case .authenticationFailed: code = 77
        case .channelClosed(404, _): code = 66
        case .invalidConfiguration: code = 64
        default: code = 1
        }
    }
}

extension AsyncParsableCommand {
    /// Prints a ``CLIError`` as one line and exits with its code; other errors go to ArgumentParser.
    static func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as CLIError {
            FileHandle.standardError.write(Data("warren: error: \(error.description)\n".utf8))
            throw ExitCode(error.code)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
