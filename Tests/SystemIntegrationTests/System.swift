import Foundation
import WarrenProcess
import WarrenTestSupport

/// A producer and a consumer as real processes on the shared test broker, with a fresh topology prefix.
final class System: @unchecked Sendable {
    /// The AMQP port `warren demo` gives its own broker in tests (away from the other private brokers).
    static let demoBrokerPort =
        (Int(ProcessInfo.processInfo.environment["WARREN_TEST_PRIVATE_PORT"] ?? "") ?? 5750) + 190

    let url: String
    let prefix = "test-sys-\(UUID().uuidString.prefix(8).lowercased())"
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("system-\(UUID().uuidString.prefix(8))")
        .path
    let consumerPort = freePort()
    let producerPort = freePort()
    private let lock = NSLock()
    private var current: ChildProcess?
    var producer: ChildProcess?

    var consumerBase: String { "http://127.0.0.1:\(consumerPort)" }
    var producerBase: String { "http://127.0.0.1:\(producerPort)" }
    var consumer: ChildProcess { lock.withLock { current! } }

    init(url: String?) {
        self.url = url ?? ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5682/%2F"
    }

    /// Starts both (on `url`, default the shared test broker), runs `body`, stops both on every path.
    static func with(
        mode: String, url: String? = nil, producerArguments: [String] = [], _ body: (System) async throws -> Void
    ) async throws {
        let system = System(url: url)
        do {
            try await system.restartConsumer()
            try await system.startProducer(mode: mode, arguments: producerArguments)
            try await body(system)
        } catch {
            await system.stop()
            throw error
        }
        await system.stop()
    }

    func restartConsumer() async throws {
        let process = try ServiceProcess.start(
            "consumer",
            arguments: [
                "--amqp-url", url, "--port", "\(consumerPort)", "--data-dir", "\(work)/consumer", "--prefix", prefix,
                "--queue-type", "classic", "--concurrency", "16", "--heartbeat", "2",
            ])
        lock.withLock { current = process }
        try await waitReady("\(consumerBase)/readyz", process)
    }

    func startProducer(mode: String, arguments: [String]) async throws {
        let process = try ServiceProcess.start(
            "producer",
            arguments: [
                "--amqp-url", url, "--port", "\(producerPort)", "--data-dir", "\(work)/producer", "--prefix", prefix,
                "--queue-type", "classic", "--mode", mode, "--consumer-url", consumerBase, "--name", "system",
                "--heartbeat", "2",
            ] + arguments)
        producer = process
        try await waitReady("\(producerBase)/readyz", process)
    }

    private func waitReady(_ url: String, _ process: ChildProcess) async throws {
        let ready = await eventually(timeout: .seconds(30)) {
            (try? await TestHTTP.get(url))?.status == 200 || process.exitCode != nil
        }
        guard ready, process.exitCode == nil else {
            throw BrokerScriptError(message: "service did not become ready:\n\(process.log)")
        }
    }

    /// The status of each id the producer reports now.
    func finalStatuses(of ids: Set<String>) async -> [String: String] {
        var result: [String: String] = [:]
        for id in ids {
            let reply = try? await TestHTTP.get("\(producerBase)/v1/events/\(id)")
            result[id] = reply?.json["status"] as? String ?? "unknown"
        }
        return result
    }

    func stop() async {
        if let producer { await producer.stop() }
        if let consumer = lock.withLock({ current }) { await consumer.stop() }
    }
}
