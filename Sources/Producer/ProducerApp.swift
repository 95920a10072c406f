import AsyncHTTPClient
import CoreMetrics
public import Foundation
import Hummingbird
import HummingbirdCore
public import Logging
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import UnixSignals
import WarrenService

/// Assembles and runs the producer: store, broker session, outbox forwarder, status listener, webhook dispatcher,
/// the HTTP API, systemd notifications; until SIGTERM or SIGINT, then a graceful shutdown.
///
/// Shutdown order (reverse of start): `STOPPING=1`; the HTTP server stops accepting and finishes in-flight
/// requests (their confirms included); the background services finish their round; the broker connection closes.
public enum ProducerApp {
    /// Runs until a shutdown signal; throws ``ServiceError/unavailable(_:)`` when the data directory or database
    /// cannot be opened, or the HTTP port cannot be bound.
    public static func run(
        _ configuration: ProducerConfiguration, logger: Logger,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws {
        do {
            try FileManager.default.createDirectory(
                atPath: configuration.service.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw ServiceError.unavailable("cannot create the data directory \(configuration.service.dataDirectory)")
        }
        let store: ProducerStore
        do {
            store = try ProducerStore(path: configuration.databasePath)
        } catch {
            throw ServiceError.unavailable("\(error)")
        }
        let signer = WebhookSigner(secret: try webhookSecret(configuration, logger: logger))
        PrometheusExport.bootstrap()
        let metrics = ProducerMetrics()
        metrics.outboxDepth.record(store.outboxCount)
        let estimator = BacklogEstimator()
        let broker = BrokerSession(configuration: configuration, estimator: estimator, metrics: metrics, logger: logger)
        let outboxSignal = WakeSignal()
        let webhookSignal = WakeSignal()
        let broadcaster = StatusBroadcaster()
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                timeout: .init(connect: .nanoseconds(configuration.syncConnectTimeout.nanoseconds))))
        let notifier = SystemdNotifier(environment: environment)
        let stopping = NIOLockedValueBox(false)

        let intake = EventIntake(
            configuration: configuration, store: store, broker: broker, forwarder: outboxSignal, metrics: metrics,
            logger: logger)
        let callbackGuard = CallbackGuard(allowPrivate: configuration.allowPrivateCallbacks)
        let controller = EventsController(
            configuration: configuration, intake: intake, callbackGuard: callbackGuard,
            sync: SyncForwarder(
                client: client, consumerURL: configuration.consumerURL, timeout: configuration.syncTimeout,
                token: configuration.consumerToken),
            store: store, broadcaster: broadcaster, estimator: estimator)
        let summary: @Sendable () -> String = {
            "mode \(configuration.mode.rawValue); \(broker.summary); outbox \(store.outboxCount)"
        }
        let storeProbe = StoreProbe(store: store, logger: logger)
        let router = ProducerRoutes.router(controller: controller, configuration: configuration) {
            if stopping.withLockedValue({ $0 }) { return (false, "shutting down") }
            if let problem = storeProbe.problem { return (false, problem) }
            let ready = broker.isReady || store.outboxCount < configuration.outboxLimit
            return (ready, "mode \(configuration.mode.rawValue); \(broker.publicSummary); outbox \(store.outboxCount)")
        }
        let requestTimeout = TimeAmount.nanoseconds(configuration.requestTimeout.nanoseconds)
        let app = Application(
            router: router,
            server: .http1(
                configuration: HTTP1Channel.Configuration(
                    additionalChannelHandlers: [RequestDeadlineHandler(timeout: requestTimeout, logger: logger)])),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.service.host, port: configuration.service.port),
                serverName: "warren-producer"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.service.port
                logger.notice(
                    "producer listening",
                    metadata: [
                        "address": "http://\(configuration.service.host):\(port)",
                        "mode": "\(configuration.mode.rawValue)",
                    ])
                notifier.ready(status: "accepting on port \(port); \(summary())")
            },
            logger: logger)

        let background: [any Service] = [
            broker,
            StatusListener(
                configuration: configuration, store: store, broker: broker, declarer: broker.statusQueue,
                broadcaster: broadcaster,
                webhooks: webhookSignal, estimator: estimator, metrics: metrics, logger: logger),
            storeProbe,
            OutboxForwarder(store: store, broker: broker, signal: outboxSignal, metrics: metrics, logger: logger),
            WebhookDispatcher(
                store: store, signer: signer, signal: webhookSignal, metrics: metrics, logger: logger,
                callbackGuard: callbackGuard),
            // Alive means the loops turn (the connection's I/O thread is checked), not that the broker is up or the
            // outbox has room: restarting would fix neither.
            WatchdogService(notifier: notifier, connection: { broker.link?.connection }) { true },
            FaultInjection(environment: environment) { broker.link?.connection },
            StatusLineService(notifier: notifier, line: summary),
        ]
        let services =
            background.map {
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: $0, successTerminationBehavior: .ignore,
                    failureTerminationBehavior: .gracefullyShutdownGroup)
            } + [
                .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup),
                .init(
                    service: ShutdownNotifier(notifier: notifier, drainDelay: configuration.service.drainDelay) {
                        stopping.withLockedValue { $0 = true }
                        logger.notice("shutting down: finishing in-flight requests")
                    }, successTerminationBehavior: .ignore),
            ]
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout
        let group = ServiceGroup(configuration: groupConfiguration)
        do {
            try await group.run()
        } catch {
            try? await client.shutdown()
            throw ServiceError.unavailable("\(error)")
        }
        try? await client.shutdown()
        logger.notice("producer stopped", metadata: ["outbox": "\(store.outboxCount)"])
    }

    /// The webhook key: from the configuration, else from `<data-dir>/webhook-secret` (created with mode 0600 on
    /// first start; the path, never the key, is logged). A file that exists but cannot be read or holds no valid
    /// key stops the start: replacing it would break every receiver's signature check.
    static func webhookSecret(_ configuration: ProducerConfiguration, logger: Logger) throws -> [UInt8] {
        if let secret = configuration.webhookSecret { return secret }
        let path = "\(configuration.service.dataDirectory)/webhook-secret"
        if FileManager.default.fileExists(atPath: path) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ServiceError.unavailable(
                    "cannot read the webhook secret \(path); fix its permissions (the producer never replaces it)")
            }
            guard let secret = WebhookSigner.parseSecret(text) else {
                throw ServiceError.unavailable(
                    "the webhook secret \(path) is not a whsec_<base64> key of 16 bytes or more; restore it from a "
                        + "backup, or delete it to create a new one (every receiver then needs the new key)")
            }
            return secret
        }
        let secret = WebhookSigner.randomSecret()
        let text = WebhookSigner(secret: secret).secretText + "\n"
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw ServiceError.unavailable("cannot write the webhook secret to \(path)")
        }
        logger.notice("created a webhook signing secret", metadata: ["path": "\(path)"])
        return secret
    }
}
