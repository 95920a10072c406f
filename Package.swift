// swift-tools-version: 6.1
import PackageDescription

/// Settings every Swift target shares: Swift 6 mode plus the upcoming features the style guide asks for.
let sharedSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "warren",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AMQP", targets: ["AMQP"]),
        .executable(name: "warren", targets: ["WarrenCLI"]),
        .executable(name: "warren-fuzz", targets: ["WarrenFuzz"]),
        .executable(name: "producer", targets: ["ProducerMain"]),
        .executable(name: "consumer", targets: ["ConsumerMain"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.24.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // The C library, and nothing else: a modulemap and a shim header.
        .systemLibrary(
            name: "CRabbitMQ",
            pkgConfig: "librabbitmq",
            providers: [.apt(["librabbitmq-dev"])]
        ),
        // The thin Swift wrapper: the only module that touches C.
        .target(
            name: "AMQP",
            dependencies: [
                "CRabbitMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: sharedSettings
        ),
        // The shared logic of both services: the CloudEvents wire model, topology, status and retry policy.
        .target(
            name: "Warren",
            dependencies: ["AMQP", .product(name: "Logging", package: "swift-log")],
            swiftSettings: sharedSettings
        ),
        // Plumbing both services share: configuration from flags and environment, the systemd notify protocol,
        // Prometheus metrics, RFC 9457 problem responses, the broker link that survives a missing broker.
        // Group commit: concurrent SQLite write transactions batched into one (the producer's and consumer's stores).
        .target(
            name: "GroupCommit",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: sharedSettings
        ),
        .target(
            name: "WarrenService",
            dependencies: [
                "Warren", "AMQP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: sharedSettings
        ),
        // The consumer service: concurrent handlers, idempotent store, retries, dead letters, sync endpoint.
        .target(
            name: "Consumer",
            dependencies: [
                "Warren", "AMQP", "GroupCommit", "WarrenService", "WarrenProcess",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: sharedSettings
        ),
        .executableTarget(
            name: "ConsumerMain",
            dependencies: [
                "Consumer", "WarrenService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: sharedSettings
        ),
        // The producer service: HTTP API, publisher with confirms, outbox, status store, SSE, webhooks, sync mode.
        .target(
            name: "Producer",
            dependencies: [
                "Warren", "AMQP", "GroupCommit", "WarrenService",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: sharedSettings
        ),
        .executableTarget(
            name: "ProducerMain",
            dependencies: [
                "Producer", "WarrenService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: sharedSettings
        ),
        // `warren demo`: the isolation experiment (processes, open-loop load, faults, report).
        .target(
            name: "WarrenDemo",
            dependencies: [
                "AMQP", "WarrenProcess",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: sharedSettings
        ),
        // `warren`: the command-line tool for people.
        .executableTarget(
            name: "WarrenCLI",
            dependencies: [
                "AMQP", "Warren", "WarrenDemo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: sharedSettings
        ),
        // libFuzzer target for the parsers (scripts/fuzz); a corpus replayer when built normally.
        .executableTarget(
            name: "WarrenFuzz",
            dependencies: ["AMQP", "Warren"],
            swiftSettings: sharedSettings
        ),
        // Child processes with a clean signal mask, real signals and a log file (tests, demo, --exec).
        .target(
            name: "WarrenProcess",
            swiftSettings: sharedSettings
        ),
        // Helpers the integration tests share: child processes, private brokers, HTTP, free ports.
        .target(
            name: "WarrenTestSupport",
            dependencies: [
                "WarrenProcess",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/WarrenTestSupport",
            swiftSettings: sharedSettings
        ),
        // The consumer's pure logic (configuration, demo.work, exec result mapping), no broker.
        .testTarget(
            name: "ConsumerTests",
            dependencies: [
                "Consumer", "Warren", "WarrenService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: sharedSettings
        ),
        // The real `consumer` (and `warren`) binaries against a real RabbitMQ node, real signals.
        .testTarget(
            name: "ConsumerIntegrationTests",
            dependencies: ["AMQP", "Warren", "WarrenProcess", "WarrenTestSupport"],
            swiftSettings: sharedSettings
        ),
        // Pure logic, no broker.
        .testTarget(
            name: "AMQPTests",
            dependencies: ["AMQP"],
            swiftSettings: sharedSettings
        ),
        // The producer's and the demo's pure logic, no broker.
        .testTarget(
            name: "ProducerTests",
            dependencies: ["Producer", "Warren"],
            swiftSettings: sharedSettings
        ),
        .testTarget(
            name: "WarrenDemoTests",
            dependencies: ["WarrenDemo"],
            swiftSettings: sharedSettings
        ),
        // Group commit against real SQLite files in a temporary directory.
        .testTarget(
            name: "GroupCommitTests",
            dependencies: ["GroupCommit", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: sharedSettings
        ),
        // Warren's pure logic, no broker.
        .testTarget(
            name: "WarrenTests",
            dependencies: ["Warren"],
            swiftSettings: sharedSettings
        ),
        // Warren's topology against a real RabbitMQ node, configured from the environment.
        .testTarget(
            name: "WarrenIntegrationTests",
            dependencies: ["Warren", "AMQP", "WarrenTestSupport"],
            swiftSettings: sharedSettings
        ),
        // The real `producer` binary against a real broker, real HTTP, real SQLite, real signals.
        .testTarget(
            name: "ProducerIntegrationTests",
            dependencies: [
                "AMQP", "Warren", "Producer", "WarrenProcess", "WarrenTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: sharedSettings
        ),
        // Producer, consumer and `warren demo` together: kill and freeze a consumer, async vs sync.
        .testTarget(
            name: "SystemIntegrationTests",
            dependencies: ["AMQP", "WarrenProcess", "WarrenTestSupport"],
            swiftSettings: sharedSettings
        ),
        // Against a real RabbitMQ node (scripts/broker), configured from the environment.
        .testTarget(
            name: "AMQPIntegrationTests",
            dependencies: [
                "AMQP", "WarrenTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: sharedSettings
        ),
    ]
)
