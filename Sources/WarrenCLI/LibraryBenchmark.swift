import AMQP
import DequeModule
import Foundation

/// Runs the library scenarios for Warren (in this process) and for its peers (child processes): the raw C loop,
/// pika and aio-pika.
struct LibraryBenchmark: Sendable {
    struct Scenario: Sendable {
        enum Operation: Sendable {
            case publish(window: Int)
            case consume(prefetch: Int, ackEvery: Int)
        }

        var operation: Operation
        var queueType: String

        var name: String {
            switch operation {
            case .publish(let window): "publish \(queueType) window \(window)"
            case .consume(let prefetch, let every): "consume \(queueType) prefetch \(prefetch) ack-every \(every)"
            }
        }
    }

    var configuration: ConnectionConfiguration
    var url: String
    var rawcPath: String
    /// The clients to run; Warren first. Python peers run as `python peer.py --client NAME`.
    var clients: [BenchClient] = [.warren, .rawc]
    var python = ".venv-bench/bin/python"
    var peerScript = "Benchmarks/python/peer.py"
    var count: Int
    var size: Int
    var brokerPID: Int32?
    /// Iterate Warren's consumer under `withTaskExecutorPreference(connection.executor)`.
    var consumeOnConnectionThread = false

    func run(scenarios: [Scenario], rounds: Int) async throws -> [Result] {
        var samples: [String: [BenchClient: [Sample]]] = [:]
        try await Connection.withConnection(configuration) { admin in
            let channel = try await admin.openChannel()
            for round in 0..<rounds {
                for (index, scenario) in scenarios.enumerated() {
                    let queue = "warren.bench.\(scenario.queueType)"
                    // Interleaved: the order rotates per round and per scenario.
                    let shift = (round + index) % clients.count
                    for client in clients[shift...] + clients[..<shift] {
                        try await prepare(queue: queue, type: scenario.queueType, for: scenario, channel: channel)
                        let sample = try await measure {
                            client == .warren
                                ? try await runWarren(scenario, queue: queue)
                                : try runPeer(client, scenario, queue: queue)
                        }
                        samples[scenario.name, default: [:]][client, default: []].append(sample)
                        log(
                            "round \(round + 1)/\(rounds) \(scenario.name) \(client.rawValue): "
                                + String(
                                    format: "%.0f msg/s, %.2f µs/msg", sample.messagesPerSecond,
                                    sample.cpuMicrosPerMessage))
                    }
                }
            }
            for type in Set(scenarios.map(\.queueType)) {
                try await channel.deleteQueue("warren.bench.\(type)")
            }
        }
        return scenarios.map { scenario in
            Result(scenario: scenario.name, rounds: samples[scenario.name] ?? [:])
        }
    }

    /// Declares the queue fresh; for consume scenarios fills it with `count` messages first (raw C, window 1000).
    private func prepare(queue: String, type: String, for scenario: Scenario, channel: Channel) async throws {
        _ = try? await channel.deleteQueue(queue)
        try await channel.declareQueue(queue, arguments: type == "quorum" ? ["x-queue-type": "quorum"] : [:])
        if case .consume = scenario.operation {
            _ = try runProcess(
                rawcPath,
                [
                    "publish", "--url", url, "--queue", queue, "--count", "\(count)", "--size", "\(size)", "--window",
                    "1000",
                ])
        }
    }

    /// Wraps a run with the broker's CPU reading.
    private func measure(_ body: () async throws -> Sample) async throws -> Sample {
        let brokerBefore = brokerPID.flatMap(Self.processCPUSeconds)
        let start = ContinuousClock.now
        var sample = try await body()
        if let brokerBefore, let pid = brokerPID, let after = Self.processCPUSeconds(pid) {
            sample.brokerCores = (after - brokerBefore) / Self.seconds(ContinuousClock.now - start)
        }
        return sample
    }

