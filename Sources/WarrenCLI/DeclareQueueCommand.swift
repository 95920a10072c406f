import AMQP
import ArgumentParser
import Foundation

/// `warren declare-queue`: declares a durable queue, optionally quorum, with a dead-letter exchange and arguments.
struct DeclareQueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "declare-queue", abstract: "Declare a durable queue (idempotent; 406 if it exists differently).")

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "Queue name.") var queue: String
    @Flag(name: .long, help: "Make it a quorum queue (x-queue-type=quorum).") var quorum = false
    @Option(name: .long, help: "Dead-letter exchange (x-dead-letter-exchange).") var deadLetterExchange: String?
    @Option(name: .customLong("arg"), help: "Extra argument KEY=VALUE (integers and true/false are typed).")
    var arguments: [String] = []
    @Option(name: .long, help: "Also bind the queue to this exchange.") var bind: String?
    @Option(name: .long, help: "Routing key for --bind (default: the queue name).") var routingKey: String?

    func run() async throws {
        var table: FieldTable = [:]
        if quorum { table["x-queue-type"] = "quorum" }
        if let deadLetterExchange { table["x-dead-letter-exchange"] = .string(deadLetterExchange) }
        for argument in arguments {
            guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                throw ValidationError("--arg expects KEY=VALUE, got '\(argument)'")
            }
            table[String(argument[..<equals])] = FieldValue(parsing: String(argument[argument.index(after: equals)...]))
        }
        try await Self.reportingErrors {
            let info = try await connection.run { connection in
                let channel = try await connection.openChannel()
                let info = try await channel.declareQueue(queue, arguments: table)
                if let bind {
                    try await channel.bindQueue(queue, exchange: bind, routingKey: routingKey ?? queue)
                }
                return info
            }
            print("queue \(info.name): \(info.messageCount) messages, \(info.consumerCount) consumers")
        }
    }
}
