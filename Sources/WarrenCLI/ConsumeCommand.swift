import AMQP
import ArgumentParser
import Foundation

/// `warren consume`: prints deliveries as JSON lines and acks each after printing it.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print deliveries from a queue as JSON lines, acking each after it is printed.",
        discussion: "Stops after --count deliveries or --timeout seconds, whichever comes first.")

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "Queue to consume from.") var queue: String
    @Option(name: .long, help: "Stop after this many deliveries.") var count: Int?
    @Option(name: .long, help: "Unacknowledged deliveries the broker may send ahead.") var prefetch: UInt16 = 100
    @Option(name: .long, help: "Stop after this many seconds.") var timeout: Double?
    @Flag(name: .long, help: "Always print the body as base64 (default: UTF-8 text when valid).") var base64 = false

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive") }
        if prefetch == 0 { throw ValidationError("--prefetch must be at least 1") }
    }

    func run() async throws {
        try await Self.reportingErrors {
            let received = try await connection.run { connection in
                let channel = try await connection.openChannel()
                let consumer = try await channel.consume(queue: queue, prefetch: prefetch)
                return try await withThrowingTaskGroup(of: Int?.self) { group in
                    group.addTask {
                        var received = 0
                        for try await delivery in consumer {
                            let line = DeliveryJSON.render(delivery, forceBase64: base64)
                            FileHandle.standardOutput.write(line)
                            try delivery.ack()
                            received += 1
                            if let count, received >= count { break }
                        }
                        return received
                    }
                    if let timeout {
                        group.addTask {
                            try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                            return nil
                        }
                    }
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    try? await consumer.cancel()
                    return first
                }
            }
            if let count, (received ?? 0) < count {
                FileHandle.standardError.write(
                    Data("warren: received \(received ?? 0) of \(count) before the timeout\n".utf8))
            }
        }
    }
}
