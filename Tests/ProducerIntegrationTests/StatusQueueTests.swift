import AMQP
import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// Status queues: one consumer per queue (two producers with one name refuse to share it), `x-expires` so that a
/// producer gone for good leaves nothing behind, and an older version's queue still used.
@Suite("producer status queue")
struct StatusQueueTests {
    @Test(
        "a second producer with the same name and prefix stops at start with an error naming --name",
        arguments: ["classic", "quorum"])
    func sameNameRefused(queueType: String) async throws {
        // Quorum queues accept a second exclusive consumer: only the consumer count catches it there.
        try await ProducerInstance.with(arguments: ["--queue-type", queueType]) { first in
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("producer-twin-\(UUID())").path
            let twin = try ServiceProcess.start(
                "producer",
                arguments: [
                    "--amqp-url", brokerURL, "--port", "\(freePort())", "--data-dir", data, "--prefix", first.prefix,
                    "--queue-type", queueType, "--name", "tests", "--heartbeat", "2",
                ])
            let code = await twin.waitForExit(timeout: .seconds(30))
            if code == nil { _ = await twin.stop() }
            // Before: it ran, and the two producers took turns at each other's status updates.
            #expect(code == 1, "\(twin.log)")
            #expect(twin.log.contains("already consumed by another producer"), "\(twin.log)")
            #expect(twin.log.contains("--name"), "\(twin.log)")
            // The first one still gets every update of its own.
            let reply = try await first.post(#"{"type":"demo.work","data":{}}"#)
            let id = try #require(reply.json["id"] as? String, "\(reply.text)")
            try await BrokerCheck.publishStatus(
                StatusUpdate(id: id, status: .succeeded, attempt: 1, at: Date()), prefix: first.prefix)
            let applied = await eventually {
                (try? await TestHTTP.get("\(first.base)/v1/events/\(id)"))?.json["status"] as? String == "succeeded"
            }
            #expect(applied, "\(first.process.log)")
        }
    }

    @Test("the status queue is deleted by the broker once its producer has been gone for --status-queue-expires")
    func statusQueueExpires() async throws {
        let prefix = uniquePrefix("sqx")
        let queue = "\(prefix).status.tests"
        try await ProducerInstance.with(prefix: prefix, arguments: ["--status-queue-expires", "2"]) { _ in
            let depth = try await BrokerCheck.depth(queue)
            #expect(depth == 0, "the queue exists while the producer runs")
        }
        // Checked once, well after the expiry: a passive declare counts as a use and would restart its clock.
        try await Task.sleep(for: .seconds(6))
        var gone = false
        do {
            _ = try await BrokerCheck.depth(queue)
        } catch {
            gone = "\(error)".contains("404")
        }
        // Before: a durable queue without x-expires, kept (and filling) forever.
        #expect(gone, "\(queue) still exists")
    }

    @Test("a status queue declared without x-expires by an older version is used, with a warning")
    func legacyQueueKept() async throws {
        let prefix = uniquePrefix("sql")
        try await Connection.withConnection(try ConnectionConfiguration(url: brokerURL)) { connection in
            let channel = try await connection.openChannel()
            try await channel.declareQueue("\(prefix).status.tests", durable: true)
        }
        try await ProducerInstance.with(prefix: prefix) { producer in
            #expect(producer.process.log.contains("without x-expires"), "\(producer.process.log)")
            let reply = try await producer.post(#"{"type":"demo.work","data":{}}"#)
            let id = try #require(reply.json["id"] as? String, "\(reply.text)")
            try await BrokerCheck.publishStatus(
                StatusUpdate(id: id, status: .succeeded, attempt: 1, at: Date()), prefix: producer.prefix)
            let applied = await eventually {
                (try? await TestHTTP.get("\(producer.base)/v1/events/\(id)"))?.json["status"] as? String
                    == "succeeded"
            }
            #expect(applied, "\(producer.process.log)")
        }
    }
}
