import AsyncHTTPClient
import CoreMetrics
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// Delivers final statuses to callback URLs: signed POSTs, retried with backoff, each delivery independent of the
/// others.
///
/// A `Service`. Deliveries are rows in the store (queued in the same transaction as the final status), so they
/// survive restarts. Up to ``concurrency`` run at once, at most ``perHostLimit`` per host and port, each started
/// as soon as it is due and a slot is free: a slow or tarpitting receiver holds its own slots, never everyone's.
/// A 2xx answer is success; anything else (a redirect included: they are never followed) is retried after 1 s,
/// 5 s, 30 s, 2 min, 10 min, 30 min, then given up (``maxAttempts``). Before every attempt the target is checked
/// again by ``CallbackGuard`` and the request goes to exactly the address checked (DNS rebinding).
struct WebhookDispatcher: Service, CustomStringConvertible {
    /// The name ServiceLifecycle logs (never the members: some hold secrets).
    var description: String { "WebhookDispatcher" }

    static let delays: [Int64] = [1, 5, 30, 120, 600, 1800]

    let store: ProducerStore
    let signer: WebhookSigner
    let signal: WakeSignal
    let metrics: ProducerMetrics
    let logger: Logger
    var callbackGuard = CallbackGuard()
    var concurrency = 32
    var perHostLimit = 4
    var timeout: Duration = .seconds(10)
    var maxAttempts = 7
    /// How long a delivery whose attempt could not be recorded waits before it is tried again.
    var recordFailureHold: Duration = .seconds(5)

    /// Deliveries in flight and those held back after a failed record. Only this service touches it.
    private let flight = NIOLockedValueBox(Flight())

    private struct Flight {
        var inFlight: [String: String] = [:]
        var perHost: [String: Int] = [:]
        var held: [String: ContinuousClock.Instant] = [:]
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                while !Task.isCancelled {
                    await startDue(in: &group)
                    await signal.wait(timeout: .seconds(1))
                }
            }
        }
    }

    /// Starts every due delivery that has a free slot.
    private func startDue(in group: inout DiscardingTaskGroup) async {
        let due: [ProducerStore.WebhookDelivery]
        do {
            due = try await store.dueWebhooks(limit: concurrency * 8)
        } catch {
            logger.error("cannot read due webhooks", metadata: ["error": "\(error)"])
            return
        }
        let now = ContinuousClock.now
        flight.withLockedValue { flight in flight.held = flight.held.filter { $0.value > now } }
        for delivery in due {
            let host = Self.hostKey(delivery.url)
            let claimed = flight.withLockedValue { flight -> Bool in
                guard flight.held[delivery.eventID] == nil, flight.inFlight[delivery.eventID] == nil,
                    flight.inFlight.count < concurrency,
                    flight.perHost[host, default: 0] < perHostLimit
                else { return false }
                flight.inFlight[delivery.eventID] = host
                flight.perHost[host, default: 0] += 1
                return true
            }
            guard claimed else { continue }
            group.addTask {
                let recorded = await deliver(delivery)
                flight.withLockedValue { flight in
                    flight.inFlight[delivery.eventID] = nil
                    flight.perHost[host, default: 1] -= 1
                    if flight.perHost[host] == 0 { flight.perHost[host] = nil }
                    if !recorded { flight.held[delivery.eventID] = ContinuousClock.now + recordFailureHold }
                }
                signal.wake()
            }
        }
    }

    /// The host and port a delivery counts against.
    static func hostKey(_ url: String) -> String {
        guard let components = URLComponents(string: url), let host = components.host?.lowercased() else {
            return url
        }
        return "\(host):\(components.port ?? (components.scheme?.lowercased() == "https" ? 443 : 80))"
    }

    /// One attempt; false when its outcome could not be recorded.
    private func deliver(_ delivery: ProducerStore.WebhookDelivery) async -> Bool {
        let attempt = delivery.attempts + 1
        let failure = await post(delivery)
        let retryAt: Date? =
            failure == nil || attempt >= maxAttempts
            ? nil : Date().addingTimeInterval(Double(Self.delays[min(attempt - 1, Self.delays.count - 1)]))
        var recorded = true
        do {
            try await store.recordWebhookAttempt(
                eventID: delivery.eventID, delivered: failure == nil, error: failure, retryAt: retryAt)
        } catch {
            recorded = false
            logger.error(
                "cannot record a webhook attempt; holding the delivery back",
                metadata: ["event.id": "\(delivery.eventID)", "error": "\(error)"])
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
        return recorded
    }

    /// POSTs the signed payload to the checked address; nil on a 2xx answer, else why not.
    private func post(_ delivery: ProducerStore.WebhookDelivery) async -> String? {
        guard let components = URLComponents(string: delivery.url), let host = components.host else {
            return "the callback URL has no host"
        }
        let address: String
        do {
            address = try await callbackGuard.target(host: host)
        } catch {
            return error.description
        }
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5)))
        // Connect to the address just checked, not to whatever the name resolves to a moment later; TLS still
        // verifies the certificate for the name.
        if CallbackAddress.parse(host) == nil, CallbackAddress.parse(address) != nil {
            configuration.dnsOverride = [host: address]
        }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
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
            switch response.status.code {
            case 200..<300: break
            case 300..<400: failure = "HTTP \(response.status.code) (redirects are not followed)"
            default: failure = "HTTP \(response.status.code)"
            }
        } catch {
            failure = "\(error)"
        }
        try? await client.shutdown()
        return failure
    }
}
