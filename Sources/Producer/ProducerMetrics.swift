import CoreMetrics
import Metrics

/// The producer's own Prometheus metrics (requests by route and code come from Hummingbird's `MetricsMiddleware`).
///
/// Created once at start, after ``PrometheusExport/bootstrap()``; `Sendable`.
struct ProducerMetrics: Sendable {
    /// Time from publish to the broker's confirm.
    let publishLatency = Timer(label: "warren_producer_publish_seconds", preferredDisplayUnit: .seconds)
    /// Confirms by outcome.
    let confirmsAcked = Counter(label: "warren_producer_confirms_total", dimensions: [("result", "ack")])
    let confirmsFailed = Counter(label: "warren_producer_confirms_total", dimensions: [("result", "failed")])
    /// Events accepted by path.
    let acceptedDirect = Counter(label: "warren_producer_events_accepted_total", dimensions: [("path", "broker")])
    let acceptedSpooled = Counter(label: "warren_producer_events_accepted_total", dimensions: [("path", "outbox")])
    let rejectedFull = Counter(label: "warren_producer_events_rejected_total", dimensions: [("reason", "outbox_full")])
    /// Events in the outbox.
    let outboxDepth = Gauge(label: "warren_producer_outbox_depth")
    /// Events forwarded from the outbox.
    let outboxForwarded = Counter(label: "warren_producer_outbox_forwarded_total")
    /// 1 when connected to the broker, else 0.
    let brokerConnected = Gauge(label: "warren_producer_broker_connected")
    /// 1 while the broker blocks publishing (memory or disk alarm), else 0.
    let brokerBlocked = Gauge(label: "warren_producer_broker_blocked")
    /// The events queue's depth as last polled.
    let queueDepth = Gauge(label: "warren_producer_queue_depth")
    /// Status updates applied.
    let statusUpdates = Counter(label: "warren_producer_status_updates_total")
    /// Webhook attempts by outcome.
    let webhooksDelivered = Counter(label: "warren_producer_webhooks_total", dimensions: [("result", "delivered")])
    let webhooksFailed = Counter(label: "warren_producer_webhooks_total", dimensions: [("result", "failed")])
}
