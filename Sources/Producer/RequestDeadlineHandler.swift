import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Guards one HTTP/1 connection against clients that hold it without finishing a request:
///
/// - **Read deadline.** While the producer waits for client bytes (a new connection, the gap between requests, a
///   request head or body still arriving) a `timeout` runs; it stops once a request is fully received and starts
///   again when its response has ended. When it fires, a request whose head arrived and that has no response yet
///   is answered `408` (problem+json, `Connection: close`); then the connection closes. A client trickling a
///   request byte by byte therefore holds a connection at most `timeout`, whatever its pace. (Hummingbird's own
///   `idleTimeout`, like NIO's `IdleStateHandler`, restarts on every body part, so it cannot stop a trickle.)
/// - **`Connection: close` responses close.** A response that says `Connection: close` (`413`, a truncated body)
///   ends with the write side shut (FIN), so the client reads the whole answer instead of a reset; the read side
///   stays open until the client closes, the rest of the request arrives, or the deadline fires.
///
/// Lifecycle: one per connection, created by Hummingbird's HTTP/1 channel (`additionalChannelHandlers`) right
/// after the HTTP codec, so it sees request and response parts. Threading: every method runs on the channel's
/// event loop; not `Sendable`.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The error the request's body stream fails with when the deadline fires, so no handler mistakes a cut-off
    /// body for a complete one.
    struct RequestTimedOut: Error {}

    private let timeout: TimeAmount
    private let logger: Logger
    private var deadline: Scheduled<Void>?
    /// A request head arrived and its end has not.
    private var readingRequest = false
    /// Requests fully received minus responses ended (below 0 while an early response waits for its body).
    private var unanswered = 0
    /// A response head was written for the request being read.
    private var responded = false
    /// The current response says `Connection: close`.
    private var closeAfterResponse = false
    /// The deadline fired: the connection is closing and later responses are dropped.
    private var timedOut = false

    /// A handler that allows each request `timeout` to arrive.
    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    // MARK: - Connection

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    // MARK: - Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            readingRequest = true
            responded = false
            arm(context)
        case .body:
            break
        case .end:
            readingRequest = false
            unanswered += 1
            disarm()
            if unanswered <= 0 { arm(context) }
        }
        context.fireChannelRead(data)
    }

    // MARK: - Responses

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !timedOut else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let head):
            responded = true
            closeAfterResponse = head.headerFields[.connection]?.lowercased().contains("close") == true
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            unanswered -= 1
            guard !closeAfterResponse else {
                let written = context.eventLoop.makePromise(of: Void.self)
                written.futureResult.cascade(to: promise)
                context.writeAndFlush(data, promise: written)
                written.futureResult.assumeIsolated().whenComplete { _ in
                    context.close(mode: .output, promise: nil)
                }
                return
            }
            if !readingRequest, unanswered <= 0 { arm(context) }
            context.write(data, promise: promise)
        }
    }

    // MARK: - The deadline

    private func arm(_ context: ChannelHandlerContext) {
        guard deadline == nil else { return }
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            deadline = nil
            expire(context)
        }
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
    }

    private func expire(_ context: ChannelHandlerContext) {
        let seconds = Double(timeout.nanoseconds) / 1e9
        if readingRequest, !responded {
            logger.info(
                "closing a connection: its request was not received in time",
                metadata: ["request_timeout_s": "\(seconds)"])
            let body = ByteBuffer(
                string: #"{"detail":"the request was not received within \#(seconds) s","status":408,"#
                    + #""title":"Request Timeout","type":"about:blank"}"#)
            var fields = HTTPFields()
            fields[.contentType] = "application/problem+json"
            fields[.contentLength] = String(body.readableBytes)
            fields[.connection] = "close"
            context.write(
                wrapOutboundOut(.head(HTTPResponse(status: .requestTimeout, headerFields: fields))), promise: nil)
            context.write(wrapOutboundOut(.body(body)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else if readingRequest || unanswered <= 0 {
            logger.debug("closing an idle connection", metadata: ["request_timeout_s": "\(seconds)"])
        } else {
            return  // a response is being produced: no client bytes are awaited
        }
        timedOut = true
        context.fireErrorCaught(RequestTimedOut())
        context.close(promise: nil)
    }
}
