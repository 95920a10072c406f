import AsyncHTTPClient
import CoreMetrics
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers final statuses to callback URLs: signed POSTs, retried with backoff, never blocking anything else.
///
/// A `Service`. Deliveries are rows in the store (queued in the same transaction as the final status), so they
/// survive restarts. Each round sends up to ``concurrency`` due deliveries at once with a ``timeout`` each; a 2xx
/// answer is success, anything else is retried after 1 s, 5 s, 30 s, 2 min, 10 min, 30 min, then given up
/// (``maxAttempts``).
struct WebhookDispatcher: Service, CustomStringConvertible {
    /// The name ServiceLifecycle logs (never the members: some hold secrets).
    var description: String { "WebhookDispatcher" }

    static let delays: [Int64] = [1, 5, 30, 120, 600, 1800]

    let store: ProducerStore
    let client: HTTPClient
    let signer: WebhookSigner
    let signal: WakeSignal
    let metrics: ProducerMetrics
    let logger: Logger
    var concurrency = 8
    var timeout: Duration = .seconds(10)
    var maxAttempts = 7

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let due = (try? await store.dueWebhooks(limit: concurrency)) ?? []
                if due.isEmpty {
                    await signal.wait(timeout: .seconds(1))
                    continue
                }
                await withDiscardingTaskGroup { group in
                    for delivery in due {
                        group.addTask { await deliver(delivery) }
                    }
                }
            }
        }
    }

    private func deliver(_ delivery: ProducerStore.WebhookDelivery) async {
        let attempt = delivery.attempts + 1
        var failure: String?
        do {
            var request = HTTPClientRequest(url: delivery.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "warren-producer")
            for (name, value) in signer.headers(id: delivery.eventID, timestamp: Date(), body: delivery.payload) {
                request.headers.add(name: name, value: value)
            }
            request.body = .bytes(delivery.payload)
            let response = try await client.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            if !(200..<300).contains(response.status.code) { failure = "HTTP \(response.status.code)" }
        } catch {
            failure = "\(error)"
        }
        let retryAt: Date? =
            failure == nil || attempt >= maxAttempts
            ? nil : Date().addingTimeInterval(Double(Self.delays[min(attempt - 1, Self.delays.count - 1)]))
        do {
            try await store.recordWebhookAttempt(
                eventID: delivery.eventID, delivered: failure == nil, error: failure, retryAt: retryAt)
        } catch {
            logger.error("cannot record a webhook attempt", metadata: ["error": "\(error)"])
        }
        if let failure {
            metrics.webhooksFailed.increment()
            logger.warning(
                retryAt == nil ? "webhook failed; giving up" : "webhook failed; will retry",
                metadata: ["event.id": "\(delivery.eventID)", "attempt": "\(attempt)", "error": "\(failure)"])
        } else {
            metrics.webhooksDelivered.increment()
            logger.info("webhook delivered", metadata: ["event.id": "\(delivery.eventID)", "attempt": "\(attempt)"])
        }
    }
}
