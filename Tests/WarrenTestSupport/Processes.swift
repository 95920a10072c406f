public import Foundation
import Synchronization
import WarrenProcess

/// Where things are, for tests.
public enum TestPaths {
    /// The repository root (for scripts/broker).
    public static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}

/// The result of a child process.
public struct ProcessResult: Sendable {
    /// Exit code, or 128 + signal number.
    public var status: Int32
    /// Everything written to standard output.
    public var stdout: String
    /// Everything written to standard error.
    public var stderr: String
}

/// Runs a program to completion without blocking a cooperative thread; output goes through temporary files.
/// A ``ChildProcess`` (clean signal mask, so a broker started this way still obeys SIGTERM).
public func runProcess(_ path: String, _ arguments: [String], stdin: Data? = nil) async throws -> ProcessResult {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warren-proc-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let inPath = dir.appendingPathComponent("in").path
    let outPath = dir.appendingPathComponent("out").path
    let errPath = dir.appendingPathComponent("err").path
    _ = FileManager.default.createFile(atPath: inPath, contents: stdin ?? Data())
    let process = try ChildProcess(
        path: path, arguments: arguments, stdin: inPath, stdout: outPath, stderr: errPath)
    var status: Int32?
    while status == nil { status = await process.waitForExit(timeout: .seconds(3600)) }
    return ProcessResult(
        status: status ?? -1, stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
        stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
}

/// A RabbitMQ node of the test's own (for tests that kill, block or reconfigure the broker), started with
/// scripts/broker on ports no other test uses, and always stopped.
public struct PrivateBroker: Sendable {
    private static let nextPort = Atomic<Int>(0)

    /// The node's state directory.
    public let state: String
    /// Its AMQP port.
    public let port: Int
    /// Its AMQP URL.
    public var url: String { "amqp://guest:guest@127.0.0.1:\(port)/%2F" }
    /// Its AMQPS URL (host name `localhost`, which the test certificate names).
    public var tlsURL: String { "amqps://guest:guest@localhost:\(port - 1)/%2F" }
    /// The test CA.
    public var caFile: String { "\(state)/tls/ca.pem" }
    /// A client certificate and key signed by the test CA.
    public var clientCertificate: String { "\(state)/tls/client.pem" }

    /// Starts a node, runs `body`, stops the node on every path.
    public static func with<T>(
        tls: Bool = false, config: [String] = [], _ body: (PrivateBroker) async throws -> T
    ) async throws -> T {
        let base = Int(ProcessInfo.processInfo.environment["WARREN_TEST_PRIVATE_PORT"] ?? "") ?? 5750
        let port = base + 10 * nextPort.add(1, ordering: .relaxed).newValue
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("warren-broker-\(port)").path
        let broker = PrivateBroker(state: state, port: port)
        var arguments = ["start", "--port", "\(port)"]
        if tls { arguments.append("--tls") }
        for line in config { arguments += ["--conf-extra", line] }
        do {
            _ = try await broker.script(arguments)
            let result = try await body(broker)
            _ = try? await broker.script(["stop"])
            return result
        } catch {
            _ = try? await broker.script(["stop"])
            throw error
        }
    }

    /// Runs `scripts/broker COMMAND --state STATE ARGS…`; throws with its stderr on failure.
    @discardableResult
    public func script(_ arguments: [String]) async throws -> String {
        var all = arguments
        all.insert(contentsOf: ["--state", state], at: 1)
        let result = try await runProcess(
            "/bin/bash", [TestPaths.repoRoot.appendingPathComponent("scripts/broker").path] + all)
        guard result.status == 0 else {
            throw BrokerScriptError(message: "scripts/broker \(arguments.first ?? "") failed: \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The node's OS process id.
    public func pid() async throws -> Int32 {
        guard let pid = Int32(try await script(["pid"])) else { throw BrokerScriptError(message: "no pid") }
        return pid
    }

    /// Runs `rabbitmqctl` against the node.
    public func ctl(_ arguments: [String]) async throws -> String {
        try await script(["ctl", "--"] + arguments)
    }
}

/// A helper script or program failed; `message` says which and why.
public struct BrokerScriptError: Error, CustomStringConvertible {
    /// What failed.
    public var message: String
    /// Creates the error.
    public init(message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}

/// A set shared between tasks (NSLock: a pthread mutex, which ThreadSanitizer understands).
/// `@unchecked Sendable`: `storage` is only touched with `lock` held.
public final class SharedSet: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = Set<Int>()
    /// An empty set.
    public init() {}
    /// Adds a value.
    public func insert(_ value: Int) { lock.withLock { _ = storage.insert(value) } }
    /// A snapshot.
    public var values: Set<Int> { lock.withLock { storage } }
    /// How many values.
    public var count: Int { lock.withLock { storage.count } }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
public func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
