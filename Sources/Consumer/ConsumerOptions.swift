import AMQP
public import ArgumentParser
import Foundation
import Warren
public import WarrenService

/// The consumer's command-line options: the shared ``ServiceOptions`` plus its own, each with an environment
/// equivalent (a flag wins over its variable, which wins over the default).
///
/// Parsed by swift-argument-parser in `main`; ``validated(environment:)`` checks everything before the service
/// starts. A value type; `Sendable`.
public struct ConsumerOptions: ParsableArguments, Sendable {
    /// Broker, HTTP, data directory, topology and logging options.
    @OptionGroup public var service: ServiceOptions

    /// Handlers running at once.
    @Option(help: ArgumentHelp("Handlers running at once ($WARREN_CONCURRENCY; default 16).", valueName: "n"))
    public var concurrency: Int?

    /// basic.qos prefetch.
    @Option(
        help: ArgumentHelp(
            "Unacknowledged deliveries the broker may send ahead, at least --concurrency ($WARREN_PREFETCH; "
                + "default 2 × concurrency).", valueName: "n"))
    public var prefetch: Int?

    /// Delays before attempts 2, 3, …
    @Option(
        name: .customLong("retry-delays"),
        help: ArgumentHelp(
            "Delays before attempts 2, 3, … e.g. 1s,5s,30s or 200ms,400ms; a bare number is milliseconds "
                + "($WARREN_RETRY_DELAYS; default 1s,5s,30s).", valueName: "list"))
    public var retryDelays: String?

    /// Attempts before dead-lettering.
    @Option(
        name: .customLong("max-attempts"),
        help: ArgumentHelp(
            "Attempts, the first included, before a retryable failure is dead-lettered ($WARREN_MAX_ATTEMPTS; "
                + "default: number of delays + 1).", valueName: "n"))
    public var maxAttempts: Int?

    /// Handler deadline.
    @Option(
        name: .customLong("handler-timeout"),
        help: ArgumentHelp(
            "Seconds a handler may run before it is cancelled and retried, at most 900 (well under RabbitMQ's "
                + "consumer_timeout) ($WARREN_HANDLER_TIMEOUT; default 30).", valueName: "seconds"))
    public var handlerTimeout: Double?

    /// Drain deadline.
    @Option(
        name: .customLong("shutdown-timeout"),
        help: ArgumentHelp(
            "Seconds a graceful shutdown waits for in-flight handlers ($WARREN_SHUTDOWN_TIMEOUT; default 30).",
            valueName: "seconds"))
    public var shutdownTimeout: Double?

    /// External handler program.
    @Option(
        help: ArgumentHelp(
            "Run this program per event (no shell): the event JSON on stdin; exit 0 = success with stdout as the "
                + "result, 75 = retry, anything else = permanent failure with stderr as the reason ($WARREN_EXEC).",
            valueName: "program"))
    public var exec: String?

    /// Arguments of the external program.
    @Option(
        name: .customLong("exec-arg"), parsing: .unconditionalSingleValue,
        help: ArgumentHelp(
            "One argument for the --exec program, taken as is even if it starts with - (repeat for more).",
            valueName: "arg"))
    public var execArguments: [String] = []

    /// Types the external program handles.
    @Option(
        name: .customLong("exec-types"),
        help: ArgumentHelp(
            "Comma-separated event types --exec handles ($WARREN_EXEC_TYPES; default: every type without a "
                + "built-in handler).", valueName: "types"))
    public var execTypes: String?

    /// Largest message body handled.
    @Option(
        name: .customLong("max-message-bytes"),
        help: ArgumentHelp(
            "Larger message bodies are dead-lettered unparsed ($WARREN_MAX_MESSAGE_BYTES; default 2097152).",
            valueName: "bytes"))
    public var maxMessageBytes: Int?

    /// Creates the options with every value unset (ArgumentParser fills them).
    public init() {}

