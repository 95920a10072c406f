import Foundation
import HTTPTypes
import Hummingbird
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// Sync mode: the producer calls the consumer's `POST /v1/process` and waits. A stand-in consumer (same HTTP
/// contract) makes each outcome deterministic; the real consumer is exercised by the demo and kill tests.
@Suite("producer sync mode")
struct SyncModeTests {
    @Test("200 with the consumer's outcome; the status is kept")
    func success() async throws {
        let router = Router()
        router.get("/ping") { _, _ in "pong" }
        router.post("/v1/process") { request, _ -> Response in
            var request = request
            let event = try CloudEvent.decode(try await request.collectBody(upTo: 1 << 20).readableBytesView)
            let update = StatusUpdate(id: event.id, status: .succeeded, attempt: 1, at: Date(), result: .string("ok"))
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: update.encoded())))
        }
        try await FakeServer.with(router) { base in
            try await ProducerInstance.with(arguments: ["--mode", "sync", "--consumer-url", base]) { producer in
                let reply = try await producer.post(#"{"type":"demo.work","data":{}}"#)
                #expect(reply.status == 200, "\(reply.text)")
                #expect(reply.json["status"] as? String == "succeeded")
                #expect(reply.json["result"] as? String == "ok")
                let id = try #require(reply.json["id"] as? String)
                let stored = try await TestHTTP.get("\(producer.base)/v1/events/\(id)")
                #expect(stored.json["status"] as? String == "succeeded")
                // The same producer still answers 202 when a request asks for async.
                let async = try await producer.post(#"{"type":"demo.work"}"#, headers: [("Prefer", "respond-async")])
                #expect(async.status == 202)
            }
        }
    }

    @Test("504 when the consumer does not answer in time")
    func timeout() async throws {
        let router = Router()
        router.get("/ping") { _, _ in "pong" }
        router.post("/v1/process") { _, _ -> HTTPResponse.Status in
            try await Task.sleep(for: .seconds(5))
            return .ok
        }
        try await FakeServer.with(router) { base in
            try await ProducerInstance.with(arguments: [
                "--mode", "sync", "--consumer-url", base, "--sync-timeout", "0.5",
            ]) { producer in
                let reply = try await producer.post(#"{"type":"demo.work"}"#)
                #expect(reply.status == 504, "\(reply.text)")
                #expect(reply.header("Content-Type") == "application/problem+json")
            }
        }
    }

    @Test("503 with Retry-After when nothing listens at the consumer URL; 422 passed through")
    func unreachable() async throws {
        try await ProducerInstance.with(arguments: [
            "--mode", "sync", "--consumer-url", "http://127.0.0.1:\(freePort())",
        ]) {
            producer in
            let reply = try await producer.post(#"{"type":"demo.work"}"#)
            #expect(reply.status == 503, "\(reply.text)")
            #expect(reply.header("Retry-After") != nil)
            #expect(reply.text.contains("unreachable"))
        }
        let router = Router()
        router.get("/ping") { _, _ in "pong" }
        router.post("/v1/process") { _, _ -> Response in
            Response(
                status: .unprocessableContent,
                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"detail":"no handler for type nope"}"#)))
        }
        try await FakeServer.with(router) { base in
            try await ProducerInstance.with(arguments: ["--mode", "sync", "--consumer-url", base]) { producer in
                let reply = try await producer.post(#"{"type":"nope"}"#)
                #expect(reply.status == 422)
                #expect(reply.text.contains("no handler for type nope"))
            }
        }
    }

    /// A stand-in consumer that counts its calls and succeeds with the event's own data as the result.
    private static func countingConsumer(_ received: Received) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/ping") { _, _ in "pong" }
        router.post("/v1/process") { request, _ -> Response in
            var request = request
            let body = Array(buffer: try await request.collectBody(upTo: 1 << 20))
            received.append(Received.Entry(headers: [:], body: body))
            let event = try CloudEvent.decode(body)
            let update = StatusUpdate(id: event.id, status: .succeeded, attempt: 1, at: Date(), result: event.data)
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: update.encoded())))
        }
        return router
    }

    @Test("?mode=sync on an async producer is 403 unless it runs with --allow-sync-override")
    func overrideNeedsTheFlag() async throws {
        let received = Received()
        try await FakeServer.with(Self.countingConsumer(received)) { base in
            try await ProducerInstance.with(arguments: ["--consumer-url", base]) { producer in
                let reply = try await producer.post(#"{"type":"demo.work"}"#, query: "?mode=sync")
                #expect(reply.status == 403, "\(reply.text)")
                #expect(reply.header("Content-Type") == "application/problem+json")
                #expect(reply.text.contains("--allow-sync-override"), "\(reply.text)")
            }
            #expect(received.entries.isEmpty, "the consumer was called")
            try await ProducerInstance.with(arguments: ["--consumer-url", base, "--allow-sync-override"]) { producer in
                let reply = try await producer.post(#"{"type":"demo.work"}"#, query: "?mode=sync")
                #expect(reply.status == 200, "\(reply.text)")
            }
            #expect(received.entries.count == 1)
        }
    }

    @Test("sync mode cannot take over an accepted async event's id, and keeps Idempotency-Key")
    func syncKeepsIdsAndKeys() async throws {
        let received = Received()
        try await FakeServer.with(Self.countingConsumer(received)) { base in
            try await ProducerInstance.with(arguments: ["--consumer-url", base, "--allow-sync-override"]) { producer in
                let accepted = try await producer.post(#"{"id":"order-1","type":"demo.work","data":{"n":1}}"#)
                #expect(accepted.status == 202, "\(accepted.text)")
                let hijack = try await producer.post(
                    #"{"id":"order-1","type":"demo.work","data":{"n":666}}"#, query: "?mode=sync")
                #expect(hijack.status == 409, "\(hijack.text)")
                #expect(received.entries.isEmpty, "the forged event reached the consumer")
                let status = try await TestHTTP.get("\(producer.base)/v1/events/order-1")
                #expect(status.json["status"] as? String == "accepted", "\(status.text)")

                let key = [("Idempotency-Key", "sync-key-1")]
                let first = try await producer.post(
                    #"{"type":"demo.work","data":{"n":2}}"#, query: "?mode=sync", headers: key)
                #expect(first.status == 200, "\(first.text)")
                let again = try await producer.post(
                    #"{"type":"demo.work","data":{"n":2}}"#, query: "?mode=sync", headers: key)
                #expect(again.status == 200, "\(again.text)")
                #expect(again.json["id"] as? String == first.json["id"] as? String)
                #expect(again.header("Idempotent-Replayed") == "true")
                #expect(received.entries.count == 1, "the consumer ran \(received.entries.count) times for one key")
            }
        }
    }

    @Test("sync mode sends the consumer token (its own by default, --consumer-token-file otherwise)")
    func sendsTheConsumerToken() async throws {
        let received = Received()
        let router = Router()
        router.get("/ping") { _, _ in "pong" }
        router.post("/v1/process") { request, _ -> Response in
            var request = request
            let body = Array(buffer: try await request.collectBody(upTo: 1 << 20))
            received.append(
                Received.Entry(headers: ["authorization": request.headers[.authorization] ?? ""], body: body))
            let event = try CloudEvent.decode(body)
            let update = StatusUpdate(id: event.id, status: .succeeded, attempt: 1, at: Date())
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(bytes: update.encoded())))
        }
        let own = "producer-token-0123456789"
        let consumerToken = "consumer-token-0123456789"
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("ctoken-\(UUID().uuidString)")
            .path
        try Data("\(consumerToken)\n".utf8).write(to: URL(fileURLWithPath: tokenFile))
        try await FakeServer.with(router) { base in
            try await ProducerInstance.with(
                arguments: ["--mode", "sync", "--consumer-url", base], environment: ["WARREN_AUTH_TOKEN": own]
            ) { producer in
                let reply = try await producer.post(
                    #"{"type":"demo.work"}"#, headers: [("Authorization", "Bearer \(own)")])
                #expect(reply.status == 200, "\(reply.text)")
            }
            try await ProducerInstance.with(
                arguments: ["--mode", "sync", "--consumer-url", base, "--consumer-token-file", tokenFile]
            ) { producer in
                let reply = try await producer.post(#"{"type":"demo.work"}"#)
                #expect(reply.status == 200, "\(reply.text)")
            }
        }
        #expect(received.entries.map { $0.headers["authorization"] } == ["Bearer \(own)", "Bearer \(consumerToken)"])
    }
}
