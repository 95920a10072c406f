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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
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
            dependencies: ["AMQP"],
            swiftSettings: sharedSettings
        ),
        // `warren`: the command-line tool for people.
        .executableTarget(
            name: "WarrenCLI",
            dependencies: [
                "AMQP",
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
        // Pure logic, no broker.
        .testTarget(
            name: "AMQPTests",
            dependencies: ["AMQP"],
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
            dependencies: ["Warren", "AMQP"],
            swiftSettings: sharedSettings
        ),
        // Against a real RabbitMQ node (scripts/broker), configured from the environment.
        .testTarget(
            name: "AMQPIntegrationTests",
            dependencies: [
                "AMQP",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: sharedSettings
        ),
    ]
)
