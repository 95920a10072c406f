import Foundation
import Testing
import WarrenProcess
import WarrenTestSupport

/// Issue 7's TLS cases beyond the round trip in ``KillTests``: the CLI, the producer and the consumer refuse a
/// broker whose certificate a wrong CA signed, or whose certificate does not name the host they dialled, and say
/// so in one clear line.
@Suite("TLS refusals")
struct TLSRefusalTests {
    /// A CA of the test's own that signed nothing the broker uses.
    private func otherCA() async throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "other-ca-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let pem = dir.appendingPathComponent("ca.pem").path
        let result = try await runProcess(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=Not the broker's CA",
                "-keyout", dir.appendingPathComponent("ca.key").path, "-out", pem,
            ])
        try #require(result.status == 0, "openssl: \(result.stderr)")
        return pem
    }

    private func declare(_ url: String) async throws -> ProcessResult {
        try await runProcess(
            "\(ServiceProcess.binDirectory)/warren", ["declare-queue", "--url", url, "--queue", "tls-refusal-check"])
    }

    @Test("warren CLI: the test CA works; a wrong CA and a wrong host name are refused with exit 69 and one line")
    func cli() async throws {
        let wrongCA = try await otherCA()
        try await PrivateBroker.with(tls: true) { broker in
            let good = try await declare("\(broker.tlsURL)?cacertfile=\(broker.caFile)")
            #expect(good.status == 0, "\(good.stderr)")

            let badCA = try await declare("\(broker.tlsURL)?cacertfile=\(wrongCA)")
            #expect(badCA.status == 69)
            #expect(badCA.stderr.contains("peer cert verification failed"), "\(badCA.stderr)")
            #expect(badCA.stderr.contains("check the CA file"), "says what to do: \(badCA.stderr)")
            #expect(!badCA.stderr.contains("guest:guest"), "no password in the error")

            // The certificate names DNS:localhost; rabbitmq-c 0.11 matches DNS names only, so dialling the
            // address is a host name that the certificate does not name.
            let byAddress = broker.tlsURL.replacingOccurrences(of: "@localhost:", with: "@127.0.0.1:")
            let badHost = try await declare("\(byAddress)?cacertfile=\(broker.caFile)")
            #expect(badHost.status == 69)
            #expect(badHost.stderr.contains("hostname verification failed"), "\(badHost.stderr)")
        }
    }

    @Test("producer and consumer with a wrong CA: they log the verification failure and never connect")
    func services() async throws {
        let wrongCA = try await otherCA()
        try await PrivateBroker.with(tls: true) { broker in
            let url = "\(broker.tlsURL)?cacertfile=\(wrongCA)"
            let work = FileManager.default.temporaryDirectory.appendingPathComponent(
                "tls-refusal-\(UUID().uuidString.prefix(8))"
            ).path
            let consumerPort = freePort()
            let consumer = try ServiceProcess.start(
                "consumer",
                arguments: [
                    "--amqp-url", url, "--port", "\(consumerPort)", "--data-dir", "\(work)/consumer", "--prefix",
                    "tls-refusal",
                ])
            let producerPort = freePort()
            let producer = try ServiceProcess.start(
                "producer",
                arguments: [
                    "--amqp-url", url, "--port", "\(producerPort)", "--data-dir", "\(work)/producer", "--prefix",
                    "tls-refusal",
                ])
            for (name, process) in [("consumer", consumer), ("producer", producer)] {
                let logged = await eventually(timeout: .seconds(20)) {
                    process.log.contains("peer cert verification failed")
                }
                #expect(logged, "\(name) says why:\n\(process.log.suffix(3000))")
                #expect(!process.log.contains("guest:guest"), "\(name): no password in the log")
            }
            let consumerReady = try? await TestHTTP.get("http://127.0.0.1:\(consumerPort)/readyz")
            #expect(consumerReady?.status != 200, "the consumer is not ready without its broker")
            // The producer stays ready (its outbox accepts events) but reports the broker as not connected.
            let metrics = try await TestHTTP.get("http://127.0.0.1:\(producerPort)/metrics").text
            #expect(metrics.contains("warren_producer_broker_connected 0"), "\(metrics.prefix(2000))")
            await producer.stop()
            await consumer.stop()
        }
    }
}
