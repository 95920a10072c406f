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

/// A RabbitMQ node (or an N-node cluster, see `PrivateBroker+Cluster.swift`) of the test's own, for tests that
/// kill, block or reconfigure the broker: started with scripts/broker on ports no other test in this process uses,
/// and always stopped.
public struct PrivateBroker: Sendable {
    private static let nextPort = Atomic<Int>(0)

    /// The state directory.
    public let state: String
    /// Node 1's AMQP port (node k listens on `port + k - 1`).
    public let port: Int
    /// How many nodes (1, or a cluster joined to node 1).
    public let nodes: Int
    /// Node 1's AMQP URL.
    public var url: String { "amqp://guest:guest@127.0.0.1:\(port)/%2F" }
    /// Its AMQPS URL (host name `localhost`, which the test certificate names).
    public var tlsURL: String { "amqps://guest:guest@localhost:\(port - 1)/%2F" }
    /// The test CA.
    public var caFile: String { "\(state)/tls/ca.pem" }
    /// A client certificate and key signed by the test CA.
    public var clientCertificate: String { "\(state)/tls/client.pem" }

    /// Reserves `slots` broker slots for a broker started some other way (for example by `warren demo`) and
    /// returns the first one's AMQP port, so its ports (and its epmd's, 1300 below) meet no private broker's.
    public static func reservePort(slots: Int = 1) -> Int {
        let base = Int(ProcessInfo.processInfo.environment["WARREN_TEST_PRIVATE_PORT"] ?? "") ?? 5750
        let slot = nextPort.add(slots, ordering: .relaxed).newValue - slots + 1
        return base + 10 * slot
    }

    /// Starts a node, or a cluster of `nodes` nodes, runs `body`, stops every node on every path.
    ///
    /// The ports come from `$WARREN_TEST_PRIVATE_PORT` (default 5750) plus 10 per broker started by this process; a
    /// cluster takes `nodes` such slots, so its node, distribution and rabbitmqctl ports meet no other broker's.
    public static func with<T>(
        nodes: Int = 1, tls: Bool = false, config: [String] = [], _ body: (PrivateBroker) async throws -> T
    ) async throws -> T {
        let port = reservePort(slots: nodes)
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("warren-broker-\(port)").path
        let broker = PrivateBroker(state: state, port: port, nodes: nodes)
        var arguments = ["start", "--port", "\(port)"]
        if nodes > 1 { arguments += ["--nodes", "\(nodes)"] }
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
        let result = try await scriptResult(arguments)
        guard result.status == 0 else {
            throw BrokerScriptError(message: "scripts/broker \(arguments.first ?? "") failed: \(result.stderr)")
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `scripts/broker COMMAND --state STATE ARGS…`; its status and output, whatever the status.
    public func scriptResult(_ arguments: [String]) async throws -> ProcessResult {
        var all = arguments
        all.insert(contentsOf: ["--state", state], at: 1)
        return try await runProcess(
            "/bin/bash", [TestPaths.repoRoot.appendingPathComponent("scripts/broker").path] + all)
    }

    /// Node 1's OS process id.
    public func pid() async throws -> Int32 {
        try await pid(node: 1)
    }

    /// Runs `rabbitmqctl` against node 1.
    public func ctl(_ arguments: [String]) async throws -> String {
        try await ctl(node: 1, arguments)
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
