import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// The producer against its own broker node, killed and frozen: the outbox keeps every accepted event, in order,
/// and no request waits past its deadline.
@Suite("producer outbox")
struct OutboxTests {
    @Test("broker killed: 202s go to the outbox, a full outbox answers 503, everything is forwarded in order")
    func brokerKilled() async throws {
        try await PrivateBroker.with { broker in
            try await ProducerInstance.with(amqpURL: broker.url, arguments: ["--outbox-limit", "25"]) { producer in
                let queue = "\(producer.prefix).events"
                let before = try await producer.post(#"{"type":"demo.work","data":{"n":0}}"#)
                #expect(before.status == 202)
                kill(try await broker.pid(), SIGKILL)
                var accepted: [String] = [try #require(before.json["id"] as? String)]
                for n in 1...25 {
                    let reply = try await producer.post(#"{"type":"demo.work","data":{"n":\#(n)}}"#)
                    guard reply.status == 202, let id = reply.json["id"] as? String else {
                        Issue.record("event \(n): \(reply.status) \(reply.text)")
                        continue
                    }
                    accepted.append(id)
                }
                let full = try await producer.post(#"{"type":"demo.work","data":{"n":26}}"#)
                #expect(full.status == 503)
                #expect(full.header("Retry-After").flatMap { Int($0) } != nil)
                #expect(full.text.contains("outbox is full"))
                let ready = try await TestHTTP.get("\(producer.base)/readyz")
                #expect(ready.text.contains("outbox 25"), "\(ready.text)")
                try await broker.script(["restart-node"])
                let expected = Set(accepted)
                let drained = try await BrokerCheck.drain(
                    queue, url: broker.url, timeout: .seconds(60), until: { Set($0).isSuperset(of: expected) })
                #expect(drained == accepted)
                let empty = await eventually(timeout: .seconds(10)) {
                    (try? await TestHTTP.get("\(producer.base)/readyz"))?.text.contains("outbox 0") == true
                }
                #expect(empty)
            }
        }
    }

    @Test("broker frozen (SIGSTOP): requests answer within the publish timeout, nothing is lost after SIGCONT")
    func brokerFrozen() async throws {
        try await PrivateBroker.with { broker in
            try await ProducerInstance.with(amqpURL: broker.url, arguments: ["--publish-timeout", "1"]) { producer in
                let queue = "\(producer.prefix).events"
                let pid = try await broker.pid()
                kill(pid, SIGSTOP)
                var accepted: [String] = []
                for n in 0..<5 {
                    // The request itself carries the deadline: a hang past 6 s throws and fails the test.
                    let reply = try await TestHTTP.request(
                        "POST", "\(producer.base)/v1/events", headers: [("Content-Type", "application/json")],
                        body: Array(#"{"type":"demo.work","data":{"n":\#(n)}}"#.utf8), timeout: .seconds(6))
                    #expect(reply.status == 202, "\(reply.text)")
                    if let id = reply.json["id"] as? String { accepted.append(id) }
                }
                let health = try await TestHTTP.request("GET", "\(producer.base)/healthz", timeout: .seconds(2))
                #expect(health.status == 200)
                kill(pid, SIGCONT)
                // An unconfirmed publish may have reached the broker before it froze and again from the outbox:
                // at least once, every accepted event.
                let expected = Set(accepted)
                let drained = try await BrokerCheck.drain(
                    queue, url: broker.url, timeout: .seconds(60), until: { Set($0).isSuperset(of: expected) })
                #expect(Set(drained).isSuperset(of: accepted), "drained \(drained.count) of \(accepted.count)")
            }
        }
    }

    @Test("memory alarm: publishing stops while blocked, 202s come from the outbox, all forwarded after unblock")
    func memoryAlarm() async throws {
        try await PrivateBroker.with { broker in
            try await ProducerInstance.with(amqpURL: broker.url, arguments: ["--publish-timeout", "1"]) { producer in
                _ = try await broker.ctl(["set_vm_memory_high_watermark", "0.0000001"])
                var accepted: [String] = []
                for n in 0..<5 {
                    let reply = try await TestHTTP.request(
                        "POST", "\(producer.base)/v1/events", headers: [("Content-Type", "application/json")],
                        body: Array(#"{"type":"demo.work","data":{"n":\#(n)}}"#.utf8), timeout: .seconds(6))
                    #expect(reply.status == 202, "\(reply.text)")
                    if let id = reply.json["id"] as? String { accepted.append(id) }
                }
                let blocked = await eventually(timeout: .seconds(10)) {
                    (try? await TestHTTP.get("\(producer.base)/readyz"))?.text.contains("blocked") == true
                }
                #expect(blocked)
                _ = try await broker.ctl(["set_vm_memory_high_watermark", "0.4"])
                let expected = Set(accepted)
                let drained = try await BrokerCheck.drain(
                    "\(producer.prefix).events", url: broker.url, timeout: .seconds(60),
                    until: { Set($0).isSuperset(of: expected) })
                #expect(Set(drained).isSuperset(of: expected))
            }
        }
    }
}
