import Foundation
import Testing
import WarrenProcess
import WarrenTestSupport

/// What the producer tells those who can reach it, and what it refuses to paper over: `/readyz` names no broker
/// user or host, and a damaged webhook key stops the start instead of being replaced.
@Suite("producer disclosure")
struct DisclosureTests {
    @Test("/readyz names neither the broker's user nor its host, connected or not")
    func readyzSaysOnlyTheState() async throws {
        try await ProducerInstance.with { producer in
            let reply = try await TestHTTP.get("\(producer.base)/readyz")
            #expect(reply.status == 200)
            for secret in ["guest", "127.0.0.1", "5682"] { #expect(!reply.text.contains(secret), "\(reply.text)") }
        }
        let closed = freePort()
        let url = "amqp://warren-operator:hunter22@127.0.0.1:\(closed)/%2F"
        try await ProducerInstance.with(amqpURL: url, waitForBroker: false) { producer in
            let reply = try await TestHTTP.get("\(producer.base)/readyz")
            #expect(reply.text.contains("unreachable"), "\(reply.text)")
            // Before: "broker unreachable (cannot connect to amqp://warren-operator@127.0.0.1:…: …)".
            for secret in ["warren-operator", "hunter22", "127.0.0.1", "\(closed)"] {
                #expect(!reply.text.contains(secret), "\(reply.text)")
            }
        }
    }

    @Test("a webhook secret file that holds no key, or cannot be read, stops the start and is left as it is")
    func damagedSecretRefused() async throws {
        for damage in ["corrupt", "unreadable"] {
            let data = FileManager.default.temporaryDirectory.appendingPathComponent("producer-secret-\(UUID())").path
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            let path = "\(data)/webhook-secret"
            if damage == "corrupt" {
                try "whsec_AAECAwQFBgcICQ\n".write(toFile: path, atomically: true, encoding: .utf8)
            } else {
                // Root reads any file whatever its mode: a directory in its place is what cannot be read.
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            }
            let producer = try ServiceProcess.start(
                "producer",
                arguments: [
                    "--amqp-url", brokerURL, "--port", "\(freePort())", "--data-dir", data, "--prefix",
                    uniquePrefix("sec"), "--queue-type", "classic", "--name", "tests",
                ])
            let code = await producer.waitForExit(timeout: .seconds(30))
            if code == nil { _ = await producer.stop() }
            // Before: a new key replaced the corrupt one silently, and every receiver's verification broke.
            #expect(code == 1, "\(damage): \(producer.log)")
            #expect(producer.log.contains("webhook secret"), "\(damage): \(producer.log)")
            if damage == "corrupt" {
                #expect(try String(contentsOfFile: path, encoding: .utf8) == "whsec_AAECAwQFBgcICQ\n")
            }
        }
    }
}
