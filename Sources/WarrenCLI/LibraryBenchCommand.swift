import AMQP
import ArgumentParser
import DequeModule
import Foundation

/// `warren bench library`: Warren's `AMQP` against the in-repo raw C rabbitmq-c loop and, with `--clients`, the
/// Python clients pika and aio-pika: same broker, same run, interleaved.
struct LibraryBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "library",
        abstract: "Publish-with-confirms and consume-with-acks: Warren's AMQP vs raw C, pika, aio-pika, interleaved.",
        discussion: """
            Every scenario runs each client in turn (order alternating per round) against the same broker and \
            reports medians over the rounds: msgs/s, client CPU µs per message and the broker's CPU (cores). \
            Warren's ratio to each peer is taken per round (the two runs of a round are back to back) and the \
            median of those is printed with their range. Build the raw C loop first (make rawc); for pika and aio-pika, \
            scripts/bench makes a virtualenv from Benchmarks/python/requirements.txt. Use a release build of warren.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Messages per run.") var count = 50_000
    @Option(help: "Body size in bytes.") var size = 256
    @Option(help: "Publish windows (unconfirmed in flight), comma-separated.") var windows = "100,1000"
    @Option(help: "Consumer prefetch counts, comma-separated.") var prefetches = "50,500"
    @Option(help: "Ack every K messages (1 = per message; K>1 = multiple), comma-separated.") var ackEvery = "1,50"
    @Option(help: "Queue types, comma-separated (classic, quorum).") var queueTypes = "classic,quorum"
    @Option(help: "Rounds; medians are reported.") var rounds = 3
    @Option(help: "Clients besides Warren, comma-separated: rawc, pika, aio-pika.") var clients = "rawc"
    @Option(help: "Path of the raw C loop binary.") var rawc = "Benchmarks/rawc/rawc"
    @Option(help: "Python with pika and aio-pika installed (scripts/bench makes it).") var python =
        ".venv-bench/bin/python"
    @Option(help: "The Python peers' script.") var peerScript = "Benchmarks/python/peer.py"
    @Option(help: "PID of the broker's beam.smp, to report its CPU (e.g. $(scripts/broker pid)).") var brokerPid: Int32?
    @Option(help: "Also write the results as JSON here.") var json: String?
    @Flag(help: "Run Warren's consumers on the connection's I/O thread (ConnectionExecutor) instead of the pool.")
    var connectionExecutor = false

    func run() async throws {
        let clients = try BenchClient.list(self.clients)
        // Everything first: the raw C loop also fills the queues for the consume scenarios.
        guard FileManager.default.isExecutableFile(atPath: rawc) else {
            throw CLIError("raw C loop not found at \(rawc): build it with `make rawc`", code: 64)
        }
        if clients.contains(.pika) || clients.contains(.aioPika) {
            guard FileManager.default.isExecutableFile(atPath: python) else {
                throw CLIError(
                    "no Python at \(python) for the pika peers: run scripts/bench (it makes .venv-bench)", code: 64)
            }
        }
        let configuration = try connection.configuration()
        let url = connection.url ?? ProcessInfo.processInfo.environment["AMQP_URL"] ?? ""
        let bench = LibraryBenchmark(
            configuration: configuration, url: url, rawcPath: rawc, clients: clients, python: python,
            peerScript: peerScript, count: count, size: size,
            brokerPID: brokerPid, consumeOnConnectionThread: connectionExecutor)
        var scenarios: [LibraryBenchmark.Scenario] = []
        for queueType in list(queueTypes) {
            for window in list(windows).compactMap(Int.init) {
                scenarios.append(.init(operation: .publish(window: window), queueType: queueType))
            }
            for prefetch in list(prefetches).compactMap(Int.init) {
                for every in list(ackEvery).compactMap(Int.init) {
                    scenarios.append(
                        .init(operation: .consume(prefetch: prefetch, ackEvery: every), queueType: queueType))
                }
            }
        }
        try await Self.reportingErrors {
            let results = try await bench.run(scenarios: scenarios, rounds: rounds)
            print(LibraryBenchmark.table(results, clients: clients))
            if let json {
                let data = try JSONSerialization.data(
                    withJSONObject: results.map(\.json), options: [.prettyPrinted, .sortedKeys])
                try data.write(to: URL(fileURLWithPath: json))
                FileHandle.standardError.write(Data("bench: results written to \(json)\n".utf8))
            }
        }
    }

    private func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
