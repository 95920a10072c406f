import AMQP
import Foundation
import Testing
import Warren
import WarrenService
import WarrenProcess
import WarrenTestSupport

@testable import Producer

/// The HTTP contract of `POST /v1/events` and friends, against a real producer and broker.
@Suite("producer API")
struct APITests {
    @Test("202 with id, Location, Retry-After, and the event in the queue")
    func accepted() async throws {
        try await ProducerInstance.with { producer in
            let reply = try await producer.post(#"{"type":"demo.work","data":{"sleep_ms":5}}"#)
            #expect(reply.status == 202)
            let id = try #require(reply.json["id"] as? String)
            #expect(reply.json["status"] as? String == "accepted")
            #expect(reply.json["statusUrl"] as? String == "/v1/events/\(id)")
            #expect(reply.header("Location") == "/v1/events/\(id)")
            let retryAfter = try #require(reply.header("Retry-After").flatMap { Int($0) })
            #expect((1...60).contains(retryAfter))
            #expect(try await BrokerCheck.drain("\(producer.prefix).events", count: 1) == [id])
            let status = try await TestHTTP.get("\(producer.base)/v1/events/\(id)")
            #expect(status.status == 200)
            #expect(status.json["status"] as? String == "accepted")
            #expect(status.json["type"] as? String == "demo.work")
        }
    }

    @Test("a structured CloudEvent keeps its id, source and traceparent header")
    func structured() async throws {
        try await ProducerInstance.with { producer in
            let trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
            let reply = try await producer.post(
                #"{"specversion":"1.0","id":"evt-1","source":"/tests","type":"demo.work","data":{}}"#,
                headers: [("Content-Type", "application/cloudevents+json"), ("traceparent", trace)])
            #expect(reply.status == 202)
            #expect(reply.json["id"] as? String == "evt-1")
            let message = try await Connection.withConnection(try ConnectionConfiguration(url: brokerURL)) {
                connection in
                let channel = try await connection.openChannel()
                let consumer = try await channel.consume(queue: "\(producer.prefix).events", prefetch: 1)
                for try await delivery in consumer {
                    try delivery.ack()
                    return delivery
                }
                throw BrokerScriptError(message: "no message")
            }
            let event = try CloudEvent.decode(message.body)
            #expect(event.source == "/tests")
            #expect(message.properties.headers?["traceparent"]?.stringValue == trace)
            #expect(message.properties.messageID == "evt-1")
            #expect(message.properties.deliveryMode == .persistent)
        }
    }

    @Test("every error is problem+json with the right status")
    func errors() async throws {
        try await ProducerInstance.with(arguments: ["--body-limit", "4096"]) { producer in
            let base = producer.base
            func check(_ reply: TestHTTP.Reply, _ status: Int, _ fragment: String) {
                #expect(reply.status == status, "\(reply.text)")
                #expect(reply.header("Content-Type") == "application/problem+json")
                #expect(reply.json["status"] as? Int == status)
                #expect((reply.json["detail"] as? String ?? "").contains(fragment), "\(reply.text)")
            }
            check(try await producer.post("{not json"), 400, "malformed JSON")
            check(try await producer.post(#"{"data":{}}"#), 422, "type")
            check(try await producer.post(#"[1,2]"#), 422, "JSON object")
            check(try await producer.post(#"{"type":"a","specversion":"0.3"}"#), 422, "specversion")
            check(
                try await TestHTTP.request(
                    "POST", "\(base)/v1/events", headers: [("Content-Type", "text/plain")], body: Array("{}".utf8)),
                415,
                "Content-Type")
            check(try await TestHTTP.request("POST", "\(base)/v1/events", body: Array("{}".utf8)), 415, "Content-Type")
            let big = #"{"type":"a","data":""# + String(repeating: "x", count: 5000) + #""}"#
            check(try await producer.post(big), 413, "4096 byte limit")
            check(try await TestHTTP.get("\(base)/v2/nothing"), 404, "no route")
            check(try await TestHTTP.get("\(base)/v1/events/no-such-id"), 404, "no event")
            check(try await TestHTTP.get("\(base)/v1/events/no-such-id/stream"), 404, "no event")
            let wrongMethod = try await TestHTTP.request("DELETE", "\(base)/v1/events")
            check(wrongMethod, 405, "not allowed")
            #expect(wrongMethod.header("Allow") == "POST")
            check(try await producer.post(#"{"type":"a"}"#, query: "?mode=fast"), 400, "mode")
            check(try await producer.post(#"{"type":"a"}"#, query: "?callback_url=ftp://x"), 422, "callback_url")
            check(
                try await producer.post(#"{"type":"a"}"#, headers: [("Idempotency-Key", "has space")]), 400,
                "Idempotency-Key")
            let bytes: [UInt8] = [0x7b, 0x22, 0x74, 0xff, 0xfe, 0x22, 0x7d]
            check(
                try await TestHTTP.request(
                    "POST", "\(base)/v1/events", headers: [("Content-Type", "application/json")], body: bytes), 400,
                "UTF-8")
            // Still healthy after all of that.
            #expect(try await TestHTTP.get("\(base)/healthz").status == 200)
        }
    }

    @Test("the same Idempotency-Key returns the same id and publishes once")
    func idempotency() async throws {
        try await ProducerInstance.with { producer in
            let first = try await producer.post(
                #"{"type":"demo.work","data":{"n":1}}"#, headers: [("Idempotency-Key", "order-42")])
            let second = try await producer.post(
                #"{"type":"demo.work","data":{"n":2}}"#, headers: [("Idempotency-Key", "order-42")])
            #expect(first.status == 202)
            #expect(second.status == 202)
            let id = try #require(first.json["id"] as? String)
            #expect(second.json["id"] as? String == id)
            #expect(second.header("Idempotent-Replayed") == "true")
            let other = try await producer.post(#"{"type":"demo.work"}"#, headers: [("Idempotency-Key", "order-43")])
            #expect(other.json["id"] as? String != id)
            let ids = try await BrokerCheck.drain("\(producer.prefix).events", count: 3, timeout: .seconds(3))
            #expect(ids.count == 2)
            #expect(ids.filter { $0 == id }.count == 1)
        }
    }

    @Test("status updates from the consumer reach GET and the SSE stream, which resumes after Last-Event-ID")
    func statusAndStream() async throws {
        try await ProducerInstance.with { producer in
            let reply = try await producer.post(#"{"type":"demo.work"}"#)
            let id = try #require(reply.json["id"] as? String)
            let now = Date()
            for (offset, status) in [EventStatus.processing, .retrying].enumerated() {
                try await BrokerCheck.publishStatus(
                    StatusUpdate(id: id, status: status, attempt: 1, at: now + Double(offset), error: "flaky"),
                    prefix: producer.prefix)
            }
            let processing = await eventually {
                (try? await TestHTTP.get("\(producer.base)/v1/events/\(id)"))?.json["status"] as? String == "retrying"
            }
            #expect(processing)
            try await BrokerCheck.publishStatus(
                StatusUpdate(id: id, status: .succeeded, attempt: 2, at: now + 3, result: .object(["ok": .bool(true)])),
                prefix: producer.prefix)
            // A stale update after the final one changes nothing.
            try await BrokerCheck.publishStatus(
                StatusUpdate(id: id, status: .processing, attempt: 2, at: now + 4), prefix: producer.prefix)
            let done = await eventually {
                (try? await TestHTTP.get("\(producer.base)/v1/events/\(id)"))?.json["status"] as? String == "succeeded"
            }
            #expect(done)
            let final = try await TestHTTP.get("\(producer.base)/v1/events/\(id)")
            #expect((final.json["result"] as? [String: Any])?["ok"] as? Bool == true)
            #expect(final.json["attempt"] as? Int == 2)

            let stream = try await TestHTTP.get("\(producer.base)/v1/events/\(id)/stream")
            #expect(stream.header("Content-Type") == "text/event-stream")
            let events = SSE.parse(stream.text)
            #expect(events.map(\.status) == ["accepted", "processing", "retrying", "succeeded"])
            let resumed = try await TestHTTP.get(
                "\(producer.base)/v1/events/\(id)/stream", headers: [("Last-Event-ID", events[1].id)])
            #expect(SSE.parse(resumed.text).map(\.status) == ["retrying", "succeeded"])
        }
    }

    @Test("an open SSE stream receives live changes and ends at the final status")
    func liveStream() async throws {
        try await ProducerInstance.with { producer in
            let id = try #require(try await producer.post(#"{"type":"demo.work"}"#).json["id"] as? String)
            async let streamed = TestHTTP.get("\(producer.base)/v1/events/\(id)/stream")
            try await Task.sleep(for: .milliseconds(500))
            try await BrokerCheck.publishStatus(
                StatusUpdate(id: id, status: .processing, attempt: 1, at: Date()), prefix: producer.prefix)
            try await BrokerCheck.publishStatus(
                StatusUpdate(id: id, status: .deadLettered, attempt: 1, at: Date(), error: "no"),
                prefix: producer.prefix)
            let events = SSE.parse(try await streamed.text)
            #expect(events.map(\.status) == ["accepted", "processing", "dead-lettered"])
        }
    }

    @Test("bearer authentication guards /v1 when a token is configured")
    func authentication() async throws {
        let tokenFile = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)").path
        try "s3cret-token-of-enough-length\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        try await ProducerInstance.with(arguments: ["--auth-token-file", tokenFile, "--log-level", "trace"]) {
            producer in
            let anonymous = try await producer.post(#"{"type":"a"}"#)
            #expect(anonymous.status == 401)
            #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
            #expect(!anonymous.text.contains("s3cret"))
            let wrong = try await producer.post(#"{"type":"a"}"#, headers: [("Authorization", "Bearer wrong")])
            #expect(wrong.status == 401)
            let right = try await producer.post(
                #"{"type":"a"}"#, headers: [("Authorization", "Bearer s3cret-token-of-enough-length")])
            #expect(right.status == 202)
            #expect(try await TestHTTP.get("\(producer.base)/healthz").status == 200)
            #expect(!producer.process.log.contains("s3cret"))
        }
    }

    @Test("the OpenAPI document is served, equals docs/openapi.yaml, and lists exactly the routes served")
    func openAPI() async throws {
        let file = try String(
            contentsOf: TestPaths.repoRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        try await ProducerInstance.with { producer in
            let served = try await TestHTTP.get("\(producer.base)/openapi.yaml")
            #expect(served.status == 200)
            #expect(served.text == file, "run scripts/gen-openapi after editing docs/openapi.yaml")
        }
        let documented = OpenAPIPaths.operations(in: file)
        let routes = Set(ProducerRoutes.table.routes.map { "\($0.method) \($0.path)" })
        #expect(documented == routes)
    }

    @Test("invalid configuration exits with code 2 and one line; --help exits 0")
    func configuration() async throws {
        let cases: [[String]] = [
            ["--mode", "fast"], ["--port", "70000"], ["--amqp-url", "http://nope"], ["--queue-type", "lazy"],
            ["--body-limit", "1"], ["--no-such-flag"], ["--publish-timeout", "-1"],
            ["--auth-token-file", "/nonexistent"],
            ["--consumer-url", "ftp://x"],
        ]
        for arguments in cases {
            let result = try await runProcess("\(ServiceProcess.binDirectory)/producer", arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("producer: "), "\(arguments): \(result.stderr)")
        }
        let help = try await runProcess("\(ServiceProcess.binDirectory)/producer", ["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--amqp-url"))
        #expect(help.stdout.contains("WARREN_MODE"))
    }
}

/// Parses a text/event-stream body into (id, status) pairs.
enum SSE {
    struct Message {
        var id: String
        var status: String
    }

    static func parse(_ text: String) -> [Message] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var id: String?
            var status: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
                if line.hasPrefix("data: "),
                    let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any]
                {
                    status = object["status"] as? String
                }
            }
            guard let id, let status else { return nil }
            return Message(id: id, status: status)
        }
    }
}

/// Reads `paths:` of an OpenAPI YAML document written in this repository's style (two-space indents).
enum OpenAPIPaths {
    static func operations(in yaml: String) -> Set<String> {
        var result = Set<String>()
        var inPaths = false
        var path: String?
        let methods: Set<String> = ["get", "post", "put", "patch", "delete", "head", "options"]
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") {
                inPaths = line == "paths:"
                continue
            }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"), let path {
                let method = String(line.dropFirst(4).dropLast())
                if methods.contains(method) { result.insert("\(method.uppercased()) \(path)") }
            }
        }
        return result
    }
}
