public import Hummingbird
import Metrics
public import Prometheus

/// The process-wide Prometheus registry behind swift-metrics, and the `/metrics` response.
///
/// ``bootstrap()`` installs it as the `MetricsSystem` backend once per process (later calls do nothing), so call
/// it at start before creating metrics. Thread-safe.
public enum PrometheusExport {
    /// The registry every swift-metrics counter, gauge and timer of this process lands in.
    public static let registry = PrometheusCollectorRegistry()

    private static let installed: Bool = {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        MetricsSystem.bootstrap(factory)
        return true
    }()

    /// Installs the registry as the metrics backend (once).
    public static func bootstrap() { _ = installed }

    /// The registry's current text exposition (`text/plain; version=0.0.4`).
    public static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(
            status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
    }
}