    /// The checked configuration; throws ``ConsumerError/invalidConfiguration(_:)`` with a one-line reason.
    public func validated(environment: [String: String]) throws(ConsumerError) -> ConsumerConfiguration {
        let env = EnvironmentReader(environment)
        var settings: ServiceSettings
        do {
            settings = try service.validated(defaultPort: 8081, environment: environment)
            let concurrency = try concurrency ?? env.int("WARREN_CONCURRENCY") ?? 16
            guard (1...1024).contains(concurrency) else {
                throw ConsumerError.invalidConfiguration("concurrency \(concurrency) is out of range 1...1024")
            }
            let prefetch = try prefetch ?? env.int("WARREN_PREFETCH") ?? min(concurrency * 2, 65535)
            guard prefetch >= concurrency, prefetch <= 65535 else {
                throw ConsumerError.invalidConfiguration(
                    "prefetch \(prefetch) must be between the concurrency (\(concurrency)) and 65535")
            }
            let delays = try DurationList.parse(retryDelays ?? env["WARREN_RETRY_DELAYS"] ?? "1s,5s,30s")
            let attempts = try maxAttempts ?? env.int("WARREN_MAX_ATTEMPTS")
            if let attempts, !(1...100).contains(attempts) {
                throw ConsumerError.invalidConfiguration("max attempts \(attempts) is out of range 1...100")
            }
            let policy: RetryPolicy
            do {
                policy = try RetryPolicy(delays: delays, maxAttempts: attempts, prefix: settings.topology.prefix)
            } catch {
                throw ConsumerError.invalidConfiguration(error.reason)
            }
            let handlerTimeout = try seconds(
                handlerTimeout, env: env, key: "WARREN_HANDLER_TIMEOUT", default: 30, range: 0.001...900,
                what: "handler timeout")
            let shutdownTimeout = try seconds(
                shutdownTimeout, env: env, key: "WARREN_SHUTDOWN_TIMEOUT", default: 30, range: 0...3600,
                what: "shutdown timeout")
            let maxBytes = try maxMessageBytes ?? env.int("WARREN_MAX_MESSAGE_BYTES") ?? (2 << 20)
            guard (1024...(128 << 20)).contains(maxBytes) else {
                throw ConsumerError.invalidConfiguration(
                    "max message bytes \(maxBytes) is out of range 1024...134217728")
            }
            settings.connection.connectionName = "warren-consumer"
            return ConsumerConfiguration(
                service: settings, concurrency: concurrency, prefetch: prefetch, retryPolicy: policy,
                handlerTimeout: handlerTimeout, shutdownTimeout: shutdownTimeout, exec: try execConfiguration(env: env),
                maxMessageBytes: maxBytes)
        } catch let error as ConsumerError {
            throw error
        } catch let error as ServiceError {
            switch error {
            case .invalidConfiguration(let reason), .unavailable(let reason):
                throw ConsumerError.invalidConfiguration(reason)
            }
        } catch {
            throw ConsumerError.invalidConfiguration("\(error)")
        }
    }

    private func seconds(
        _ flag: Double?, env: EnvironmentReader, key: String, default value: Double, range: ClosedRange<Double>,
        what: String
    ) throws -> Duration {
        let seconds = try flag ?? env.double(key) ?? value
        guard range.contains(seconds) else {
            throw ConsumerError.invalidConfiguration(
                "\(what) \(seconds) s is out of range \(range.lowerBound)...\(range.upperBound) s")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private func execConfiguration(env: EnvironmentReader) throws(ConsumerError) -> ExecConfiguration? {
        let typeList = (execTypes ?? env["WARREN_EXEC_TYPES"]).map {
            Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        }
        guard let program = exec ?? env["WARREN_EXEC"] else {
            if typeList != nil || !execArguments.isEmpty {
                throw .invalidConfiguration("--exec-types and --exec-arg need --exec PROGRAM")
            }
            return nil
        }
        guard let resolved = ExecutableLookup.resolve(program) else {
            throw .invalidConfiguration("--exec program \"\(program)\" is not an executable file (or not in PATH)")
        }
        if let typeList, typeList.isEmpty { throw .invalidConfiguration("--exec-types is empty") }
        return ExecConfiguration(program: resolved, arguments: execArguments, types: typeList)
    }
}
