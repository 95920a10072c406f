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
    let process: ChildProcess

    /// The retry delays every test uses, short so the suite stays fast.
    static let retryDelays = "200ms,400ms"

    /// Starts a consumer; `extra` flags come last.
    static func start(
        prefix: String, queueType: QueueType = .classic, dataDirectory: String? = nil, extra: [String] = [],
        environment: [String: String?] = [:]
    ) throws -> TestConsumer {
        let directory =
            dataDirectory
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("warren-consumer-\(UUID().uuidString)")
            .path
        let port = freePort()
        let arguments =
            [
                "--amqp-url", TestBroker.url, "--port", "\(port)", "--data-dir", directory, "--prefix", prefix,
                "--queue-type", queueType.rawValue, "--retry-delays", retryDelays, "--log-level", "info",
            ] + extra
        let process = try ServiceProcess.start("consumer", arguments: arguments, environment: environment)
        return TestConsumer(
            prefix: prefix, queueType: queueType, dataDirectory: directory, port: port, arguments: arguments,
            process: process)
    }

    /// The same consumer (prefix, data directory, flags) started again on a new port.
    func restarted() throws -> TestConsumer {
        var arguments = arguments
        let newPort = freePort()
        if let index = arguments.firstIndex(of: "--port") { arguments[index + 1] = "\(newPort)" }
        let process = try ServiceProcess.start("consumer", arguments: arguments)
        return TestConsumer(
            prefix: prefix, queueType: queueType, dataDirectory: dataDirectory, port: newPort, arguments: arguments,
            process: process)
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
