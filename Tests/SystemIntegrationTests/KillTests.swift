import Foundation
import Testing
import WarrenProcess
import WarrenTestSupport

/// The project's central claim, with real processes and real signals: in async mode a dead or hung consumer does
/// not block the producer and loses nothing; in sync mode it does block.
@Suite("kill a consumer")
struct KillTests {
    @Test(
        "async: kill -9 and SIGSTOP of the consumer mid-stream; every 202 answered, every event processed exactly once")
    func asyncSurvives() async throws {
        try await System.with(mode: "async") { system in
            var accepted: [String] = []
            func burst(_ count: Int) async throws {
                for n in 0..<count {
                    let reply = try await TestHTTP.request(
                        "POST", "\(system.producerBase)/v1/events", headers: [("Content-Type", "application/json")],
                        body: Array(#"{"type":"demo.work","data":{"sleep_ms":20,"n":\#(n)}}"#.utf8),
                        timeout: .seconds(5))
                    #expect(reply.status == 202, "\(reply.text)")
                    if let id = reply.json["id"] as? String { accepted.append(id) }
                }
            }
            try await burst(40)
            system.consumer.send(SIGKILL)
            try await burst(40)  // the consumer is dead: the producer still answers
            try await system.restartConsumer()
            try await burst(20)
            system.consumer.send(SIGSTOP)
            try await burst(40)  // the consumer is frozen: the producer still answers
            system.consumer.send(SIGCONT)
            let expected = Set(accepted)
            let done = await eventually(timeout: .seconds(120)) {
                await system.finalStatuses(of: expected).allSatisfy { $0.value == "succeeded" }
            }
            #expect(done, "not every accepted event succeeded")
            let stats = try await TestHTTP.get("\(system.consumerBase)/v1/stats").json
            let effects = stats["effects"] as? Int ?? -1
            let stored = stats["storedEvents"] as? Int ?? -2
            #expect(stored == expected.count, "store holds \(stored) events for \(expected.count) accepted")
            #expect(effects == stored, "effects \(effects) for \(stored) events: a duplicate effect")
        }
    }

    @Test("sync: a dead consumer fails requests (503), a frozen one blocks them until the timeout (504)")
    func syncBlocks() async throws {
        try await System.with(mode: "sync", producerArguments: ["--sync-timeout", "1"]) { system in
            let ok = try await TestHTTP.postJSON("\(system.producerBase)/v1/events", #"{"type":"demo.work","data":{}}"#)
            #expect(ok.status == 200, "\(ok.text)")
            system.consumer.send(SIGSTOP)
            let started = ContinuousClock.now
            let hung = try await TestHTTP.postJSON(
                "\(system.producerBase)/v1/events", #"{"type":"demo.work","data":{}}"#)
            #expect(hung.status == 504, "\(hung.text)")
            #expect(ContinuousClock.now - started >= .milliseconds(900), "blocked until the timeout")
            // In the same run, an async request does not care.
            let async = try await system.post(headers: [("Prefer", "respond-async")])
            #expect(async.status == 202, "\(async.text)")
            system.consumer.send(SIGCONT)
            system.consumer.send(SIGKILL)
            _ = await system.consumer.waitForExit(timeout: .seconds(10))
            let dead = try await TestHTTP.request(
                "POST", "\(system.producerBase)/v1/events", headers: [("Content-Type", "application/json")],
                body: Array(#"{"type":"demo.work","data":{}}"#.utf8), timeout: .seconds(5))
            #expect(dead.status == 503, "\(dead.text)")
        }
    }

    @Test("warren demo (short run): nothing lost, no duplicate effect, async available, sync fails and blocks")
    func demo() async throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "demo-\(UUID().uuidString.prefix(6))"
        ).path
        let result = try await runProcess(
            "\(ServiceProcess.binDirectory)/warren",
            [
                "demo", "--rate", "20", "--steady-seconds", "4", "--crash-seconds", "2", "--hang-seconds", "2",
                "--recovery-seconds", "3", "--sleep-ms", "20", "--sync-timeout", "1", "--queue-type", "classic",
                "--output", output, "--broker-port", "\(System.demoBrokerPort)",
                // Latency against the baseline is a timing check: the benchmarks' job, not a test's on a busy machine.
                "--no-latency-checks",
            ])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr.suffix(3000))")
        #expect(result.stdout.contains("[PASS] async: events lost: 0"))
        #expect(result.stdout.contains("[PASS] sync: sync crash phase shows failed requests"))
        #expect(FileManager.default.fileExists(atPath: "\(output)/report.json"))
        let html = (try? String(contentsOfFile: "\(output)/report.html", encoding: .utf8)) ?? ""
        #expect(html.contains("<svg"))
        #expect(html.contains("kill -9"))
    }

    @Test("over TLS: producer and consumer on amqps with the test CA, an event goes round to succeeded")
    func tls() async throws {
        try await PrivateBroker.with(tls: true) { broker in
            let url = "\(broker.tlsURL)?cacertfile=\(broker.caFile)"
            try await System.with(mode: "async", url: url) { system in
                let reply = try await TestHTTP.postJSON(
                    "\(system.producerBase)/v1/events", #"{"type":"demo.work","data":{"sleep_ms":1}}"#)
                #expect(reply.status == 202, "\(reply.text)")
                let id = try #require(reply.json["id"] as? String)
                let done = await eventually(timeout: .seconds(30)) {
                    await system.finalStatuses(of: [id])[id] == "succeeded"
                }
                #expect(done)
                let log = system.producer?.log ?? ""
                #expect(!log.contains("guest:guest"), "no password in the log")
                #expect(log.contains("amqps://guest:***@localhost"))
            }
        }
    }
}
