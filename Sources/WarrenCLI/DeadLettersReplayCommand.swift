import AMQP
import ArgumentParser
import Foundation
import Warren

/// `warren dead-letters replay`: sends dead letters back to the events exchange as attempt 1.
struct DeadLettersReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Publish dead letters back to <prefix>.events with the attempt reset, then remove them.",
        discussion: """
            Each replayed event is published (persistent, confirmed) with its original routing key and \
            x-warren-attempt 1, and only then acknowledged in the dead-letter queue. Messages that are not valid \
            CloudEvents, and those not selected, stay in the queue.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var options: DeadLetterOptions
    @Option(name: .long, help: "Replay the dead letter of this event id (repeatable).") var id: [String] = []
    @Flag(name: .long, help: "Replay every dead letter that is a valid CloudEvent.") var all = false

    func validate() throws {
        if all == !id.isEmpty { throw ValidationError("give either --id ID (one or more) or --all") }
    }

    func run() async throws {
        let topology = Topology(
            prefix: options.prefix ?? ProcessInfo.processInfo.environment["WARREN_PREFIX"] ?? "warren")
        let wanted = Set(id)
        try await Self.reportingErrors {
            let (replayed, kept, invalid, found) = try await connection.run { connection in
                let channel = try await connection.openChannel(confirms: true)
                let reader = DeadLetterReader(channel: channel, topology: topology)
                let (consumer, letters) = try await reader.read(
                    limit: Int.max, timeout: .milliseconds(Int(options.timeout * 1000)))
                var keep: [Delivery] = []
                var replayed = 0
                var invalid = 0
                var found = Set<String>()
                for letter in letters {
                    guard let event = try? CloudEvent.decode(letter.body) else {
                        invalid += 1
                        keep.append(letter)
                        continue
                    }
                    guard all || wanted.contains(event.id) else {
                        keep.append(letter)
                        continue
                    }
                    found.insert(event.id)
                    var (body, properties) = EventMessage.encode(event, attempt: 1)
                    if let traceparent = letter.properties.headers?[EventMessage.traceparentHeader] {
                        properties.headers?[EventMessage.traceparentHeader] = traceparent
                    }
                    do {
                        try await channel.publish(
                            body, exchange: topology.eventsExchange, routingKey: letter.routingKey,
                            properties: properties, mandatory: true, timeout: .seconds(30))
                        try letter.ack()
                        replayed += 1
                    } catch {
                        keep.append(letter)
                        FileHandle.standardError.write(Data("warren: cannot replay \(event.id): \(error)\n".utf8))
                    }
                }
                try await reader.release(consumer, keep)
                await channel.close()
                return (replayed, keep.count, invalid, found)
            }
            FileHandle.standardError.write(
                Data(
                    "warren: replayed \(replayed), left \(kept) in \(topology.deadQueue) (\(invalid) not valid CloudEvents)\n"
                        .utf8))
            let missing = wanted.subtracting(found)
            if !missing.isEmpty {
                throw CLIError("no dead letter for id \(missing.sorted().joined(separator: ", "))")
            }
        }
    }
}
