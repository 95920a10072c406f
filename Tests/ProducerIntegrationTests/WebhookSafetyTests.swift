import Foundation
import HTTPTypes
import Hummingbird
import Testing
import Warren
import WarrenProcess
import WarrenTestSupport

/// Webhooks cannot be aimed inside the network (SSRF), never follow redirects, and a slow receiver delays only
/// its own deliveries.
@Suite("webhook safety")
struct WebhookSafetyTests {
    @Test("callback URLs on loopback, private, link-local, CGNAT, ULA, multicast or unspecified hosts are 422")
    func internalTargetsRefused() async throws {
        try await ProducerInstance.with { producer in
            let refused: [(String, String)] = [
                ("http://127.0.0.1:15672/api/users", "loopback"), ("http://169.254.169.254/latest", "link-local"),
                ("http://10.0.0.1/", "private"), ("http://192.168.1.1/", "private"), ("http://[::1]:8080/", "loopback"),
                ("http://[::ffff:127.0.0.1]/", "loopback"), ("http://100.64.0.1/", "CGNAT"),
                ("http://[fd00::1]/", "unique local"), ("http://224.0.0.1/", "multicast"),
                ("http://0.0.0.0:5672/", "unspecified"), ("http://localhost:5672/", "loopback"),
                ("http://a.b.localhost/", "loopback"),
            ]
            for (url, rule) in refused {
                let reply = try await producer.post(#"{"type":"demo.work","data":{}}"#, query: "?callback_url=\(url)")
                #expect(reply.status == 422, "\(url): \(reply.text)")
                let detail = reply.json["detail"] as? String ?? ""
                #expect(detail.contains(rule), "\(url): \(detail)")
                #expect(detail.contains("--allow-private-callbacks"), "\(url): \(detail)")
            }
            // The same rule for the CloudEvents extension in the body.
            let inBody = try await producer.post(
                #"{"type":"demo.work","data":{},"callbackurl":"http://127.0.0.2/"}"#)
            #expect(inBody.status == 422, "\(inBody.text)")
            // Nothing refused was stored or published.
            #expect(try await BrokerCheck.depth("\(producer.prefix).events") == 0)
        }
    }

    @Test("a 307 from the receiver is a failed attempt: the signed body never reaches the redirect's target")
    func redirectsNotFollowed() async throws {
        let target = Received()
        let targetRouter = Router()
        targetRouter.get("/ping") { _, _ in "pong" }
        targetRouter.post("/stolen") { request, _ -> HTTPResponse.Status in
            target.append(.init(headers: [:], body: []))
            return .noContent
        }
        try await FakeServer.with(targetRouter) { targetBase in
            let first = Received()
            let router = Router()
            router.get("/ping") { _, _ in "pong" }
            router.post("/hook") { _, _ -> Response in
                first.append(.init(headers: [:], body: []))
                return Response(status: .temporaryRedirect, headers: [.location: "\(targetBase)/stolen"])
            }
            try await FakeServer.with(router) { base in
                try await ProducerInstance.with(arguments: ["--allow-private-callbacks"]) { producer in
                    let reply = try await producer.post(
                        #"{"type":"demo.work","data":{}}"#, query: "?callback_url=\(base)/hook")
                    let id = try #require(reply.json["id"] as? String, "\(reply.text)")
                    try await BrokerCheck.publishStatus(
                        StatusUpdate(id: id, status: .succeeded, attempt: 1, at: Date(), result: .string("done")),
                        prefix: producer.prefix)
                    // The first attempt, then its retry a second later: both redirected, neither followed.
                    let retried = await eventually(timeout: .seconds(15)) { first.entries.count >= 2 }
                    #expect(retried, "\(producer.process.log)")
                    #expect(target.entries.isEmpty, "the redirect was followed")
                    #expect(producer.process.log.contains("redirects are not followed"), "\(producer.process.log)")
                }
            }
        }
    }

    @Test("ten deliveries to a tarpit do not delay a delivery to another receiver")
    func tarpitDelaysOnlyItself() async throws {
        let slowRouter = Router()
        slowRouter.get("/ping") { _, _ in "pong" }
        slowRouter.post("/hook") { _, _ -> HTTPResponse.Status in
            try? await Task.sleep(for: .seconds(12))  // beyond the producer's 10 s timeout
            return .noContent
        }
        let fast = Received()
        try await FakeServer.with(slowRouter) { slowBase in
            let fastRouter = Router()
            fastRouter.get("/ping") { _, _ in "pong" }
            fastRouter.post("/hook") { _, _ -> HTTPResponse.Status in
                fast.append(.init(headers: [:], body: []))
                return .noContent
            }
            try await FakeServer.with(fastRouter) { fastBase in
                try await ProducerInstance.with(arguments: ["--allow-private-callbacks"]) { producer in
                    var slowIDs: [String] = []
                    for _ in 0..<10 {
                        let reply = try await producer.post(
                            #"{"type":"demo.work","data":{}}"#, query: "?callback_url=\(slowBase)/hook")
                        slowIDs.append(try #require(reply.json["id"] as? String, "\(reply.text)"))
                    }
                    let reply = try await producer.post(
                        #"{"type":"demo.work","data":{}}"#, query: "?callback_url=\(fastBase)/hook")
                    let fastID = try #require(reply.json["id"] as? String, "\(reply.text)")
                    for id in slowIDs {
                        try await BrokerCheck.publishStatus(
                            StatusUpdate(id: id, status: .succeeded, attempt: 1, at: Date(), result: nil),
                            prefix: producer.prefix)
                    }
                    try await Task.sleep(for: .milliseconds(500))  // the tarpit's deliveries are under way
                    let start = ContinuousClock.now
                    try await BrokerCheck.publishStatus(
                        StatusUpdate(id: fastID, status: .succeeded, attempt: 1, at: Date(), result: nil),
                        prefix: producer.prefix)
                    // Before, deliveries went in rounds of 8 that each waited for the slowest: at least 10 s.
                    let delivered = await eventually(timeout: .seconds(6)) { !fast.entries.isEmpty }
                    print("tarpit: the fast receiver got its webhook after \(ContinuousClock.now - start)")
                    #expect(delivered, "\(producer.process.log)")
                }
            }
        }
    }
}
