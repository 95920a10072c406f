import Foundation
import Testing
import Warren

@testable import Producer

/// The producer's pure logic, no broker: backlog estimate, input validation, webhook signatures, status ordering.
@Suite("producer logic")
struct ProducerLogicTests {
    @Test("Retry-After is depth ÷ drain rate, bounded; the lower bound without backlog, the upper without drain")
    func backlog() {
        let estimator = BacklogEstimator(bounds: 1...60, window: 10)
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(estimator.retryAfterSeconds(now: now) == 1)
        estimator.recordDepth(500)
        #expect(estimator.retryAfterSeconds(now: now) == 60)
        for second in 0..<10 {
            for _ in 0..<10 { estimator.recordFinal(now: now.addingTimeInterval(Double(-second))) }
        }
        #expect(estimator.drainRate(now: now) == 10)
        #expect(estimator.retryAfterSeconds(now: now) == 50)
        estimator.recordDepth(5)
        #expect(estimator.retryAfterSeconds(now: now) == 1)
        estimator.recordDepth(100_000)
        #expect(estimator.retryAfterSeconds(now: now) == 60)
    }

    @Test("Idempotency-Key, callback URL and traceparent validation")
    func validation() throws {
        #expect((try? RequestValidation.idempotencyKey("order-42").get()) == "order-42")
        #expect((try? RequestValidation.idempotencyKey("").get()) == nil)
        #expect((try? RequestValidation.idempotencyKey("a b").get()) == nil)
        #expect((try? RequestValidation.idempotencyKey(String(repeating: "k", count: 256)).get()) == nil)
        #expect((try? RequestValidation.callbackURL("https://example.com/hook?x=1").get()) != nil)
        #expect((try? RequestValidation.callbackURL("ftp://example.com/").get()) == nil)
        #expect((try? RequestValidation.callbackURL("https://user:pw@example.com/").get()) == nil)
        #expect((try? RequestValidation.callbackURL("/relative").get()) == nil)
        let valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        #expect(RequestValidation.traceparent(valid.uppercased()) == valid)
        #expect(RequestValidation.traceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01") == nil)
        #expect(RequestValidation.traceparent("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01") == nil)
        #expect(RequestValidation.traceparent("garbage") == nil)
        let fresh = RequestValidation.newTraceparent()
        #expect(RequestValidation.traceparent(fresh) == fresh)
    }

    @Test("webhook signatures match the Standard Webhooks reference vector")
    func signature() throws {
        // The example from the Standard Webhooks specification.
        let secret = try #require(WebhookSigner.parseSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signer = WebhookSigner(secret: secret)
        let body = Array(#"{"test": 2432232314}"#.utf8)
        #expect(
            signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330", body: body)
                == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(signer.secretText == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        #expect(!"\(signer)".contains("MfKQ"))
        #expect(WebhookSigner.parseSecret("short") == nil)
        // A whsec_ key that is not base64 is damaged, not a raw secret that happens to start with "whsec_".
        #expect(WebhookSigner.parseSecret("whsec_not-base64-at-all!") == nil)
        #expect(WebhookSigner.parseSecret("whsec_AAECAwQFBgcICQ") == nil)
        #expect(WebhookSigner.parseSecret("a raw secret of 16+ bytes")?.count == 25)
    }

    @Test("status ranks: a later attempt wins, final statuses rank highest")
    func ranks() {
        #expect(ProducerStore.rank(.accepted) < ProducerStore.rank(.processing))
        #expect(ProducerStore.rank(.processing) < ProducerStore.rank(.retrying))
        #expect(ProducerStore.rank(.retrying) < ProducerStore.rank(.succeeded))
        #expect(ProducerStore.rank(.failed) == ProducerStore.rank(.deadLettered))
    }

    @Test("status paths percent-encode the id as one path segment")
    func statusPaths() {
        #expect(EventRecord.statusPath("5f0c-a1") == "/v1/events/5f0c-a1")
        #expect(EventRecord.statusPath("a b/c?d#e%f") == "/v1/events/a%20b%2Fc%3Fd%23e%25f")
        #expect(EventRecord.statusPath("évé\r\n") == "/v1/events/%C3%A9v%C3%A9%0D%0A")
        #expect(EventRecord.statusPath("v1.2_x~") == "/v1/events/v1.2_x~")
        #expect(EventRecord.statusPath("..") == "/v1/events/%2E%2E")
        #expect(EventRecord.statusPath(".") == "/v1/events/%2E")
    }
}
