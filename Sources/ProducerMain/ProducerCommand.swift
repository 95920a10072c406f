import ArgumentParser
import Foundation
import Logging
import Producer
import WarrenService

/// `producer`: Warren's HTTP front door. Parses flags (with environment equivalents), validates them, runs the
/// service until SIGTERM/SIGINT. Invalid configuration: one line on stderr, exit code 2, before anything starts.
struct ProducerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "producer",
        abstract: "Warren's producer: accepts events over HTTP and publishes them to RabbitMQ with confirms.",
        discussion: """
            Every flag has an environment equivalent, shown in its help; a flag wins over its variable.
            Async mode (default) answers 202 once the broker confirmed the event or it is in the local outbox;
            sync mode calls the consumer's POST /v1/process and waits. See README.md and docs/openapi.yaml.
            """)

    @OptionGroup var service: ServiceOptions

    @Option(help: ArgumentHelp("async or sync ($WARREN_MODE; default async).", valueName: "mode"))
    var mode: String?

    @Flag(
        name: .customLong("allow-sync-override"),
        help: ArgumentHelp(
            "Let a request ask for sync mode with ?mode=sync when the default is async ($WARREN_ALLOW_SYNC_OVERRIDE=1; default off: 403)."
        ))
    var allowSyncOverride = false

    @Flag(
        name: .customLong("allow-private-callbacks"),
        help: ArgumentHelp(
            "Let webhooks go to loopback, private, link-local, CGNAT and unique-local addresses ($WARREN_ALLOW_PRIVATE_CALLBACKS=1; default off: 422)."
        ))
    var allowPrivateCallbacks = false

    @Option(
        name: .customLong("consumer-url"),
        help: ArgumentHelp(
            "The consumer's base URL for sync mode ($WARREN_CONSUMER_URL; default http://127.0.0.1:8081).",
            valueName: "url"))
    var consumerURL: String?

    @Option(
        help: ArgumentHelp(
            "This producer's name; its status queue is <prefix>.status.<name> ($WARREN_PRODUCER_NAME; default the host name).",
            valueName: "name"))
    var name: String?

    @Option(
        name: .customLong("status-queue-expires"),
        help: ArgumentHelp(
            "Seconds the status queue outlives this producer before RabbitMQ deletes it ($WARREN_STATUS_QUEUE_EXPIRES; default 604800, 7 days).",
            valueName: "seconds"))
    var statusQueueExpires: Double?

    @Option(
        name: .customLong("body-limit"),
        help: ArgumentHelp("Largest request body in bytes ($WARREN_BODY_LIMIT; default 1048576).", valueName: "bytes"))
    var bodyLimit: Int?

    @Option(
        name: .customLong("outbox-limit"),
        help: ArgumentHelp(
            "Most events the outbox holds before answering 503 ($WARREN_OUTBOX_LIMIT; default 100000).",
            valueName: "events"))
    var outboxLimit: Int?

    @Option(
        name: .customLong("publish-timeout"),
        help: ArgumentHelp(
            "Seconds to wait for the broker's confirm before spooling to the outbox ($WARREN_PUBLISH_TIMEOUT; default 2).",
            valueName: "seconds"))
    var publishTimeout: Double?

    @Option(
        name: .customLong("sync-timeout"),
        help: ArgumentHelp(
            "Sync mode: seconds to wait for the consumer ($WARREN_SYNC_TIMEOUT; default 10).", valueName: "seconds"))
    var syncTimeout: Double?

    @Option(
        name: .customLong("request-timeout"),
        help: ArgumentHelp(
            "Seconds a client may take to send a whole request before 408 and the connection closed ($WARREN_REQUEST_TIMEOUT; default 30).",
            valueName: "seconds"))
    var requestTimeout: Double?

    @Option(
        name: .customLong("shutdown-timeout"),
        help: ArgumentHelp(
            "Seconds a graceful shutdown may take ($WARREN_SHUTDOWN_TIMEOUT; default 20).", valueName: "seconds"))
    var shutdownTimeout: Double?

    @Option(
        name: .customLong("consumer-token-file"),
        help: ArgumentHelp(
            "Sync mode: file holding the bearer token sent to the consumer ($WARREN_CONSUMER_TOKEN_FILE or $WARREN_CONSUMER_TOKEN; default this producer's own --auth-token-file).",
            valueName: "path"))
    var consumerTokenFile: String?

    @Option(
        name: .customLong("webhook-secret-file"),
        help: ArgumentHelp(
            "File holding the webhook signing secret, whsec_<base64> or raw ($WARREN_WEBHOOK_SECRET_FILE; default <data-dir>/webhook-secret, created).",
            valueName: "path"))
    var webhookSecretFile: String?

    /// The checked configuration.
    func validated(environment: [String: String]) throws(ServiceError) -> ProducerConfiguration {
        let env = EnvironmentReader(environment)
        let settings = try service.validated(defaultPort: 8080, environment: environment)
        let hostName = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "producer"
        var configuration = ProducerConfiguration(
            service: settings, name: name ?? env["WARREN_PRODUCER_NAME"] ?? hostName)
        guard configuration.name.utf8.count <= 100,
            configuration.name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) })
        else {
            throw .invalidConfiguration(
                "producer name \"\(configuration.name)\" must be 1 to 100 letters, digits, - _ .")
        }
        let modeName = mode ?? env["WARREN_MODE"] ?? "async"
        guard let parsedMode = ProducerConfiguration.Mode(rawValue: modeName) else {
            throw .invalidConfiguration("mode \"\(modeName)\" is not async or sync")
        }
        configuration.mode = parsedMode
        configuration.allowPrivateCallbacks =
            allowPrivateCallbacks
            || ["1", "true", "yes"].contains(env["WARREN_ALLOW_PRIVATE_CALLBACKS"]?.lowercased() ?? "")
        configuration.allowSyncOverride =
            allowSyncOverride || ["1", "true", "yes"].contains(env["WARREN_ALLOW_SYNC_OVERRIDE"]?.lowercased() ?? "")
        let consumer = consumerURL ?? env["WARREN_CONSUMER_URL"] ?? configuration.consumerURL
        guard let url = URLComponents(string: consumer), ["http", "https"].contains(url.scheme ?? ""), url.host != nil
        else {
            throw .invalidConfiguration("consumer URL \"\(consumer)\" is not an http(s) URL")
        }
        configuration.consumerURL = consumer.hasSuffix("/") ? String(consumer.dropLast()) : consumer
        let envBodyLimit = try env.int("WARREN_BODY_LIMIT")
        configuration.bodyLimit = bodyLimit ?? envBodyLimit ?? configuration.bodyLimit
        guard (1024...(64 << 20)).contains(configuration.bodyLimit) else {
            throw .invalidConfiguration("body limit \(configuration.bodyLimit) is out of range 1024...67108864 bytes")
        }
        let envOutboxLimit = try env.int("WARREN_OUTBOX_LIMIT")
        configuration.outboxLimit = outboxLimit ?? envOutboxLimit ?? configuration.outboxLimit
        guard configuration.outboxLimit >= 0 else { throw .invalidConfiguration("outbox limit must be 0 or more") }
        configuration.publishTimeout = try seconds(
            publishTimeout, env: env, "WARREN_PUBLISH_TIMEOUT", default: 2, within: 0.05...60)
        configuration.syncTimeout = try seconds(
            syncTimeout, env: env, "WARREN_SYNC_TIMEOUT", default: 10, within: 0.05...300)
        configuration.requestTimeout = try seconds(
            requestTimeout, env: env, "WARREN_REQUEST_TIMEOUT", default: 30, within: 0.5...3600)
        configuration.statusQueueExpiry = try seconds(
            statusQueueExpires, env: env, "WARREN_STATUS_QUEUE_EXPIRES", default: 7 * 24 * 3600,
            within: 1...(366 * 24 * 3600))
        configuration.shutdownTimeout = try seconds(
            shutdownTimeout, env: env, "WARREN_SHUTDOWN_TIMEOUT", default: 20, within: 1...600)
        configuration.authToken = settings.authToken
        configuration.consumerToken =
            try BearerToken.load(
                file: consumerTokenFile, environment: env, fileVariable: "WARREN_CONSUMER_TOKEN_FILE",
                valueVariable: "WARREN_CONSUMER_TOKEN") ?? settings.authToken
        if let path = webhookSecretFile ?? env["WARREN_WEBHOOK_SECRET_FILE"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .invalidConfiguration("cannot read the webhook secret file \(path)")
            }
            guard let secret = WebhookSigner.parseSecret(text) else {
                throw .invalidConfiguration(
                    "the webhook secret in \(path) is neither whsec_<base64> nor raw text, of 16 bytes or more")
            }
            configuration.webhookSecret = secret
        }
        return configuration
    }

    private func seconds(
        _ flag: Double?, env: EnvironmentReader, _ key: String, default value: Double, within range: ClosedRange<Double>
    ) throws(ServiceError) -> Duration {
        let fromEnv = try env.double(key)
        let seconds = flag ?? fromEnv ?? value
        guard range.contains(seconds) else {
            throw .invalidConfiguration(
                "\(key.dropFirst(7).lowercased().replacingOccurrences(of: "_", with: " ")) \(seconds) s is out of range \(range.lowerBound)...\(range.upperBound)"
            )
        }
        return .milliseconds(Int64(seconds * 1000))
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let configuration: ProducerConfiguration
        do {
            configuration = try validated(environment: environment)
        } catch {
            FileHandle.standardError.write(Data("producer: \(error)\n".utf8))
            throw ExitCode(2)
        }
        ServiceLogging.bootstrap(level: configuration.service.logLevel)
        let logger = Logger(label: "warren.producer")
        if configuration.service.listensOpenly {
            logger.warning(
                "listening beyond loopback without authentication; set --auth-token-file to require a bearer token",
                metadata: ["host": "\(configuration.service.host)"])
        }
        do {
            try await ProducerApp.run(configuration, logger: logger, environment: environment)
        } catch {
            logger.critical("producer failed", metadata: ["error": "\(error)"])
            throw ExitCode(1)
        }
    }
}
