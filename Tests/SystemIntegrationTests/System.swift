import AMQP
import Foundation
import WarrenProcess
import WarrenTestSupport

/// A producer and a consumer as real processes on the shared test broker (or any broker or cluster: a URL list is
/// tried in turn), with a fresh topology prefix.
final class System: @unchecked Sendable {
    /// The AMQP port `warren demo` gives its own broker in tests: a private-broker slot of its own (a fixed offset
    /// met the 20th private broker once the suite had that many, and the two epmds collided).
    static let demoBrokerPort = PrivateBroker.reservePort()

    /// The consumers' broker URL (or comma-separated list).
    let url: String
    /// The producer's broker URL (or list); `url` unless given.
    let producerURL: String
    /// `classic` (the default here: one node) or `quorum` (Warren's own default, for clusters).
    let queueType: String
    let prefix: String
    let work = FileManager.default.temporaryDirectory.appendingPathComponent("system-\(UUID().uuidString.prefix(8))")
        .path
    let consumerPorts = [freePort(), freePort()]
    let producerPort = freePort()
    private let lock = NSLock()
    private var consumers: [Int: ChildProcess] = [:]
    var producer: ChildProcess?
    /// Extra arguments every consumer start gets.
    var consumerArguments: [String] = []

    var consumerPort: Int { consumerPorts[0] }
    var consumerBase: String { "http://127.0.0.1:\(consumerPorts[0])" }
    var producerBase: String { "http://127.0.0.1:\(producerPort)" }
    /// The first consumer.
    var consumer: ChildProcess { consumer(0) }
    /// Consumer `index` (0 or 1; all share one store, as replicas sharing a volume do).
    func consumer(_ index: Int) -> ChildProcess { lock.withLock { consumers[index]! } }
    func consumerBase(_ index: Int) -> String { "http://127.0.0.1:\(consumerPorts[index])" }

    /// A system whose names start with `test-<label>-` and a random suffix.
    init(url: String?, producerURL: String? = nil, queueType: String = "classic", label: String = "sys") {
        self.url = url ?? ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5682/%2F"
        self.producerURL = producerURL ?? self.url
        self.queueType = queueType
        self.prefix = "test-\(label)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Starts both (on `url`, default the shared test broker; the producer on `producerURL` if given), runs
    /// `body`, stops both on every path. The consumer starts first, so it declares the queues.
    static func with(
        mode: String, url: String? = nil, producerURL: String? = nil, queueType: String = "classic",
        label: String = "sys", producerArguments: [String] = [], consumerArguments: [String] = [],
        _ body: (System) async throws -> Void
    ) async throws {
        let system = System(url: url, producerURL: producerURL, queueType: queueType, label: label)
        system.consumerArguments = consumerArguments
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

    /// Starts (or starts again) consumer `index`; waits until it consumes.
    func restartConsumer(_ index: Int = 0) async throws {
        let process = try ServiceProcess.start(
            "consumer",
            arguments: [
                "--amqp-url", url, "--port", "\(consumerPorts[index])", "--data-dir", "\(work)/consumer", "--prefix",
                prefix, "--queue-type", queueType, "--concurrency", "16", "--heartbeat", "2",
            ] + consumerArguments)
        lock.withLock { consumers[index] = process }
        try await waitReady("\(consumerBase(index))/readyz", process)
    }

    func startProducer(mode: String, arguments: [String]) async throws {
        let process = try ServiceProcess.start(
            "producer",
            arguments: [
                "--amqp-url", producerURL, "--port", "\(producerPort)", "--data-dir", "\(work)/producer", "--prefix",
                prefix, "--queue-type", queueType, "--mode", mode, "--consumer-url", consumerBase, "--name", "system",
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

    /// POSTs one demo.work event; the reply (a 5 s deadline: the producer must answer well within it).
    func post(sleepMilliseconds: Int = 20, headers: [(String, String)] = []) async throws -> TestHTTP.Reply {
        try await TestHTTP.request(
            "POST", "\(producerBase)/v1/events", headers: [("Content-Type", "application/json")] + headers,
            body: Array(#"{"type":"demo.work","data":{"sleep_ms":\#(sleepMilliseconds)}}"#.utf8), timeout: .seconds(5))
    }

    /// Posts one event: on `202` adds its id to `ids`, on any other answer or an error adds "`label`: what" to
    /// `failures`. Whether the producer answered at all.
    @discardableResult
    func post(label: String, ids: SharedStrings, failures: SharedStrings, sleepMilliseconds: Int = 20) async -> Bool {
        do {
            let reply = try await post(sleepMilliseconds: sleepMilliseconds)
            if reply.status == 202, let id = reply.json["id"] as? String {
                ids.append(id)
            } else {
                failures.append("\(label): \(reply.status) \(reply.text.prefix(200))")
            }
            return true
        } catch {
            failures.append("\(label): \(error)")
            return false
        }
    }

    /// Messages left in the events queue.
    func queueDepth() async throws -> Int {
        try await Connection.withConnection(try ConnectionConfiguration(url: url)) { connection in
            let channel = try await connection.openChannel()
            return Int(try await channel.declareQueue("\(prefix).events", passive: true).messageCount)
        }
    }

    /// The store's counts and this consumer's counters, from `/v1/stats` of consumer `index`.
    func stats(_ index: Int = 0) async throws -> [String: Int] {
        let json = try await TestHTTP.get("\(consumerBase(index))/v1/stats").json
        return json.compactMapValues { $0 as? Int }
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
        for consumer in lock.withLock({ Array(consumers.values) }) { await consumer.stop() }
    }
}
