import Foundation
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// Power loss: a final status must be on disk (fsynced) before its status message is acked, or a power cut leaves
/// the event `processing` forever. Observed with `strace` on the running producer: which commits reach `fsync` or
/// `fdatasync` on the store's files.
@Suite("producer durability")
struct PowerLossTests {
    @Test("a final status is fsynced before its message is acked; an intermediate one is not")
    func finalStatusIsDurable() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") else {
            Issue.record("strace is missing: scripts/install-deps installs it")
            return
        }
        try await ProducerInstance.with { producer in
            let reply = try await producer.post(#"{"type":"demo.work","data":{}}"#)
            let id = try #require(reply.json["id"] as? String, "\(reply.text)")
            let processing = try await syncs(of: producer) {
                try await BrokerCheck.publishStatus(
                    StatusUpdate(id: id, status: .processing, attempt: 1, at: Date()), prefix: producer.prefix)
                #expect(await status(of: id, in: producer, is: "processing"))
            }
            let final = try await syncs(of: producer) {
                try await BrokerCheck.publishStatus(
                    StatusUpdate(id: id, status: .succeeded, attempt: 1, at: Date(), result: .string("ok")),
                    prefix: producer.prefix)
                #expect(await status(of: id, in: producer, is: "succeeded"))
            }
            print("fsyncs of the store: \(processing.count) for `processing`, \(final.count) for `succeeded`")
            // Before, both were committed with synchronous=NORMAL: no sync at all until a checkpoint.
            #expect(processing.isEmpty, "\(processing)")
            #expect(!final.isEmpty, "a final status was acked without reaching the disk")
        }
    }

    /// Waits until the producer shows `status` for `id`.
    private func status(of id: String, in producer: ProducerInstance, is status: String) async -> Bool {
        await eventually(timeout: .seconds(10)) {
            (try? await TestHTTP.get("\(producer.base)/v1/events/\(id)"))?.json["status"] as? String == status
        }
    }

    /// The `fsync`/`fdatasync` calls on files in the producer's data directory while `body` runs.
    private func syncs(of producer: ProducerInstance, during body: () async throws -> Void) async throws -> [String] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("strace-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let tracer = try ChildProcess(
            path: "/usr/bin/strace",
            arguments: ["-f", "-y", "-e", "trace=fsync,fdatasync", "-o", output, "-p", "\(producer.process.pid)"],
            environment: [:], logPath: output + ".log")
        defer { try? FileManager.default.removeItem(atPath: output + ".log") }
        // strace reports each thread it attached to before it traces anything.
        let attached = await eventually(timeout: .seconds(10)) { tracer.log.contains("attached") }
        #expect(attached, "strace did not attach: \(tracer.log)")
        try await body()
        try await Task.sleep(for: .milliseconds(300))
        _ = await tracer.stop(grace: .seconds(5))
        let trace = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return trace.split(separator: "\n").map(String.init).filter {
            $0.contains("sync(") && $0.contains(producer.dataDirectory)
        }
    }
}
