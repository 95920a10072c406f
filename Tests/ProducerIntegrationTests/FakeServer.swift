import Foundation
import Hummingbird
import WarrenProcess
import WarrenTestSupport

/// A small HTTP server of the test's own (a webhook receiver, or a stand-in consumer with a chosen behaviour),
/// running until `body` returns.
enum FakeServer {
    /// Serves `router` on a free port of 127.0.0.1 while `body` runs; `body` gets the base URL.
    static func with<T: Sendable>(
        _ router: Router<BasicRequestContext>, _ body: @escaping @Sendable (String) async throws -> T
    ) async throws -> T {
        let port = freePort()
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: port)))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.run()
                return nil
            }
            group.addTask {
                let base = "http://127.0.0.1:\(port)"
                _ = await eventually { (try? await TestHTTP.get("\(base)/ping"))?.status == 200 }
                return try await body(base)
            }
            while let result = try await group.next() {
                if let result {
                    group.cancelAll()
                    return result
                }
            }
            throw BrokerScriptError(message: "fake server stopped")
        }
    }
}

/// Requests a fake server received. `@unchecked Sendable`: `storage` only touched with `lock` held.
final class Received: @unchecked Sendable {
    struct Entry {
        var headers: [String: String]
        var body: [UInt8]
    }

    private let lock = NSLock()
    private var storage: [Entry] = []
    func append(_ entry: Entry) { lock.withLock { storage.append(entry) } }
    var entries: [Entry] { lock.withLock { storage } }
}
