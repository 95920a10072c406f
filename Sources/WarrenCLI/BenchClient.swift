import Foundation

/// A client in `warren bench library`: Warren's `AMQP` (in this process), the raw C rabbitmq-c loop
/// (`Benchmarks/rawc/rawc`) or a Python peer (`Benchmarks/python/peer.py` with pika or aio-pika). Every client but
/// Warren is a child process that prints one JSON line with its rate and its own CPU time.
enum BenchClient: String, CaseIterable, Sendable, Hashable {
    case warren
    case rawc
    case pika
    case aioPika = "aio-pika"

    /// Parses a comma-separated list such as `warren,rawc,pika,aio-pika`; Warren is always included.
    static func list(_ text: String) throws -> [BenchClient] {
        var clients: [BenchClient] = [.warren]
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let client = BenchClient(rawValue: name) else {
                throw CLIError(
                    "unknown client \"\(name)\" (expected \(allCases.map(\.rawValue).joined(separator: ", ")))",
                    code: 64)
            }
            if !clients.contains(client) { clients.append(client) }
        }
        return clients
    }
}
