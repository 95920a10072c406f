import AMQP
import ArgumentParser
import Foundation
import Warren

/// `warren dead-letters list`: prints dead letters and leaves every one of them in the queue.
struct DeadLettersListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print the dead letters (oldest first) without removing them.",
        discussion: """
            One line each: time, event id (message_id), routing key, attempts, reason; --json prints the full \
            message as a JSON line (like warren consume). Messages are read unacknowledged and returned to the queue.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var options: DeadLetterOptions
    @Option(name: .long, help: "Print at most this many.") var limit = 100
    @Flag(name: .long, help: "Print each message as a JSON line.") var json = false

    func validate() throws {
        if limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let topology = Topology(
            prefix: options.prefix ?? ProcessInfo.processInfo.environment["WARREN_PREFIX"] ?? "warren")
        try await Self.reportingErrors {
            try await connection.run { connection in
                let channel = try await connection.openChannel()
                let reader = DeadLetterReader(channel: channel, topology: topology)
                let (consumer, letters) = try await reader.read(
                    limit: limit, timeout: .milliseconds(Int(options.timeout * 1000)))
                for letter in letters {
                    FileHandle.standardOutput.write(
                        json ? DeliveryJSON.render(letter, forceBase64: false) : line(letter))
                }
                try await reader.release(consumer, letters)
                await channel.close()
            }
        }
    }

    private func line(_ letter: Delivery) -> Data {
        let headers = letter.properties.headers ?? [:]
        let fields = [
            headers["x-warren-dead-lettered-at"]?.stringValue ?? "-",
            letter.properties.messageID ?? "-",
            letter.routingKey,
            "attempts=\(headers["x-warren-attempts"]?.intValue ?? 0)",
            headers["x-warren-reason"]?.stringValue ?? "-",
        ]
        return Data((fields.joined(separator: "  ") + "\n").utf8)
    }
}
