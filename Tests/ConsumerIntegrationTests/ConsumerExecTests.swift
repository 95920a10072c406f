import AMQP
import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// `--exec`: a real external program per event, success, retry (exit 75), permanent failure, timeout (killed).
@Suite(.reapsConsumers) struct ConsumerExecTests {
    /// One script for every case, switching on the event type.
    static let script = """
        #!/bin/sh
        case "$WARREN_EVENT_TYPE" in
          test.ok) cat ;;
          test.text) echo "plain text result" ;;
          test.retry)
            if [ "$WARREN_ATTEMPT" -lt 2 ]; then echo "not yet" >&2; exit 75; fi
            echo '{"ok": true}' ;;
          test.fail) echo "boom: cannot do $WARREN_EVENT_ID" >&2; exit 3 ;;
          test.slow) echo $$ >> "$PID_FILE"; exec sleep 60 ;;
        esac
        """

    @Test func successRetryFailureAndTimeout() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "warren-exec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scriptPath = directory.appendingPathComponent("handler.sh").path
        let pidFile = directory.appendingPathComponent("pids").path
        try Self.script.write(toFile: scriptPath, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scriptPath)

        let prefix = TestBroker.uniquePrefix("exec")
        let probe = try await BrokerProbe.open(prefix: prefix)
        let consumer = try await TestConsumer.start(
            // /bin/sh runs the script: exec'ing a file this process just wrote can fail with ETXTBSY while a
            // child spawned concurrently by another test still holds its write descriptor.
            prefix: prefix,
            extra: ["--exec", "/bin/sh", "--exec-arg", scriptPath, "--handler-timeout", "1", "--max-attempts", "2"],
            environment: ["PID_FILE": pidFile])
        try await consumer.waitUntilReady()
        let ok = BrokerProbe.demoEvent(data: ["n": 1], type: "test.ok")
        let text = BrokerProbe.demoEvent(data: nil, type: "test.text")
        let retry = BrokerProbe.demoEvent(data: nil, type: "test.retry")
        let fail = BrokerProbe.demoEvent(data: nil, type: "test.fail")
        let slow = BrokerProbe.demoEvent(data: nil, type: "test.slow")
        let builtIn = BrokerProbe.demoEvent(data: ["result": "still built in"])
        let all = [ok, text, retry, fail, slow, builtIn]
        for event in all { try await probe.publish(event) }
        let updates = try await probe.statuses { $0.final(for: all.map(\.id)) }
        func final(_ event: CloudEvent) -> StatusUpdate? { updates.last { $0.id == event.id && $0.status.isFinal } }

        #expect(final(ok)?.status == .succeeded)
        #expect(final(ok)?.result?.objectValue?["id"]?.stringValue == ok.id)  // the event JSON came back on stdout
        #expect(final(text)?.result == "plain text result")
        #expect(final(retry)?.status == .succeeded && final(retry)?.attempt == 2)
        #expect(final(retry)?.result == ["ok": true])
        #expect(
            updates.contains { $0.id == retry.id && $0.status == .retrying && $0.error?.contains("not yet") == true })
        #expect(final(fail)?.status == .failed && final(fail)?.attempt == 1)
        #expect(final(fail)?.error?.contains("boom: cannot do \(fail.id)") == true)
        #expect(final(slow)?.status == .deadLettered && final(slow)?.attempt == 2)
        #expect(final(slow)?.error?.contains("timed out") == true)
        #expect(final(builtIn)?.result?.objectValue?["result"] == "still built in")

        // Both timed-out attempts' processes were killed.
        let pids = try String(contentsOfFile: pidFile, encoding: .utf8).split(separator: "\n").compactMap {
            Int32($0)
        }
        #expect(pids.count == 2)
        for pid in pids { #expect(kill(pid, 0) != 0 && errno == ESRCH, "process \(pid) still runs") }

        let dead = try await probe.collect(probe.topology.deadQueue) { $0.count == 2 }
        #expect(Set(dead.compactMap { try? CloudEvent.decode($0.body).id }) == [fail.id, slow.id])
        #expect(await consumer.process.stop() == 0)
        await probe.cleanUp()
        try? FileManager.default.removeItem(at: directory)
    }
}
