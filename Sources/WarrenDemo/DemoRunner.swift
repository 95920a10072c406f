import AMQP
import AsyncHTTPClient
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import WarrenProcess

/// Runs the isolation experiment: a private broker, then per mode a consumer and a producer as separate
/// processes, open-loop load through four phases (before, crash, hang, after), faults injected with real signals,
/// and the figures collected.
///
/// Used once per run from the `warren demo` command; progress goes to `progress` (one line at a time). Every
/// process it starts is stopped on every path.
public struct DemoRunner: Sendable {
    let configuration: DemoConfiguration
    let progress: @Sendable (String) -> Void

    /// A runner for `configuration`, reporting progress lines to `progress`.
    public init(configuration: DemoConfiguration, progress: @escaping @Sendable (String) -> Void) {
        self.configuration = configuration
        self.progress = progress
    }

    /// Runs every mode; the report (checks included; the caller decides the exit code).
    public func run() async throws -> DemoReport {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "warren-demo-\(UUID().uuidString.prefix(8))"
        )
        .path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        progress("demo: working in \(work)")
        let broker = "\(work)/broker"
        let url = try await brokerScript(
            ["start", "--state", broker, "--port", "\(configuration.brokerPort)"], work: work)
        progress("demo: broker up at \(url.replacingOccurrences(of: "guest:guest@", with: "guest:***@"))")
        var pool = HTTPClient.Configuration.ConnectionPool()
        pool.concurrentHTTP1ConnectionsPerHostSoftLimit = 4096
        let client = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: HTTPClient.Configuration(
                timeout: .init(connect: .seconds(2)), connectionPool: pool))
        var modes: [ModeReport] = []
        do {
            for mode in configuration.modes {
                modes.append(try await runMode(mode, url: url, work: work, client: client))
            }
        } catch {
            try? await client.shutdown()
            _ = try? await brokerScript(["stop", "--state", broker], work: work)
            throw error
        }
        try? await client.shutdown()
        _ = try? await brokerScript(["stop", "--state", broker], work: work)
        return DemoReport(configuration: DemoReport.Settings(configuration), modes: modes)
    }

    // MARK: - One mode

    private func runMode(_ mode: String, url: String, work: String, client: HTTPClient) async throws -> ModeReport {
        let prefix = "demo-\(mode)-\(UUID().uuidString.prefix(6).lowercased())"
        let dir = "\(work)/\(mode)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let consumerPort = try freeTCPPort()
        let producerPort = try freeTCPPort()
        let consumerBase = "http://127.0.0.1:\(consumerPort)"
        let producerBase = "http://127.0.0.1:\(producerPort)"
        let startConsumer: @Sendable () throws -> ChildProcess = {
            try ChildProcess(
                path: "\(configuration.binDirectory)/consumer",
                arguments: [
                    "--amqp-url", url, "--port", "\(consumerPort)", "--data-dir", "\(dir)/consumer", "--prefix", prefix,
                    "--queue-type", configuration.queueType, "--concurrency", "\(configuration.concurrency)",
                    "--heartbeat", "5",
                ], logPath: "\(dir)/consumer.log")
        }
        let consumer = NIOLockedValueBox(try startConsumer())
        let producer = try ChildProcess(
            path: "\(configuration.binDirectory)/producer",
            arguments: [
                "--amqp-url", url, "--port", "\(producerPort)", "--data-dir", "\(dir)/producer", "--prefix", prefix,
                "--queue-type", configuration.queueType, "--mode", mode, "--consumer-url", consumerBase,
                "--sync-timeout", "\(configuration.syncTimeout)", "--name", "demo", "--heartbeat", "5",
            ], logPath: "\(dir)/producer.log")
        defer {
            producer.send(SIGKILL)
            consumer.withLockedValue {
                $0.send(SIGCONT); $0.send(SIGKILL)
            }
        }
        try await waitReady(client, "\(consumerBase)/readyz", what: "consumer", log: "\(dir)/consumer.log")
        try await waitReady(client, "\(producerBase)/readyz", what: "producer", log: "\(dir)/producer.log")
        progress(
            "demo[\(mode)]: producer :\(producerPort) and consumer :\(consumerPort) ready; \(Int(configuration.loadSeconds)) s of load at \(Int(configuration.rate)) req/s"
        )

        let timeout: Duration =
            mode == "sync" ? .milliseconds(Int64(configuration.syncTimeout * 1000) + 5000) : .seconds(10)
        let generator = LoadGenerator(
            client: client, url: "\(producerBase)/v1/events", configuration: configuration, timeout: timeout)
        let samples = NIOLockedValueBox<[DemoSample]>([])
        let markers = NIOLockedValueBox<[DemoMarker]>([])
        let start = ContinuousClock.now
        let connection = try await Connection.connect(try ConnectionConfiguration(url: url))
        let channel = try await connection.openChannel()
        await withDiscardingTaskGroup { group in
            group.addTask { await generator.run(for: configuration.loadSeconds, start: start) }
            group.addTask {
                await injectFaults(
                    consumer: consumer, restart: startConsumer, markers: markers, start: start, mode: mode)
            }
            group.addTask {
                await sample(
                    channel: channel, queue: "\(prefix).events", samples: samples, generator: generator, start: start,
                    mode: mode, until: configuration.loadSeconds + 1, stop: NIOLockedValueBox(false))
            }
        }
        // Keep sampling the backlog while it drains.
        var lost = 0
        let records = generator.records
        if mode == "async" {
            progress("demo[\(mode)]: load done; waiting for every accepted event to reach a final status")
            let ids = records.compactMap(\.id)
            let stop = NIOLockedValueBox(false)
            lost = await withTaskGroup(of: Int.self) { group in
                group.addTask {
                    await sample(
                        channel: channel, queue: "\(prefix).events", samples: samples, generator: nil, start: start,
                        mode: mode, until: configuration.loadSeconds + configuration.settleSeconds, stop: stop)
                    return 0
                }
                group.addTask {
                    let lost = await settle(ids: ids, client: client, base: producerBase)
                    stop.withLockedValue { $0 = true }
                    return lost
                }
                return await group.reduce(0, +)
            }
        }
        await channel.close()
        await connection.close()
        let stats = await consumerStats(client, base: consumerBase)
        producer.send(SIGTERM)
        consumer.withLockedValue { $0.send(SIGTERM) }
        _ = await producer.waitForExit(timeout: .seconds(20))
        _ = await consumer.withLockedValue { $0 }.waitForExit(timeout: .seconds(40))

        let allSamples = samples.withLockedValue { $0 }.sorted { $0.t < $1.t }
        let allMarkers = markers.withLockedValue { $0 }
        let baseline = Swift.max(
            5, 2 * (allSamples.filter { $0.t < configuration.steadySeconds }.map(\.queueDepth).max() ?? 0))
        let restart = allMarkers.first { $0.label == "restart" }?.t
        let resumed = allMarkers.first { $0.label == "SIGCONT" }?.t
        let c = configuration
        let crashStart = c.steadySeconds
        let hangStart = crashStart + c.crashSeconds + c.recoverySeconds
        let afterStart = hangStart + c.hangSeconds + c.recoverySeconds
        let end = c.loadSeconds + c.settleSeconds
        let phases = [
            PhaseSummary.make(
                .before, records: records, samples: allSamples, window: 0...crashStart, recoveredAt: nil,
                baseline: baseline),
            PhaseSummary.make(
                .crash, records: records, samples: allSamples, window: crashStart...hangStart, recoveredAt: restart,
                baseline: baseline),
            PhaseSummary.make(
                .hang, records: records, samples: allSamples, window: hangStart...afterStart, recoveredAt: resumed,
                baseline: baseline),
            PhaseSummary.make(
                .after, records: records, samples: allSamples, window: afterStart...end, recoveredAt: nil,
                baseline: baseline),
        ]
        // The store's counts survive the consumer's restart: effects committed vs distinct events stored.
        let stored = stats["storedEvents"] ?? stats["processed"] ?? 0
        let duplicates = Swift.max(0, (stats["effects"] ?? 0) - stored)
        return ModeReport(
            mode: mode, phases: phases, lost: lost, duplicateEffects: duplicates,
            duplicatesSuppressed: stats["duplicatesSuppressed"] ?? 0, processed: stored,
            markers: allMarkers, timeline: Timeline.points(records: records, samples: allSamples),
            checks: DemoVerdict.checks(
                mode: mode, phases: phases, lost: lost, duplicates: duplicates, latency: configuration.latencyChecks))
    }
}
