internal import DequeModule

/// The I/O thread's private view of one channel. Not Sendable: touched only on the I/O thread.
final class ChannelState {
    /// A message whose header and body frames are still arriving.
    struct PendingContent {
        enum Kind {
            case delivery(tag: UInt64, redelivered: Bool, exchange: String, routingKey: String, consumerTag: String)
            case returned(code: UInt16, text: String)
        }

        var kind: Kind
        var bodySize: Int = 0
        var properties = BasicProperties()
        var body: [UInt8] = []
        var headerSeen = false
    }

    let channel: Channel
    var prefetch: (count: UInt16, global: Bool)?
    var tracker = ConfirmTracker<Confirmation>()
    /// Acks collected during a batch of commands, coalesced when they are sent.
    var acks = AckCoalescer()
    /// Publishes waiting for room in the confirm window or for the connection to be unblocked.
    var held: Deque<Publishing> = []
    var consumers: [String: ConsumerRegistration] = [:]
    var content: PendingContent?
    /// Deliveries received in the current read pass, per consumer tag; handed over in one batch at its end.
    var ready: [String: [Delivery]] = [:]
    /// The last exchange, routing key and consumer tag seen, so repeated values are not allocated again.
    var exchangeCache = StringCache()
    var routingKeyCache = StringCache()
    var consumerTagCache = StringCache()
    /// Set when the channel could not be reopened after a server close; operations fail with it.
    var failure: AMQPError?

    init(channel: Channel) {
        self.channel = channel
    }

    var id: UInt16 { channel.id }

    /// Whether another publish may go on the wire now.
    var hasRoom: Bool { !channel.confirmMode || tracker.count < channel.maxInFlight }
}
