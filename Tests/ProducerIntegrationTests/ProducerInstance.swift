import AMQP
import Foundation
import Warren
import WarrenProcess
import WarrenTestSupport

/// The shared test broker (`$AMQP_URL`, set by scripts/test).
let brokerURL = ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5682/%2F"

/// A topology prefix no other test uses.
func uniquePrefix(_ name: String) -> String { "test-\(name)-\(UUID().uuidString.prefix(8).lowercased())" }

/// A real `producer` process on a free port with its own data directory and topology prefix.
struct ProducerInstance: Sendable {
    let process: ChildProcess
    let port: Int
    let prefix: String
    let dataDirectory: String
    var base: String { "http://127.0.0.1:\(port)" }

    /// Starts it and waits until `/healthz` answers (throws with its log if it does not within 30 s).
    static func start(
        amqpURL: String = brokerURL, prefix: String = uniquePrefix("p"), dataDirectory: String? = nil,
        arguments: [String] = [], environment: [String: String?] = [:], waitForBroker: Bool = true
    ) async throws -> ProducerInstance {
        let data =
            dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("producer-\(prefix)").path
        var lastLog = ""
        // A port free a moment ago may be taken by another test's process by the time the producer binds it.
        for _ in 0..<3 {
            let port = freePort()
            let process = try ServiceProcess.start(
                "producer",
                arguments: [
                    "--amqp-url", amqpURL, "--port", "\(port)", "--data-dir", data, "--prefix", prefix,
                    "--queue-type", "classic", "--name", "tests", "--heartbeat", "2",
                ] + arguments, environment: environment)
            let instance = ProducerInstance(process: process, port: port, prefix: prefix, dataDirectory: data)
            let up = await eventually(timeout: .seconds(30)) {
                guard process.exitCode == nil else { return true }
                guard let reply = try? await TestHTTP.get("\(instance.base)/readyz") else { return false }
                return reply.status == 200 && (!waitForBroker || reply.text.contains("connected to"))
            }
            if up, process.exitCode == nil { return instance }
            await process.stop()
            lastLog = process.log
            guard lastLog.contains("Address already in use") else { break }
        }
        throw BrokerScriptError(message: "producer did not start:\n\(lastLog)")
    }

    /// Starts a producer, runs `body`, stops it on every path (SIGTERM, then SIGKILL after 30 s).
    static func with<T>(
        amqpURL: String = brokerURL, prefix: String = uniquePrefix("p"), dataDirectory: String? = nil,
        arguments: [String] = [],
        environment: [String: String?] = [:], waitForBroker: Bool = true, _ body: (ProducerInstance) async throws -> T
    ) async throws -> T {
        let producer = try await start(
            amqpURL: amqpURL, prefix: prefix, dataDirectory: dataDirectory, arguments: arguments,
            environment: environment,
            waitForBroker: waitForBroker)
        do {
            let result = try await body(producer)
            await producer.stop()
            return result
        } catch {
            await producer.stop()
            throw error
        }
    }

    /// POSTs a short-form event; returns the reply.
    func post(_ json: String, query: String = "", headers: [(String, String)] = []) async throws -> TestHTTP.Reply {
        try await TestHTTP.postJSON("\(base)/v1/events\(query)", json, headers: headers)
    }

    /// SIGTERM and wait; the exit code.
    @discardableResult
    func stop() async -> Int32 { await process.stop() }
}

/// Broker-side checks for producer tests.
enum BrokerCheck {
    /// Messages ready in `queue`.
    static func depth(_ queue: String, url: String = brokerURL) async throws -> Int {
        try await Connection.withConnection(try ConnectionConfiguration(url: url)) { connection in
            let channel = try await connection.openChannel()
            return Int(try await channel.declareQueue(queue, passive: true).messageCount)
        }
    }

    /// Takes (acks) messages from `queue` until `count` arrived, or until `timeout`; their event ids, in delivery
    /// order (duplicates included).
    static func drain(
        _ queue: String, count: Int, url: String = brokerURL, timeout: Duration = .seconds(20)
    ) async throws -> [String] {
        try await drain(queue, url: url, timeout: timeout, until: { $0.count >= count })
    }

    /// Takes (acks) messages from `queue` until `done` holds for the ids so far, or until `timeout`.
    static func drain(
        _ queue: String, url: String = brokerURL, timeout: Duration = .seconds(20),
        until done: @escaping @Sendable ([String]) -> Bool
    ) async throws -> [String] {
        try await Connection.withConnection(try ConnectionConfiguration(url: url)) { connection in
            let channel = try await connection.openChannel()
            let consumer = try await channel.consume(queue: queue, prefetch: 500)
            let ids = SharedList()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await delivery in consumer {
                        ids.append(try CloudEvent.decode(delivery.body).id)
                        try delivery.ack()
                        if done(ids.values) { return }
                    }
                }
                group.addTask { try? await Task.sleep(for: timeout) }
                try await group.next()
                group.cancelAll()
            }
            return ids.values
        }
    }

    /// Publishes a status update as the consumer would.
    static func publishStatus(_ update: StatusUpdate, prefix: String, url: String = brokerURL) async throws {
        try await Connection.withConnection(try ConnectionConfiguration(url: url)) { connection in
            let channel = try await connection.openChannel(confirms: true)
            try await channel.publish(
                update.encoded(), exchange: "\(prefix).status", routingKey: update.id, properties: .persistent)
        }
    }
}

/// A list shared between tasks (NSLock). `@unchecked Sendable`: `storage` is only touched with `lock` held.
final class SharedList: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func append(_ value: String) { lock.withLock { storage.append(value) } }
    var values: [String] { lock.withLock { storage } }
}
