import AMQP
import Foundation
import Testing
import WarrenTestSupport
import Warren

/// Declares Warren's topology on a real broker (`AMQP_URL`, default: scripts/broker's default port).
@Suite struct TopologyTests {
    static var url: String {
        ProcessInfo.processInfo.environment["AMQP_URL"] ?? "amqp://guest:guest@127.0.0.1:5682/%2F"
    }

    @Test(arguments: QueueType.allCases)
    func declaresIdempotentlyAndCleansUp(queueType: QueueType) async throws {
        let prefix = "test.warren.\(UUID().uuidString.prefix(8).lowercased())"
        let topology = Topology(prefix: prefix, queueType: queueType, retryDelays: [.seconds(1), .seconds(5)])
        var configuration = try ConnectionConfiguration(url: Self.url)
        configuration.connectionName = "warren-topology-tests"
        try await Connection.withConnection(configuration) { connection in
            let channel = try await connection.openChannel()
            do {
                try await topology.declare(on: channel)
                try await topology.declare(on: channel)
                let statusQueue = try await topology.declareStatusQueue(named: "producer-1", on: channel)
                try await topology.declareStatusQueue(named: "producer-1", on: channel)
                #expect(statusQueue == "\(prefix).status.producer-1")

                for queue in topology.queues.map(\.name) + [statusQueue] {
                    let info = try await channel.declareQueue(queue, passive: true)
                    #expect(info.name == queue && info.messageCount == 0)
                }
                for exchange in topology.exchanges {
                    try await channel.declareExchange(exchange.name, type: exchange.type, passive: true)
                }
                try await cleanUp(topology, statusQueue: statusQueue, on: channel)
            } catch {
                try? await cleanUp(topology, statusQueue: topology.statusQueue(producer: "producer-1"), on: channel)
                throw error
            }
            await channel.close()
        }
    }

    @Test func declaringAnotherQueueTypeOverAnExistingQueueFails() async throws {
        let prefix = "test.warren.\(UUID().uuidString.prefix(8).lowercased())"
        let quorum = Topology(prefix: prefix, retryDelays: [.seconds(1)])
        var classic = quorum
        classic.queueType = .classic
        let configuration = try ConnectionConfiguration(url: Self.url)
        try await Connection.withConnection(configuration) { connection in
            let channel = try await connection.openChannel()
            try await quorum.declare(on: channel)
            await #expect(throws: AMQPError.self) { try await classic.declare(on: channel) }
            try await cleanUp(quorum, statusQueue: nil, on: channel)
            await channel.close()
        }
    }

    private func cleanUp(_ topology: Topology, statusQueue: String?, on channel: Channel) async throws {
        for queue in topology.queues.map(\.name) + (statusQueue.map { [$0] } ?? []) {
            try await channel.deleteQueue(queue)
        }
        for exchange in topology.exchanges { try await channel.deleteExchange(exchange.name) }
        for queue in topology.queues.map(\.name) {
            await #expect(throws: AMQPError.self) { try await channel.declareQueue(queue, passive: true) }
        }
    }
}
