import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// Webhooks: the final status is POSTed to the callback URL, signed, and retried until the receiver takes it.
@Suite("producer webhooks")
struct WebhookTests {
    @Test("final status POSTed with a valid Standard Webhooks signature, retried after a 500")
    func signedAndRetried() async throws {
        let secretText = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let secretFile = FileManager.default.temporaryDirectory.appendingPathComponent("whsec-\(UUID().uuidString)")
            .path
        try secretText.write(toFile: secretFile, atomically: true, encoding: .utf8)
        let received = Received()
        let router = Router()
        router.get("/ping") { _, _ in "pong" }
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            received.append(.init(headers: headers, body: Array(buffer: body)))
            return received.entries.count == 1 ? .internalServerError : .noContent
        }
        try await FakeServer.with(router) { base in
            try await ProducerInstance.with(arguments: [
                "--webhook-secret-file", secretFile, "--log-level", "debug", "--allow-private-callbacks",
            ]) {
                producer in
                let reply = try await producer.post(
                    #"{"type":"demo.work","data":{}}"#, query: "?callback_url=\(base)/hook")
                let id = try #require(reply.json["id"] as? String)
                try await BrokerCheck.publishStatus(
                    StatusUpdate(id: id, status: .succeeded, attempt: 1, at: Date(), result: .string("done")),
                    prefix: producer.prefix)
                let delivered = await eventually(timeout: .seconds(15)) { received.entries.count >= 2 }
                #expect(delivered, "\(producer.process.log)")
                let entries = received.entries
                try #require(entries.count >= 2)
                let last = entries[1]
                let update = try StatusUpdate.decode(last.body)
                #expect(update.id == id)
                #expect(update.status == .succeeded)
                let messageID = try #require(last.headers["webhook-id"])
                let timestamp = try #require(last.headers["webhook-timestamp"])
                let signature = try #require(last.headers["webhook-signature"])
                #expect(entries[0].headers["webhook-id"] == messageID, "the same message id on every attempt")
                // Verify independently of the producer's signer.
                var message = Data("\(messageID).\(timestamp).".utf8)
                message.append(contentsOf: last.body)
                let key = SymmetricKey(data: Data(base64Encoded: String(secretText.dropFirst(6)))!)
                let expected =
                    "v1," + Data(HMAC<SHA256>.authenticationCode(for: message, using: key)).base64EncodedString()
                #expect(signature == expected)
                #expect(abs(Double(timestamp)! - Date().timeIntervalSince1970) < 60)
                // Even at debug level the key never reaches the log.
                #expect(!producer.process.log.contains(String(secretText.dropFirst(6))))
                #expect(!producer.process.log.contains("[0, 1, 2, 3, 4, 5, 6"))
            }
        }
    }
}
