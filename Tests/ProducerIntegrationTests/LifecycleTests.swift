import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// The producer as a process: systemd's notify protocol, and SIGTERM under load losing nothing accepted.
@Suite("producer lifecycle")
struct LifecycleTests {
    @Test("READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 reach $NOTIFY_SOCKET; SIGTERM exits 0")
    func notify() async throws {
        let socket = try NotifySocket()
        let producer = try await ProducerInstance.start(
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "400000", "WATCHDOG_PID": nil])
        let ready = await socket.waitFor("READY=1")
        #expect(ready)
        #expect(socket.messages.contains { $0.contains("STATUS=accepting") })
        let watchdog = await socket.waitFor("WATCHDOG=1", timeout: .seconds(5))
        #expect(watchdog)
        let code = await producer.stop()
        #expect(code == 0, "\(producer.process.log)")
        #expect(socket.messages.contains { $0.contains("STOPPING=1") })
    }

    @Test("a wedged connection loop stops WATCHDOG=1, which resumes when the loop does")
    func wedgedLoopStopsWatchdog() async throws {
        let socket = try NotifySocket()
        // 1 s watchdog (pets every 0.5 s, stall limit 3 s); the I/O thread is blocked for 8 s, 2 s after connecting.
        try await ProducerInstance.with(
            environment: [
                "NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000", "WARREN_FAULT_STALL_IO_LOOP": "2:8",
            ]
        ) { _ in
            try await Task.sleep(for: .seconds(13))
        }
        let pets = socket.timedMessages.filter { $0.text.contains("WATCHDOG=1") }.map(\.at)
        let gaps = zip(pets, pets.dropFirst()).map { $1.timeIntervalSince($0) }
        let longest = gaps.max() ?? 0
        print(#"{"test":"wedgedLoopStopsWatchdog","pets":\#(pets.count),"longest_gap_s":\#(longest)}"#)
        #expect(longest >= 4, "WATCHDOG=1 kept coming while the I/O loop was blocked (longest gap \(longest) s)")
        #expect(gaps.suffix(3).allSatisfy { $0 < 2 }, "WATCHDOG=1 resumed at its cadence after the stall")
    }

    @Test("a supervisor that stops reading its notify socket never freezes the producer")
    func unreadNotifySocket() async throws {
        let socket = try NotifySocket(draining: false)
        try await ProducerInstance.with(environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "100000"]) {
            producer in
            // 20 watchdog messages a second: the 10-message queue has long been full.
            try await Task.sleep(for: .seconds(2))
            for _ in 0..<5 {
                let reply = try await TestHTTP.request(
                    "POST", "\(producer.base)/v1/events", headers: [("Content-Type", "application/json")],
                    body: Array(#"{"type":"demo.work"}"#.utf8), timeout: .seconds(3))
                #expect(reply.status == 202)
            }
        }
    }

    @Test("SIGTERM during load: every 202 is in the queue (or forwarded from the outbox at the next start)")
    func sigtermUnderLoad() async throws {
        let prefix = uniquePrefix("term")
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("producer-\(prefix)").path
        let producer = try await ProducerInstance.start(prefix: prefix, dataDirectory: data)
        let accepted = SharedList()
        let refusedOrCut = SharedList()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for n in 0..<400 {
                        do {
                            // async-http-client retries a refused connection until the deadline: keep it short.
                            let reply = try await TestHTTP.request(
                                "POST", "\(producer.base)/v1/events", headers: [("Content-Type", "application/json")],
                                body: Array(#"{"type":"demo.work","data":{"w":\#(worker),"n":\#(n)}}"#.utf8),
                                timeout: .seconds(3))
                            if reply.status == 202, let id = reply.json["id"] as? String {
                                accepted.append(id)
                            } else {
                                refusedOrCut.append("\(reply.status)")
                            }
                        } catch {
                            refusedOrCut.append("\(error)")
                            return  // the server is gone
                        }
                    }
                }
            }
            group.addTask {
                _ = await eventually(timeout: .seconds(30)) { accepted.values.count >= 300 }
                producer.process.send(SIGTERM)
            }
            try await group.waitForAll()
        }
        let code = await producer.process.waitForExit(timeout: .seconds(30))
        #expect(code == 0, "\(producer.process.log)")
        // Whatever was left in the outbox goes out at the next start.
        try await ProducerInstance.with(prefix: prefix, dataDirectory: data) { _ in
            let expected = Set(accepted.values)
            let ids = try await BrokerCheck.drain(
                "\(prefix).events", timeout: .seconds(30), until: { Set($0).isSuperset(of: expected) })
            let missing = Set(accepted.values).subtracting(ids)
            #expect(missing.isEmpty, "\(missing.count) of \(accepted.values.count) accepted events are missing")
        }
        #expect(accepted.values.count >= 300)

    }
    @Test("SIGTERM ends open SSE streams cleanly: the producer stops at once instead of waiting for final statuses")
    func sigtermEndsStreams() async throws {
        let producer = try await ProducerInstance.start()
        // No consumer: the event never reaches a final status, so only shutdown can end its stream.
        let id = try #require(try await producer.post(#"{"type":"demo.work"}"#).json["id"] as? String)
        async let streamed = TestHTTP.request(
            "GET", "\(producer.base)/v1/events/\(id)/stream", timeout: .seconds(60))
        try await Task.sleep(for: .milliseconds(500))
        producer.process.send(SIGTERM)
        // Before the fix the server waited for the open stream (15–20 s), well past this bound.
        let code = await producer.process.waitForExit(timeout: .seconds(8))
        #expect(code == 0, "\(producer.process.log)")
        let stream = try await streamed
        #expect(stream.status == 200)
        #expect(SSE.parse(stream.text).map(\.status) == ["accepted"])
    }

}
