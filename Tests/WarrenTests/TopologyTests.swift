import AMQP
import Testing

@testable import Warren

@Suite struct TopologyTests {
    @Test func defaultNames() {
        let topology = Topology()
        #expect(topology.eventsExchange == "warren.events" && topology.eventsQueue == "warren.events")
        #expect(topology.deadExchange == "warren.dead" && topology.deadQueue == "warren.dead")
        #expect(topology.statusExchange == "warren.status")
        #expect(topology.statusQueue(producer: "p1") == "warren.status.p1")
        #expect(
            topology.retryDelays.map(topology.retryQueue(delay:)) == [
                "warren.retry.1s", "warren.retry.5s", "warren.retry.30s",
            ])
        #expect(topology.retryQueue(delay: .milliseconds(1500)) == "warren.retry.1500ms")
    }

    @Test func prefixedNames() {
        let topology = Topology(prefix: "test.x")
        #expect(
            topology.exchanges.map(\.name) == [
                "test.x.events", "test.x.dead", "test.x.status", "test.x.retry.1s", "test.x.retry.5s",
                "test.x.retry.30s",
            ])
        #expect(topology.exchanges.map(\.type) == ["topic", "topic", "topic", "fanout", "fanout", "fanout"])
    }

    @Test func quorumArguments() {
        let topology = Topology()
        #expect(topology.queueType == .quorum && topology.deliveryLimit == 5)
        #expect(
            topology.eventsQueueArguments == [
                "x-queue-type": "quorum", "x-dead-letter-exchange": "warren.dead", "x-delivery-limit": 5,
            ])
        #expect(
            topology.retryQueueArguments(delay: .seconds(5)) == [
                "x-queue-type": "quorum", "x-message-ttl": 5000, "x-dead-letter-exchange": "warren.events",
            ])
        #expect(topology.statusQueueArguments == ["x-queue-type": "quorum"])
    }

    @Test func classicArguments() {
        let topology = Topology(queueType: .classic, deliveryLimit: 9)
        #expect(topology.eventsQueueArguments == ["x-queue-type": "classic", "x-dead-letter-exchange": "warren.dead"])
        #expect(topology.retryQueueArguments(delay: .milliseconds(250))["x-message-ttl"] == 250)
        #expect(topology.queues.allSatisfy { $0.arguments["x-queue-type"] == "classic" })
    }

    @Test func planQueuesAndBindings() {
        let topology = Topology(retryDelays: [.seconds(2)])
        #expect(topology.queues.map(\.name) == ["warren.events", "warren.dead", "warren.retry.2s"])
        #expect(
            topology.bindings == [
                .init(queue: "warren.events", exchange: "warren.events", routingKey: "#"),
                .init(queue: "warren.dead", exchange: "warren.dead", routingKey: "#"),
                .init(queue: "warren.retry.2s", exchange: "warren.retry.2s", routingKey: ""),
            ])
    }

    @Test func validation() {
        #expect(throws: Never.self) { try Topology().validate() }
        #expect(throws: WarrenError.self) { try Topology(prefix: "").validate() }
        #expect(throws: WarrenError.self) { try Topology(prefix: "a b").validate() }
        #expect(throws: WarrenError.self) { try Topology(deliveryLimit: 0).validate() }
        #expect(throws: WarrenError.self) { try Topology(retryDelays: []).validate() }
        #expect(throws: WarrenError.self) { try Topology(retryDelays: [.zero]).validate() }
    }

    @Test func retryPolicyQueuesExistInTheTopology() throws {
        let policy = try RetryPolicy(delays: [.seconds(3), .seconds(10)], prefix: "p")
        let topology = Topology(prefix: "p", retryDelays: policy.retryDelays)
        let names = Set(topology.queues.map(\.name))
        for attempt in 1..<policy.maxAttempts {
            guard case .retry(_, let queue) = policy.decide(attempt: attempt, failure: .retryable(reason: "x")) else {
                Issue.record("attempt \(attempt) should retry")
                continue
            }
            #expect(names.contains(queue))
        }
    }
}
