import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import WarrenService

/// The whole consumer process: the idempotency store, the HTTP application, the consumer loop and the systemd
/// watchdog in one `ServiceGroup` that shuts down gracefully on SIGTERM and SIGINT.
///
/// Stateless entry point; ``run(configuration:environment:)`` returns when the service has stopped.
public enum ConsumerApp {
    /// Opens the store (throws ``ConsumerError/store(_:)`` when it cannot) and runs until a signal stops it.
    public static func run(
        configuration: ConsumerConfiguration, registry: HandlerRegistry? = nil, environment: [String: String]
    ) async throws {
        PrometheusExport.bootstrap()
        let logger = {
            var logger = Logger(label: "warren.consumer")
            logger.logLevel = configuration.service.logLevel
            return logger
        }()
        let notifier = SystemdNotifier(environment: environment)
        let store = try ProcessedStore(directory: configuration.service.dataDirectory)
        let registry =
            registry ?? HandlerRegistry.standard(exec: configuration.exec, concurrency: configuration.concurrency)
        let stats = ConsumerStats()
        let state = ConsumerState()
        let runner = HandlerRunner(timeout: configuration.handlerTimeout, stats: stats)
        let sync = SyncProcessor(
            registry: registry, store: store, runner: runner, stats: stats, state: state, logger: logger)
        let settings = configuration.service
        let router = ConsumerHTTP.router(
            sync: sync, store: store, stats: stats, state: state, bodyLimit: configuration.httpBodyLimit,
            authToken: settings.authToken)
        if settings.listensOpenly {
            logger.warning(
                """
                listening beyond loopback without authentication: anyone who reaches the port can run handlers \
                through POST /v1/process; set --auth-token-file to require a bearer token
                """,
                metadata: ["host": "\(settings.host)"])
        }
        let http = Application(
            router: router,
            configuration: ApplicationConfiguration(
                address: .hostname(settings.host, port: settings.port), serverName: "warren-consumer"),
            onServerRunning: { channel in
                logger.notice("HTTP listening on \(channel.localAddress.map { "\($0)" } ?? "?")")
                // Ready for systemd means serving; the broker's state goes in STATUS= (ConsumerService).
                notifier.ready(status: state.isReady ? "serving; consuming" : "serving; \(state.notReadyReason)")
            },
            logger: logger)
        let consumer = ConsumerService(
            configuration: configuration, registry: registry, store: store, stats: stats, state: state,
            notifier: notifier, logger: logger)
        // Alive means the loops turn (the connection's I/O thread is checked), not that the broker is up: an outage
        // longer than WatchdogSec must not get a healthy consumer killed.
        let watchdog = WatchdogService(notifier: notifier, connection: { state.currentConnection }) { true }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: http),
                    .init(service: consumer),
                    .init(service: watchdog, successTerminationBehavior: .ignore),
                    .init(
                        service: ShutdownNotifier(notifier: notifier, drainDelay: settings.drainDelay) {
                            state.beginStopping()
                        },
                        successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        let summary =
            "starting: concurrency \(configuration.concurrency), prefetch \(configuration.prefetch), handler "
            + "timeout \(configuration.handlerTimeout), data \(settings.dataDirectory)/consumer.sqlite"
        logger.notice("\(summary)")
        try await group.run()
    }
}
