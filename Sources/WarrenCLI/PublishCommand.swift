import AMQP
import ArgumentParser
import Foundation

/// `warren publish`: publishes stdin (or each line of it) as persistent messages with publisher confirms.
struct PublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish stdin as one message (or one per line with --lines), persistent, with confirms.",
        discussion: "Exits 0 only when the broker confirmed every message; prints a summary on stderr.")

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "Exchange (default: the default exchange).") var exchange = ""
    @Option(name: .long, help: "Routing key (the queue name for the default exchange).") var routingKey: String
    @Option(name: .long, help: "message_id property.") var messageId: String?
    @Option(name: .long, help: "type property.") var type: String?
    @Option(name: .long, help: "content_type property.") var contentType: String?
    @Option(name: .long, help: "correlation_id property.") var correlationId: String?
    @Option(name: .customLong("header"), help: "Header KEY=VALUE (repeatable).") var headers: [String] = []
    @Flag(name: .long, help: "Publish one message per line of stdin.") var lines = false
    @Flag(inversion: .prefixedNo, help: "Fail messages that no queue receives (basic.return).") var mandatory = true
    @Option(name: .long, help: "Most unconfirmed messages in flight.") var window = 1000
    @Option(name: .long, help: "Seconds to wait for each confirm.") var confirmTimeout: Double = 30

    func run() async throws {
        var properties = BasicProperties(
            contentType: contentType, deliveryMode: .persistent, correlationID: correlationId, messageID: messageId,
            timestamp: Date(), type: type)
        if !headers.isEmpty {
            var table: FieldTable = [:]
            for header in headers {
                guard let equals = header.firstIndex(of: "="), equals != header.startIndex else {
                    throw ValidationError("--header expects KEY=VALUE, got '\(header)'")
                }
                table[String(header[..<equals])] = FieldValue(parsing: String(header[header.index(after: equals)...]))
            }
            properties.headers = table
        }
        let input = FileHandle.standardInput.readDataToEndOfFile()
        let bodies: [[UInt8]] =
            lines
            ? input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).map { Array($0) }
            : [Array(input)]
        let start = ContinuousClock.now
        try await Self.reportingErrors {
            let (confirmed, failures) = try await connection.run { connection in
                let channel = try await connection.openChannel(confirms: true, maxInFlight: window)
                var pending: [Confirmation] = []
                pending.reserveCapacity(bodies.count)
                for body in bodies {
                    pending.append(
                        channel.publishWithDeferredConfirm(
                            body, exchange: exchange, routingKey: routingKey, properties: properties,
                            mandatory: mandatory, timeout: .milliseconds(Int(confirmTimeout * 1000))))
                }
                var confirmed = 0
                var failures: [String: Int] = [:]
                for confirmation in pending {
                    do {
                        try await confirmation.wait()
                        confirmed += 1
                    } catch {
                        failures["\(error)", default: 0] += 1
                    }
                }
                return (confirmed, failures)
            }
            let seconds =
                Double((ContinuousClock.now - start).components.attoseconds) / 1e18
                + Double((ContinuousClock.now - start).components.seconds)
            var summary = "published \(bodies.count), confirmed \(confirmed)"
            summary += String(format: " in %.2f s", seconds)
            FileHandle.standardError.write(Data("warren: \(summary)\n".utf8))
            if let (reason, count) = failures.max(by: { $0.value < $1.value }) {
                throw CLIError(
                    "\(bodies.count - confirmed) of \(bodies.count) messages not confirmed: \(reason)"
                        + (count < bodies.count - confirmed ? " (and other errors)" : ""))
            }
        }
    }
}
