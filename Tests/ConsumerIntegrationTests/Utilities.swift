import AMQP
import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// The shared test node (`AMQP_URL`, set by scripts/test).
enum TestBroker {
    static var url: String {
        ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5682/%2F"
    }

    /// A topology prefix no other test (or earlier run) uses.
    static func uniquePrefix(_ name: String) -> String {
        "test.consumer.\(name).\(UUID().uuidString.prefix(8).lowercased())"
    }
}

/// A `consumer` process of the test's own: unique prefix, temporary data directory, free port.
struct TestConsumer: Sendable {
    let prefix: String
    let queueType: QueueType
    let dataDirectory: String
    let port: Int
    let arguments: [String]
    let environment: [String: String?]
    private let child: ChildProcess?

    /// The running process.
    var process: ChildProcess { child! }

    private init(
        prefix: String, queueType: QueueType, dataDirectory: String, port: Int, arguments: [String],
        environment: [String: String?], process: ChildProcess?
    ) {
        self.prefix = prefix
        self.queueType = queueType
        self.dataDirectory = dataDirectory
        self.port = port
        self.arguments = arguments
        self.environment = environment
        self.child = process
    }

    /// The retry delays every test uses, short so the suite stays fast.
    static let retryDelays = "200ms,400ms"

    /// Starts a consumer; `extra` flags come last. Returns once its HTTP side answers (the broker may not be there
    /// yet), trying another port when the one picked was taken in the meantime.
    static func start(
        prefix: String, queueType: QueueType = .classic, dataDirectory: String? = nil, extra: [String] = [],
        environment: [String: String?] = [:], url: String = TestBroker.url
    ) async throws -> TestConsumer {
        let directory =
            dataDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("warren-consumer-\(UUID().uuidString)")
            .path
        let arguments =
            [
                "--amqp-url", url, "--port", "0", "--data-dir", directory, "--prefix", prefix,
                "--queue-type", queueType.rawValue, "--retry-delays", retryDelays, "--log-level", "info",
            ] + extra
        return try await launch(
            TestConsumer(
                prefix: prefix, queueType: queueType, dataDirectory: directory, port: 0, arguments: arguments,
                environment: environment, process: nil))
    }

    /// The same consumer (prefix, data directory, flags, environment) started again on a new port.
    func restarted() async throws -> TestConsumer {
        try await Self.launch(self)
    }

    private static func launch(_ template: TestConsumer) async throws -> TestConsumer {
        var lastLog = ""
        for _ in 0..<3 {
            let port = freePort()
            var arguments = template.arguments
            if let index = arguments.firstIndex(of: "--port") { arguments[index + 1] = "\(port)" }
            let process = try ServiceProcess.start(
                "consumer", arguments: arguments, environment: template.environment)
            ReapConsumers.current?.add(process)
            let consumer = TestConsumer(
                prefix: template.prefix, queueType: template.queueType, dataDirectory: template.dataDirectory,
                port: port, arguments: arguments, environment: template.environment, process: process)
            let up = await eventually(timeout: .seconds(30)) {
                if process.exitCode != nil { return true }
                return (try? await TestHTTP.get("\(consumer.baseURL)/healthz").status) == 200
            }
            if up, process.exitCode == nil { return consumer }
            lastLog = process.log
            await process.stop()
            guard lastLog.contains("Address already in use") else { break }
        }
        Issue.record("the consumer did not start; log:\n\(lastLog)")
        throw BrokerScriptError(message: "the consumer did not start")
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Waits until `/readyz` answers 200; records the log when it never does.
    func waitUntilReady() async throws {
        let ready = await eventually(timeout: .seconds(30)) {
            (try? await TestHTTP.get("\(baseURL)/readyz").status) == 200
        }
        if !ready { Issue.record("consumer never became ready; log:\n\(process.log)") }
        try #require(ready)
    }

    /// `GET /v1/stats` as integers.
    func stats() async throws -> [String: Int] {
        let reply = try await TestHTTP.get("\(baseURL)/v1/stats")
        return reply.json.compactMapValues { $0 as? Int }
    }

    /// Waits until `condition` holds for the stats; returns the last stats seen.
    @discardableResult
    func waitForStats(
        timeout: Duration = .seconds(30), _ condition: @escaping @Sendable ([String: Int]) -> Bool
    ) async throws -> [String: Int] {
        let met = await eventually(timeout: timeout) {
            guard let stats = try? await stats() else { return false }
            return condition(stats)
        }
        let last = try await stats()
        if !met { Issue.record("stats condition not met: \(last); log:\n\(process.log.suffix(4000))") }
        try #require(met)
        return last
    }
}
