import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// Every `202` names an event that reaches the queue: the event row and its outbox row are one durable
/// transaction, so neither a crash nor a failed publish can leave an answered event stored nowhere.
@Suite("producer transactional outbox")
struct TransactionalOutboxTests {
    private static func body(_ key: String) -> [UInt8] { Array(#"{"type":"demo.work","data":{"key":"\#(key)"}}"#.utf8) }

    private static func post(_ base: String, key: String, timeout: Duration) async throws -> TestHTTP.Reply {
        try await TestHTTP.request(
            "POST", "\(base)/v1/events",
            headers: [("Content-Type", "application/json"), ("Idempotency-Key", key)], body: body(key),
            timeout: timeout)
    }

    @Test("kill -9 while publishes wait for confirms: every key retried after the restart reaches the queue")
    func killedWhileWaitingForConfirms() async throws {
        try await PrivateBroker.with { broker in
            let prefix = uniquePrefix("txo")
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("producer-\(prefix)").path
            let first = try await ProducerInstance.start(
                amqpURL: broker.url, prefix: prefix, dataDirectory: data, arguments: ["--publish-timeout", "30"])
            let warm = try await Self.post(first.base, key: "warm", timeout: .seconds(10))
            #expect(warm.status == 202, "\(warm.text)")
            let brokerPID = try await broker.pid()
            kill(brokerPID, SIGSTOP)
            let keys = (0..<8).map { "key-\($0)" }
            await withTaskGroup(of: Void.self) { group in
                for key in keys {
                    group.addTask { _ = try? await Self.post(first.base, key: key, timeout: .seconds(20)) }
                }
                // The requests are waiting for confirms the frozen broker will never send.
                try? await Task.sleep(for: .seconds(2))
                first.process.send(SIGKILL)
                _ = await first.process.waitForExit(timeout: .seconds(10))
            }
            // The broker dies too before it reads what was sent: an unconfirmed publish is not in the queue.
            kill(brokerPID, SIGKILL)
            _ = try await broker.script(["restart-node"])
            try await ProducerInstance.with(amqpURL: broker.url, prefix: prefix, dataDirectory: data) { second in
                var accepted: [String] = []
                for key in keys {
                    let reply = try await Self.post(second.base, key: key, timeout: .seconds(20))
                    #expect(reply.status == 202, "\(key): \(reply.status) \(reply.text)")
                    if reply.status == 202, let id = reply.json["id"] as? String { accepted.append(id) }
                }
                let expected = Set(accepted)
                let drained = try await BrokerCheck.drain(
                    "\(prefix).events", url: broker.url, timeout: .seconds(60),
                    until: { Set($0).isSuperset(of: expected) })
                let missing = expected.subtracting(drained)
                #expect(missing.isEmpty, "answered 202 but never reached the queue: \(missing.sorted())")
            }
        }
    }

    @Test("a key replayed while its first request waits, then the first fails: the 202'd event is still there")
    func replayWhileTheFirstRequestWaits() async throws {
        try await PrivateBroker.with { broker in
            try await ProducerInstance.with(
                amqpURL: broker.url, arguments: ["--outbox-limit", "1", "--publish-timeout", "2"]
            ) { producer in
                let queue = "\(producer.prefix).events"
                let brokerPID = try await broker.pid()
                kill(brokerPID, SIGSTOP)
                async let a = Self.post(producer.base, key: "a", timeout: .seconds(10))
                async let b = Self.post(producer.base, key: "b", timeout: .seconds(10))
                try await Task.sleep(for: .milliseconds(500))
                let replayA = try await Self.post(producer.base, key: "a", timeout: .seconds(10))
                let replayB = try await Self.post(producer.base, key: "b", timeout: .seconds(10))
                let replies = [try await a, try await b, replayA, replayB]
                kill(brokerPID, SIGCONT)
                var accepted = Set<String>()
                for reply in replies {
                    #expect(reply.status == 202 || reply.status == 503, "\(reply.status) \(reply.text)")
                    if reply.status == 202, let id = reply.json["id"] as? String { accepted.insert(id) }
                }
                #expect(!accepted.isEmpty)
                let expected = accepted
                for id in expected {
                    let status = try await TestHTTP.get("\(producer.base)/v1/events/\(id)")
                    #expect(status.status == 200, "answered 202, then \(status.status) for \(id)")
                }
                let drained = try await BrokerCheck.drain(
                    queue, url: broker.url, timeout: .seconds(60), until: { Set($0).isSuperset(of: expected) })
                #expect(Set(drained).isSuperset(of: expected), "drained \(drained) of \(expected.sorted())")
            }
        }
    }
}
