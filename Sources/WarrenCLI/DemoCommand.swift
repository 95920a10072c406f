import ArgumentParser
import Foundation
import WarrenDemo

/// `warren demo`: the isolation experiment, async against sync, with a report.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Kill and freeze a consumer under load, in async and in sync mode, and report what the producer saw.",
        discussion: """
            Starts its own RabbitMQ node on loopback (scripts/broker), then per mode a consumer and a producer as \
            separate processes on free ports, in a temporary folder. An open-loop load generator sends demo.work \
            events at --rate while the consumer is killed (kill -9, then restarted) and frozen (SIGSTOP, then \
            SIGCONT). It waits until every accepted event is final, prints a table, and writes report.json and \
            report.html to --output. Exits 1 when a check fails: in async mode availability ≥ 99.9 % and p99 within \
            1.5× of the baseline during the faults, 0 events lost, 0 duplicate effects; in sync mode the faults must \
            show failed and blocked requests.
            """)

    @Option(help: "Requests per second.") var rate: Double = 40
    @Option(name: .customLong("steady-seconds"), help: "Seconds of the before and after phases.") var steadySeconds:
        Double = 15
    @Option(name: .customLong("crash-seconds"), help: "Seconds the consumer stays dead.") var crashSeconds: Double = 6
    @Option(name: .customLong("hang-seconds"), help: "Seconds the consumer stays frozen.") var hangSeconds: Double = 6
    @Option(name: .customLong("recovery-seconds"), help: "Seconds of load after each recovery.") var recoverySeconds:
        Double = 6
    @Option(name: .customLong("sleep-ms"), help: "sleep_ms of each demo.work event.") var sleepMilliseconds: Int = 50
    @Option(help: "The consumer's --concurrency.") var concurrency: Int = 16
    @Option(name: .customLong("sync-timeout"), help: "The producer's --sync-timeout in seconds.") var syncTimeout:
        Double = 3
    @Option(help: "Modes to run, comma-separated.") var modes: String = "async,sync"
    @Option(name: .customLong("queue-type"), help: "quorum or classic.") var queueType: String = "quorum"
    @Option(help: "Where report.json and report.html go.") var output: String = "demo-report"
    @Option(name: .customLong("bin-dir"), help: "Where producer and consumer are (default: next to warren).")
    var binDirectory: String?
    @Option(name: .customLong("broker-port"), help: "AMQP port of the demo's own broker.") var brokerPort: Int = 5702
    @Flag(
        name: .customLong("latency-checks"), inversion: .prefixedNo,
        help: "Check the async p99 latency during the faults against the baseline (off for runs on a loaded machine).")
    var latencyChecks = true

    func run() async throws {
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let bin = binDirectory ?? URL(fileURLWithPath: exe).deletingLastPathComponent().path
        guard let root = Self.repositoryRoot() else {
            throw CLIError("run warren demo from the Warren repository (it uses scripts/broker)", code: 64)
        }
        var configuration = DemoConfiguration(binDirectory: bin, repositoryRoot: root)
        configuration.rate = rate
        configuration.steadySeconds = steadySeconds
        configuration.crashSeconds = crashSeconds
        configuration.hangSeconds = hangSeconds
        configuration.recoverySeconds = recoverySeconds
        configuration.sleepMilliseconds = sleepMilliseconds
        configuration.concurrency = concurrency
        configuration.syncTimeout = syncTimeout
        configuration.modes = modes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        configuration.queueType = queueType
        configuration.outputDirectory = output
        configuration.brokerPort = brokerPort
        configuration.latencyChecks = latencyChecks
        let problems = configuration.validate()
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
        for product in ["producer", "consumer"] where !FileManager.default.isExecutableFile(atPath: "\(bin)/\(product)")
        {
            throw CLIError("\(bin)/\(product) is missing: build it first (swift build, or make demo)", code: 64)
        }
        try await Self.reportingErrors {
            let runner = DemoRunner(configuration: configuration) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            let report: DemoReport
            do {
                report = try await runner.run()
            } catch {
                throw CLIError("demo failed: \(error)")
            }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            try report.json().write(to: URL(fileURLWithPath: "\(output)/report.json"))
            try Data(report.html().utf8).write(to: URL(fileURLWithPath: "\(output)/report.html"))
            print(report.table())
            print("\nreport: \(output)/report.json, \(output)/report.html")
            guard report.passed else { throw CLIError("a check failed (see FAIL above)") }
        }
    }

    /// The nearest directory upwards from the current one that holds scripts/broker.
    static func repositoryRoot() -> String? {
        var url = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        for _ in 0..<8 {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("scripts/broker").path) {
                return url.path
            }
            url.deleteLastPathComponent()
        }
        return nil
    }
}
