import AMQP
import Foundation
import Synchronization
import Testing
import WarrenTestSupport

/// Tests that kill, restart or block a broker: each runs against a node of its own.
@Suite("Broker faults on a private node", .serialized)
struct BrokerFaultTests {
    @Test func killedAndRestartedBrokerRecoversWithoutLosingConfirmedMessages() async throws {
        try await PrivateBroker.with { broker in
            var configuration = try ConnectionConfiguration(url: broker.url)
            configuration.heartbeat = .seconds(2)
            configuration.recovery.backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1))
            let producer = try await Connection.connect(configuration, logger: TestBroker.logger)
            let consumerConnection = try await Connection.connect(configuration, logger: TestBroker.logger)
            let events = consumerConnection.events()
            let queue = "recovery.events"
            let publishChannel = try await producer.openChannel(confirms: true)
            try await publishChannel.declareQueue(queue)
            let consumeChannel = try await consumerConnection.openChannel(prefetch: 50)
            let consumer = try await consumeChannel.consume(queue: queue)

            let confirmed = SharedSet()
            let received = SharedSet()
            let total = 600
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await delivery in consumer {
                        if let n = Int(String(decoding: delivery.body, as: UTF8.self)) {
                            received.insert(n)
                        }
                        do { try delivery.ack() } catch AMQPError.staleDelivery {}
                        if received.count == total { break }
                    }
                }
                group.addTask {
                    var n = 0
                    while n < total {
                        do {
                            try await publishChannel.publish(
                                Array("\(n)".utf8), routingKey: queue, properties: .persistent, timeout: .seconds(5))
                            confirmed.insert(n)
                            n += 1
                        } catch let error as AMQPError where error.isRetryable {
                            try await Task.sleep(for: .milliseconds(50))  // resend the same message
                        }
                        if n % 20 == 0 { try await Task.sleep(for: .milliseconds(10)) }
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(800))
                    let pid = try await broker.pid()
                    kill(pid, SIGKILL)
                    try await Task.sleep(for: .seconds(1))
                    try await broker.script(["restart-node"])
                }
                try await group.waitForAll()
            }
            let lost = confirmed.values.subtracting(received.values)
            #expect(lost.isEmpty, "confirmed but never consumed: \(lost.sorted().prefix(10))")
            #expect(received.count == total)
            var sawDisconnect = false
            var sawRecovered = false
            for await event in events {
                if case .disconnected = event { sawDisconnect = true }
                if case .recovered = event { sawRecovered = true; break }
            }
            #expect(sawDisconnect && sawRecovered)
            print("recovery: confirmed \(confirmed.count), consumed \(total), lost \(lost.count)")
            await producer.close()
            await consumerConnection.close()
        }
    }

    @Test func memoryAlarmBlocksPublishingAndServerCloseIsRecovered() async throws {
        try await PrivateBroker.with { broker in
            let connection = try await Connection.connect(try ConnectionConfiguration(url: broker.url))
            let events = connection.events()
            let channel = try await connection.openChannel(confirms: true)
            let queue = "blocked.q"
            try await channel.declareQueue(queue)
            let t0 = ContinuousClock.now
            func mark(_ what: String) { print("blocked-test: \(what) at \(ContinuousClock.now - t0)") }
            _ = try await broker.ctl(["set_vm_memory_high_watermark", "0.0000001"])
            mark("alarm set")
            // The broker blocks a publishing connection when it next publishes.
            let first = channel.publishWithDeferredConfirm([1], routingKey: queue, properties: .persistent)
            var iterator = events.makeAsyncIterator()
            let blocked = await iterator.next()
            guard case .blocked = blocked else {
                Issue.record("expected .blocked, got \(String(describing: blocked))")
                return
            }
            mark("blocked")
            #expect(connection.isBlocked)
            let held = channel.publishWithDeferredConfirm([2], routingKey: queue, properties: .persistent)
            try await Task.sleep(for: .milliseconds(300))
            #expect(!held.isSettled, "publishes are held while blocked")
            _ = try await broker.ctl(["set_vm_memory_high_watermark", "0.4"])
            mark("watermark restored")
            #expect(await iterator.next() == .unblocked)
            mark("unblocked")
            try await first.wait()
            mark("first confirmed")
            try await held.wait()
            mark("held confirmed")
            #expect(try await channel.declareQueue(queue, passive: true).messageCount == 2)

            // A server-initiated connection.close keeps its reply code, and the connection recovers.
            _ = try await broker.ctl(["close_all_connections", "maintenance window"])
            let closed = await iterator.next()
            guard case .disconnected(.connectionClosed(let code, let text)) = closed else {
                Issue.record("expected connectionClosed, got \(String(describing: closed))")
                return
            }
            #expect(code == 320 && text.contains("maintenance window"))
            guard case .recovered = await iterator.next() else {
                Issue.record("expected recovery")
                return
            }
            try await channel.publish([3], routingKey: queue, properties: .persistent)
            #expect(try await channel.declareQueue(queue, passive: true).messageCount == 3)
            await connection.close()
            mark("closed")
        }
    }

    @Test func tlsVerifiesTheBrokerAndRefusesAWrongCAOrHostName() async throws {
        try await PrivateBroker.with(tls: true) { broker in
            var good = try ConnectionConfiguration(url: broker.tlsURL)
            good.tls = TLSConfiguration(caFile: broker.caFile)
            try await Connection.withConnection(good) { connection in
                let channel = try await connection.openChannel(confirms: true)
                let queue = try await channel.declareQueue("", exclusive: true)
                try await channel.publish(Array("over tls".utf8), routingKey: queue.name)
            }
            var wrongCA = good
            wrongCA.tls = TLSConfiguration(caFile: broker.clientCertificate)
            await #expect { try await Connection.connect(wrongCA) } throws: { error in
                guard case .tlsFailed(_, let reason) = error as? AMQPError else { return false }
                return !reason.isEmpty
            }
            var noCA = good
            noCA.tls = TLSConfiguration()
            await #expect { try await Connection.connect(noCA) } throws: { error in
                if case .tlsFailed = error as? AMQPError { return true } else { return false }
            }
            // The certificate names localhost; rabbitmq-c 0.11 ignores IP SANs, so 127.0.0.1 fails verification.
            var wrongHost = try ConnectionConfiguration(
                url: broker.tlsURL.replacingOccurrences(of: "localhost", with: "127.0.0.1"))
            wrongHost.tls = TLSConfiguration(caFile: broker.caFile)
            await #expect { try await Connection.connect(wrongHost) } throws: { error in
                if case .tlsFailed = error as? AMQPError { return true } else { return false }
            }
        }
    }

    @Test func secondEndpointIsUsedWhenTheFirstIsDown() async throws {
        var configuration = try ConnectionConfiguration(url: "amqp://127.0.0.1:1," + TestBroker.url)
        configuration.connectTimeout = .seconds(1)
        try await Connection.withConnection(configuration) { connection in
            #expect(connection.endpointDescription?.contains(":1/") == false)
            _ = try await connection.openChannel()
        }
    }
}
