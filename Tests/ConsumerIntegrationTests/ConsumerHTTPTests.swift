import AMQP
import Foundation
import NIOHTTP1
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// The HTTP side (`/v1/process`, health, metrics) and events published by the `warren` CLI.
@Suite(.reapsConsumers) struct ConsumerHTTPTests {
    @Test func processRunsTheHandlerInlineWithTheSameStore() async throws {
        let prefix = TestBroker.uniquePrefix("sync")
        let consumer = try await TestConsumer.start(prefix: prefix)
        try await consumer.waitUntilReady()
        let url = "\(consumer.baseURL)/v1/process"
        let event = BrokerProbe.demoEvent(data: ["sleep_ms": 10, "result": "sync"])
        let body = String(decoding: event.encoded(), as: UTF8.self)

        let first = try await TestHTTP.postJSON(url, body, headers: [("Content-Type", CloudEvent.mediaType)])
        #expect(first.status == 200)
        let update = try StatusUpdate.decode(first.body)
        #expect(update.id == event.id && update.status == .succeeded && update.attempt == 1)
        #expect(update.result?.objectValue?["result"] == "sync")
        let again = try await TestHTTP.postJSON(url, body)
        #expect(again.status == 200)
        #expect(try StatusUpdate.decode(again.body).result == update.result)

        let failing = BrokerProbe.demoEvent(data: ["fail_times": 1])
        let failed = try await TestHTTP.postJSON(url, String(decoding: failing.encoded(), as: UTF8.self))
        #expect(failed.status == 200)
        #expect(try StatusUpdate.decode(failed.body).status == .failed)

        for invalid in [
            "{oops", #"{"type": "demo.work"}"#, #"{"specversion":"1.0","id":"a","source":"/s","type":"x.y"}"#,
        ] {
            let reply = try await TestHTTP.postJSON(url, invalid)
            #expect(reply.status == 422, "\(invalid)")
            #expect(reply.header("content-type") == "application/problem+json")
        }
        let wrongType = try await TestHTTP.request(
            "POST", url, headers: [("Content-Type", "text/plain")], body: Array(body.utf8))
        #expect(wrongType.status == 415)
        let huge = try await TestHTTP.request(
            "POST", url, headers: [("Content-Type", "application/json")], body: Array(repeating: 32, count: 2 << 20))
        #expect(huge.status == 413)
        #expect(try await TestHTTP.get("\(consumer.baseURL)/v1/process").status == 405)
        #expect(try await TestHTTP.get("\(consumer.baseURL)/nowhere").status == 404)
        #expect(try await TestHTTP.get("\(consumer.baseURL)/healthz").status == 200)

        let stats = try await consumer.stats()
        #expect(stats["storedEvents"] == 1 && stats["effects"] == 1 && stats["duplicatesSuppressed"] == 1)
        let metrics = try await TestHTTP.get("\(consumer.baseURL)/metrics").text
        #expect(metrics.contains("warren_consumer_handler_duration_seconds_bucket"))
        #expect(metrics.contains("warren_consumer_in_flight"))
        #expect(await consumer.process.stop() == 0)
    }

    @Test func aTokenGuardsProcessAndStatsButNotHealth() async throws {
        let token = "consumer-token-\(UUID().uuidString)"
        let consumer = try await TestConsumer.start(
            prefix: TestBroker.uniquePrefix("auth"), environment: ["WARREN_AUTH_TOKEN": token])
        try await consumer.waitUntilReady()
        let body = String(decoding: BrokerProbe.demoEvent(data: ["result": "auth"]).encoded(), as: UTF8.self)
        let url = "\(consumer.baseURL)/v1/process"
        let anonymous = try await TestHTTP.postJSON(url, body)
        #expect(anonymous.status == 401)
        #expect(anonymous.header("WWW-Authenticate") != nil)
        #expect(!anonymous.text.contains(token))
        let wrong = try await TestHTTP.postJSON(url, body, headers: [("Authorization", "Bearer not-the-token-at-all")])
        #expect(wrong.status == 401)
        #expect(try await TestHTTP.get("\(consumer.baseURL)/v1/stats").status == 401)
        let authorized = try await TestHTTP.postJSON(url, body, headers: [("Authorization", "Bearer \(token)")])
        #expect(authorized.status == 200, "\(authorized.text)")
        #expect(try await TestHTTP.get("\(consumer.baseURL)/healthz").status == 200)
        #expect(try await TestHTTP.get("\(consumer.baseURL)/readyz").status == 200)
        #expect(!consumer.process.log.contains(token))
        #expect(await consumer.process.stop() == 0)
    }

    @Test func readinessFollowsTheBrokerAndShutdown() async throws {
        let consumer = try await TestConsumer.start(
            prefix: TestBroker.uniquePrefix("ready"),
            extra: ["--amqp-url", "amqp://guest:guest@127.0.0.1:1/%2F"])
        let alive = await eventually { (try? await TestHTTP.get("\(consumer.baseURL)/healthz").status) == 200 }
        #expect(alive)
        let ready = try await TestHTTP.get("\(consumer.baseURL)/readyz")
        #expect(ready.status == 503 && ready.json["detail"] as? String == "waiting for the broker")
        #expect(ready.header("retry-after") == "1")
        #expect(await consumer.process.stop() == 0)
    }

    @Test func eventsPublishedWithTheWarrenCLIAreProcessed() async throws {
        let prefix = TestBroker.uniquePrefix("cli")
        let probe = try await BrokerProbe.open(prefix: prefix)
        let consumer = try await TestConsumer.start(prefix: prefix)
        try await consumer.waitUntilReady()
        let lines = (0..<5).map { index in
            #"{"specversion":"1.0","id":"cli-\#(prefix)-\#(index)","source":"/cli","type":"demo.work","data":{"n":\#(index)}}"#
        }
        let result = try await runProcess(
            "\(ServiceProcess.binDirectory)/warren",
            [
                "publish", "--url", TestBroker.url, "--exchange", probe.topology.eventsExchange, "--routing-key",
                "demo.work", "--lines", "--content-type", CloudEvent.mediaType,
            ], stdin: Data(lines.joined(separator: "\n").utf8))
        #expect(result.status == 0, "\(result.stderr)")
        let stats = try await consumer.waitForStats { $0["storedEvents"] == 5 }
        #expect(stats["effects"] == 5 && stats["deadLettered"] == 0)
        #expect(await consumer.process.stop() == 0)
        await probe.cleanUp()
    }
}
