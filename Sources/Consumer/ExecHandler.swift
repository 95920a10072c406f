import Foundation
public import Warren

/// The `--exec` handler: runs an external program per event (argument list, no shell).
///
/// Protocol: the structured event JSON on stdin; environment `WARREN_EVENT_ID`, `WARREN_EVENT_TYPE`,
/// `WARREN_ATTEMPT` and `TRACEPARENT` (when known) added to the consumer's own (without `AMQP_URL` and
/// `AMQP_URL_FILE`); exit 0 = success with stdout as the result (JSON when it parses, else a string), exit 75
/// (`EX_TEMPFAIL`) = retry, anything else = permanent failure with stderr as the reason. Stdout and stderr are
/// each kept up to ``ExecConfiguration/outputLimit`` bytes. At the deadline (task cancellation) the process group
/// is killed. At most `limit` programs run at once.
///
/// `Sendable`; called concurrently.
public struct ExecHandler: EventHandler {
    private let configuration: ExecConfiguration
    private let limiter: AsyncLimiter
    private let environment: [String: String]

    /// A handler for `configuration` allowing `limit` processes at once.
    public init(configuration: ExecConfiguration, limit: Int) {
        self.configuration = configuration
        limiter = AsyncLimiter(limit: limit)
        var environment = ProcessInfo.processInfo.environment
        environment["AMQP_URL"] = nil
        environment["AMQP_URL_FILE"] = nil
        self.environment = environment
    }

    /// Runs the program for `event` (see the type's documentation).
    public func handle(_ event: CloudEvent, context: EventHandlerContext) async throws -> JSONValue {
        try await limiter.acquire()
        defer { limiter.release() }
        var environment = environment
        environment["WARREN_EVENT_ID"] = event.id
        environment["WARREN_EVENT_TYPE"] = event.type
        environment["WARREN_ATTEMPT"] = String(context.attempt)
        environment["TRACEPARENT"] = context.traceparent
        let outcome = try await ChildProcess.run(
            program: configuration.program, arguments: configuration.arguments, environment: environment,
            input: event.encoded(), outputLimit: configuration.outputLimit)
        try Task.checkCancellation()
        return try outcome.handlerResult().get()
    }
}
