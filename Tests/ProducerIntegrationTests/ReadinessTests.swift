import Foundation
import Testing
import WarrenProcess
import WarrenTestSupport

/// What "alive" and "ready" mean: the watchdog says the process's loops turn (not that the broker is up), `/readyz`
/// includes the store, and SIGTERM turns `/readyz` to 503 for the drain delay before the listener closes.
@Suite("producer readiness")
struct ReadinessTests {
    @Test("broker down and outbox full: READY=1 and WATCHDOG=1 keep coming, STATUS= says why nothing is accepted")
    func watchdogIsLivenessNotBrokerHealth() async throws {
        let socket = try NotifySocket()
        let url = "amqp://guest:guest@127.0.0.1:\(freePort())/%2F"
        let port = freePort()
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("producer-wd-\(UUID())").path
        // Not ProducerInstance: it waits for a ready producer, and this one never is.
        let producer = try ServiceProcess.start(
            "producer",
            arguments: [
                "--amqp-url", url, "--port", "\(port)", "--data-dir", data, "--prefix", uniquePrefix("wd"),
                "--outbox-limit", "0",
            ],
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": nil])
        #expect(await socket.waitFor("READY=1", timeout: .seconds(10)), "\(socket.messages)")
        try await Task.sleep(for: .seconds(4))
        let ready = try await TestHTTP.get("http://127.0.0.1:\(port)/readyz")
        #expect(ready.status == 503, "nothing can be accepted: \(ready.text)")
        #expect(await producer.stop() == 0, "\(producer.log)")
        let pets = socket.timedMessages.filter { $0.text.contains("WATCHDOG=1") }.map(\.at)
        let gaps = zip(pets, pets.dropFirst()).map { $1.timeIntervalSince($0) }
        print(
            #"{"test":"watchdogIsLivenessNotBrokerHealth","pets":\#(pets.count),"longest_gap_s":\#(gaps.max() ?? 0)}"#)
        // Before: WATCHDOG=1 only while the broker was up or the outbox had room, so systemd killed the producer.
        #expect(pets.count >= 6, "\(socket.messages)")
        #expect(gaps.allSatisfy { $0 < 1 }, "a gap as long as WatchdogSec: \(gaps)")
        #expect(socket.messages.contains { $0.contains("STATUS=") && $0.contains("broker unreachable") })
    }

    @Test("SIGTERM: /readyz answers 503 for --drain-delay while /healthz still answers, then the producer exits 0")
    func drainDelayBeforeTheListenerCloses() async throws {
        try await ProducerInstance.with(environment: ["WARREN_DRAIN_DELAY": "2"]) { producer in
            let start = ContinuousClock.now
            producer.process.send(SIGTERM)
            try await Task.sleep(for: .milliseconds(500))
            let ready = try await TestHTTP.get("\(producer.base)/readyz")
            let health = try await TestHTTP.get("\(producer.base)/healthz")
            // Before: the listener closed at once (connection refused).
            #expect(ready.status == 503, "\(ready.text)")
            #expect(ready.text.contains("shutting down"), "\(ready.text)")
            #expect(health.status == 200)
            let code = await producer.process.waitForExit(timeout: .seconds(20))
            let took = ContinuousClock.now - start
            print("drain delay 2 s: exited \(code.map(String.init) ?? "no") after \(took)")
            #expect(code == 0, "\(producer.process.log)")
            #expect(took >= .seconds(2))
        }
    }

    @Test("a store that cannot take writes (its file system full) makes /readyz 503 until it can again")
    func fullDiskIsNotReady() async throws {
        let mountPoint = FileManager.default.temporaryDirectory.appendingPathComponent("warren-full-\(UUID())").path
        try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
        guard run("/bin/mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mountPoint) == 0 else {
            Issue.record("cannot mount a tmpfs at \(mountPoint): this test needs root and mount(2)")
            return
        }
        defer {
            _ = run("/bin/umount", "-l", mountPoint)
            try? FileManager.default.removeItem(atPath: mountPoint)
        }
        try await ProducerInstance.with(dataDirectory: "\(mountPoint)/data") { producer in
            #expect(try await TestHTTP.get("\(producer.base)/readyz").status == 200)
            // Fill what is left (dd stops at ENOSPC, with a non-zero exit).
            _ = run("/bin/dd", "if=/dev/zero", "of=\(mountPoint)/filler", "bs=64k", "status=none")
            let notReady = await eventually(timeout: .seconds(15)) {
                (try? await TestHTTP.get("\(producer.base)/readyz"))?.status == 503
            }
            let reply = try await TestHTTP.get("\(producer.base)/readyz")
            // Before: 200 all along, while every POST failed with 503.
            #expect(notReady, "\(reply.text)")
            #expect(reply.text.contains("cannot take writes"), "\(reply.text)")
            #expect(!reply.text.contains(mountPoint), "no paths in /readyz: \(reply.text)")
            try FileManager.default.removeItem(atPath: "\(mountPoint)/filler")
            let readyAgain = await eventually(timeout: .seconds(10)) {
                (try? await TestHTTP.get("\(producer.base)/readyz"))?.status == 200
            }
            #expect(readyAgain, "\(producer.process.log)")
        }
    }

    /// Runs a command to its end; its exit code.
    private func run(_ path: String, _ arguments: String...) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        do {
            try process.run()
        } catch {
            return -1
        }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
