import Foundation
public import WarrenService

/// Everything the producer needs to run, checked before anything starts.
///
/// A value type; `Sendable`. Built by the `producer` command from flags and environment
/// (``ProducerOptions/validated(environment:)``), or directly by tests and embedders.
public struct ProducerConfiguration: Sendable, CustomStringConvertible {
    /// How `POST /v1/events` handles an event unless the request asks otherwise.
    public enum Mode: String, Sendable, CaseIterable {
        /// Publish to RabbitMQ with confirms (or spool to the outbox) and answer `202` at once.
        case async
        /// Call the consumer's `POST /v1/process` and wait for the outcome.
        case sync
    }

    /// Broker, HTTP address, data directory, topology, log level.
    public var service: ServiceSettings
    /// The default mode.
    public var mode: Mode = .async
    /// Whether a request may ask for sync mode (`?mode=sync`) when the default is async (default false: an async
    /// deployment never lets a client make it wait on the consumer).
    public var allowSyncOverride = false
    /// Whether webhooks may go to loopback, private, link-local and other non-public addresses (default false:
    /// such a `callback_url` is refused with `422`, and checked again before every delivery).
    public var allowPrivateCallbacks = false
    /// The consumer's base URL for sync mode.
    public var consumerURL: String = "http://127.0.0.1:8081"
    /// The producer's name: its status queue is `warren.status.<name>`.
    public var name: String
    /// How long the status queue outlives its last consumer before RabbitMQ deletes it (`x-expires`, default 7
    /// days): a producer that is gone for good, or was renamed, leaves nothing that grows forever.
    public var statusQueueExpiry: Duration = .seconds(7 * 24 * 3600)
    /// The largest request body accepted (default 1 MiB).
    public var bodyLimit: Int = 1 << 20
    /// The most events the outbox holds before `POST /v1/events` answers `503` (default 100,000).
    public var outboxLimit: Int = 100_000
    /// How long a request waits for the broker's confirm before spooling the event to the outbox (default 2 s).
    public var publishTimeout: Duration = .seconds(2)
    /// Sync mode: the whole call to the consumer (default 10 s).
    public var syncTimeout: Duration = .seconds(10)
    /// Sync mode: connecting to the consumer (default 1 s).
    public var syncConnectTimeout: Duration = .seconds(1)
    /// How long a client may take to send a whole request, from the moment the connection is ready for it (open,
    /// or the previous response sent) to its last body byte; then it gets `408` and the connection closes
    /// (default 30 s). Bounds what a slow or stalled client can hold.
    public var requestTimeout: Duration = .seconds(30)
    /// How long a graceful shutdown waits for in-flight work (default 20 s).
    public var shutdownTimeout: Duration = .seconds(20)
    /// The bearer token `/v1/*` requires, or nil for none.
    public var authToken: String?
    /// Sync mode: the bearer token sent to the consumer's `/v1/process`, or nil for none.
    public var consumerToken: String?
    /// The key webhooks are signed with (raw bytes), or nil to create and keep one in the data directory.
    public var webhookSecret: [UInt8]?

    /// A configuration with the defaults above.
    public init(service: ServiceSettings, name: String) {
        self.service = service
        self.name = name
    }

    /// A summary without secrets (the token and webhook key are never printed).
    public var description: String {
        "ProducerConfiguration(mode: \(mode.rawValue), name: \(name), port: \(service.port), auth: \(authToken == nil ? "off" : "on"))"
    }

    /// The SQLite file.
    public var databasePath: String { "\(service.dataDirectory)/producer.sqlite" }
}
