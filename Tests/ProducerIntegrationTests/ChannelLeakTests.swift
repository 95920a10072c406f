import AMQP
import Foundation
import Testing
import WarrenProcess
import WarrenTestSupport

/// Issue 18, item 13: the producer's retry loops must not leave a channel open per attempt.
@Suite("producer channels")
struct ChannelLeakTests {
    @Test("a topology declare that keeps failing is retried without leaving a channel open per attempt")
    func failingSetUpClosesItsChannels() async throws {
        try await PrivateBroker.with { broker in
            let prefix = uniquePrefix("leak")
            // The events queue exists with other arguments: every declare of the producer fails with 406.
            try await Connection.withConnection(try ConnectionConfiguration(url: broker.url)) { connection in
                let channel = try await connection.openChannel()
                try await channel.declareQueue("\(prefix).events", durable: true, arguments: ["x-max-length": 1])
            }
            let name = "leak-\(UUID().uuidString.prefix(6).lowercased())"
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("producer-\(prefix)").path
            let producer = try ServiceProcess.start(
                "producer",
                arguments: [
                    "--amqp-url", broker.url, "--port", "\(freePort())", "--data-dir", data, "--prefix", prefix,
                    "--queue-type", "classic", "--name", name, "--heartbeat", "2",
                ])
            // Retries wait 1, 2, 3, 4 s: five attempts in about 11 s.
            try await Task.sleep(for: .seconds(12))
            let listing = try await broker.ctl(["list_connections", "client_properties", "channels"])
            await producer.stop()
            let line = listing.split(separator: "\n").first {
                $0.contains("warren-producer \(name)") && !$0.contains("queue depth")
            }
            let channels = line.flatMap { Int($0.split(whereSeparator: \.isWhitespace).last ?? "") }
            #expect(producer.log.contains("cannot declare the topology; retrying"), "\(producer.log.suffix(2000))")
            #expect(channels != nil, "the producer's connection is listed:\n\(listing)")
            #expect((channels ?? 99) <= 1, "one channel at most, not one per attempt:\n\(listing)")
        }
    }
}