    private func runWarren(_ scenario: Scenario, queue: String) async throws -> Sample {
        let body = [UInt8](repeating: 0x61, count: size)
        return try await Connection.withConnection(configuration) { connection in
            switch scenario.operation {
            case .publish(let window):
                let channel = try await connection.openChannel(confirms: true, maxInFlight: window)
                let properties = BasicProperties.persistent
                let (cpu0, t0) = (Self.ownCPUSeconds(), ContinuousClock.now)
                var pending = Deque<Confirmation>()
                for _ in 0..<count {
                    if pending.count >= window { try await pending.removeFirst().wait() }
                    pending.append(channel.publishWithDeferredConfirm(body, routingKey: queue, properties: properties))
                }
                while let next = pending.popFirst() { try await next.wait() }
                return sample(cpu0: cpu0, t0: t0)
            case .consume(let prefetch, let every):
                let channel = try await connection.openChannel(prefetch: UInt16(prefetch))
                let (cpu0, t0) = (Self.ownCPUSeconds(), ContinuousClock.now)
                let consumer = try await channel.consume(queue: queue)
                let count = self.count
                if consumeOnConnectionThread {
                    try await withTaskExecutorPreference(connection.executor) {
                        try await Self.drain(consumer, count: count, ackEvery: every)
                    }
                } else {
                    try await Self.drain(consumer, count: count, ackEvery: every)
                }
                let result = sample(cpu0: cpu0, t0: t0)
                try? await consumer.cancel()
                return result
            }
        }
    }

    /// Receives `count` deliveries, acking each or every `ackEvery` with `multiple`.
    private static func drain(_ consumer: Consumer, count: Int, ackEvery every: Int) async throws {
        var received = 0
        var last: Delivery?
        for try await delivery in consumer {
            received += 1
            if every <= 1 {
                try delivery.ack()
            } else if received % every == 0 {
                try delivery.ack(multiple: true)
            } else {
                last = delivery
            }
            if received >= count { break }
        }
        if received % max(every, 1) != 0 { try last?.ack(multiple: true) }
    }

    private func sample(cpu0: Double, t0: ContinuousClock.Instant) -> Sample {
        let wall = Self.seconds(ContinuousClock.now - t0)
        let cpu = Self.ownCPUSeconds() - cpu0
        return Sample(messagesPerSecond: Double(count) / wall, cpuMicrosPerMessage: cpu * 1e6 / Double(count))
    }

    /// The heartbeat Warren's connections negotiate, in whole seconds; the raw C loop negotiates the same, so
    /// both do the same timer bookkeeping per frame.
    private var heartbeatSeconds: Int {
        let heartbeat = configuration.endpoints.first?.heartbeat ?? configuration.heartbeat
        return Int(heartbeat.components.seconds)
    }

    /// Runs a child-process client (the raw C loop or a Python peer) and reads its one JSON line.
    private func runPeer(_ client: BenchClient, _ scenario: Scenario, queue: String) throws -> Sample {
        var arguments: [String]
        switch scenario.operation {
        case .publish(let window):
            arguments = ["publish", "--queue", queue, "--size", "\(size)", "--window", "\(window)"]
        case .consume(let prefetch, let every):
            arguments = ["consume", "--queue", queue, "--prefetch", "\(prefetch)", "--ack-every", "\(every)"]
        }
        arguments += ["--url", url, "--count", "\(count)"]
        let output =
            client == .rawc
            ? try runProcess(rawcPath, arguments + ["--heartbeat", "\(heartbeatSeconds)"])
            : try runProcess(python, [peerScript, "--client", client.rawValue] + arguments)
        guard let line = output.split(separator: "\n").last,
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let rate = object["msgsPerSec"] as? Double, let cpu = object["cpuMicrosPerMsg"] as? Double
        else { throw CLIError("unexpected output from \(client.rawValue): \(output.prefix(300))") }
        return Sample(messagesPerSecond: rate, cpuMicrosPerMessage: cpu)
    }

    private func runProcess(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError(
                "\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.first ?? "") failed: exit "
                    + "\(process.terminationStatus) (its message is above)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    private func log(_ message: String) {
        FileHandle.standardError.write(Data("bench: \(message)\n".utf8))
    }

    static func ownCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// utime + stime of another process from /proc, in seconds.
    static func processCPUSeconds(_ pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
