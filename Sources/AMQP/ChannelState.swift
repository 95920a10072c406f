internal import CRabbitMQ
internal import DequeModule
import Synchronization

/// The I/O thread's private view of one channel. Not Sendable: touched only on the I/O thread.
///
/// Its stored variables are `@exclusivity(unchecked)`: one thread touches them and no access to one overlaps
/// another (nothing here is passed `inout` across a call that could reach it again), so the runtime's dynamic
/// exclusivity checks (`swift_beginAccess`, several per frame in the consume profile) only cost time.
final class ChannelState {
    /// What the message whose header and body frames are still arriving is.
    enum ContentKind {
        /// No message is being assembled.
        case none
        /// A `basic.deliver`: its fields are `deliveryTag`, `redelivered` and the three string caches.
        case delivery
        /// A `basic.return`: its fields are `returnCode` and `returnText`.
        case returned
    }

    /// Where the channel is in its life on the wire.
    enum Phase {
        /// `channel.open` (and `confirm.select`, `basic.qos`) sent or queued; publishes are held.
        case opening
        /// Open: publishes go out.
        case open
        /// The client sent `channel.close` after a method got no reply and waits for `channel.close-ok`; frames that
        /// still arrive for the old channel are dropped. Then the channel is opened again.
        case resetting
        /// The connection is gone; the channel is opened again after a reconnect.
        case down
    }

    let channel: Channel
    @exclusivity(unchecked) var phase = Phase.opening
    /// Synchronous methods: one on the wire, the rest waiting.
    @exclusivity(unchecked) var rpcs = RPCQueue<PendingRequest>()
    /// Tasks waiting in ``Connection/openChannel(confirms:prefetch:maxInFlight:)`` for the first open.
    @exclusivity(unchecked) var openWaiters: [CheckedContinuation<Void, any Error>] = []
    /// Consumers known to the application but not registered with the broker (after a reconnect or a reset), by
    /// tag, with the earliest time (monotonic ns) to try again.
    @exclusivity(unchecked) var unregistered: [String: Int64] = [:]
    /// Failed re-registration attempts per consumer tag (for the backoff).
    @exclusivity(unchecked) var registrationAttempts: [String: Int] = [:]
    /// Consumer tags whose `basic.consume` is queued or on the wire.
    @exclusivity(unchecked) var registering: Set<String> = []
    /// Set when the channel is not wanted any more (the application closed it, or its first open failed): it is
    /// removed instead of reopened.
    @exclusivity(unchecked) var closingForGood = false
    @exclusivity(unchecked) var prefetch: (count: UInt16, global: Bool)?
    @exclusivity(unchecked) var tracker = ConfirmTracker<Confirmation>()
    /// Acks collected during a batch of commands, coalesced when they are sent.
    @exclusivity(unchecked) var acks = AckCoalescer()
    /// Publishes waiting for room in the confirm window or for the connection to be unblocked.
    @exclusivity(unchecked) var held: Deque<Publishing> = []
    @exclusivity(unchecked) var consumers: [String: ConsumerRegistration] = [:] {
        didSet { currentBuffer = nil }
    }
    /// The buffer of the consumer named by ``consumerTagCache``, once looked up: a stream of deliveries to one
    /// consumer neither hashes nor compares its tag. Cleared when the tag or the set of consumers changes.
    @exclusivity(unchecked) private var currentBuffer: DeliveryBuffer?
    /// The message being assembled from its method, header and body frames, stored as separate fields so that
    /// no frame copies a struct (or an enum with string payloads) in and out.
    @exclusivity(unchecked) var contentKind = ContentKind.none
    @exclusivity(unchecked) var deliveryTag: UInt64 = 0
    @exclusivity(unchecked) var redelivered = false
    @exclusivity(unchecked) var returnCode: UInt16 = 0
    @exclusivity(unchecked) var returnText = ""
    @exclusivity(unchecked) var returnExchange = ""
    @exclusivity(unchecked) var returnRoutingKey = ""
    @exclusivity(unchecked) var contentHeaderSeen = false
    @exclusivity(unchecked) var contentBodySize = 0
    @exclusivity(unchecked) var contentProperties = BasicProperties.unset
    @exclusivity(unchecked) var contentBody: [UInt8] = []
    /// Buffers that received deliveries in the current read pass; handed over at its end.
    @exclusivity(unchecked) var staged: [DeliveryBuffer] = []
    /// The current delivery's exchange, routing key and consumer tag (repeated values are not allocated again).
    @exclusivity(unchecked) var exchangeCache = StringCache()
    @exclusivity(unchecked) var routingKeyCache = StringCache()
    @exclusivity(unchecked) var consumerTagCache = StringCache()
    @exclusivity(unchecked) var propertiesCache = PropertiesCache()
    /// What the current run of deliveries shares; `nil` after one of the three strings above changed.
    @exclusivity(unchecked) var deliveryContext: Delivery.Context?

    init(channel: Channel) {
        self.channel = channel
        self.id = channel.id
    }

    /// The channel's number on the wire (the I/O thread's copy of ``Channel/id``).
    @exclusivity(unchecked) var id: UInt16

    /// The buffer of the consumer the current delivery is for (named by ``consumerTagCache``), if it is
    /// registered.
    func currentConsumerBuffer() -> DeliveryBuffer? {
        if let currentBuffer { return currentBuffer }
        currentBuffer = consumers[consumerTagCache.value]?.buffer
        return currentBuffer
    }

    /// Takes the current delivery's exchange, routing key and consumer tag from a `basic.deliver`.
    func updateDeliveryStrings(exchange: amqp_bytes_t, routingKey: amqp_bytes_t, consumerTag: amqp_bytes_t) {
        let exchangeChanged = exchangeCache.update(exchange)
        let routingKeyChanged = routingKeyCache.update(routingKey)
        let consumerChanged = consumerTagCache.update(consumerTag)
        if consumerChanged { currentBuffer = nil }
        if exchangeChanged || routingKeyChanged || consumerChanged { deliveryContext = nil }
    }

    /// The shared part of the current delivery: the last one's, unless a string or the channel's generation
    /// changed since.
    func currentDeliveryContext() -> Delivery.Context {
        let generation = channel.generation.load(ordering: .relaxed)
        if let deliveryContext, deliveryContext.generation == generation { return deliveryContext }
        let context = Delivery.Context(
            exchange: exchangeCache.value, routingKey: routingKeyCache.value, consumerTag: consumerTagCache.value,
            channel: channel, generation: generation)
        deliveryContext = context
        return context
    }

    /// Starts assembling a message (the caller sets the method's own fields).
    func beginContent(_ kind: ContentKind) {
        contentKind = kind
        contentHeaderSeen = false
        contentBodySize = 0
        contentProperties = .unset
        contentBody = []
    }

    /// Forgets a partly received message and the deliveries not yet handed over (the channel was lost).
    func dropContent() {
        contentKind = .none
        contentProperties = .unset
        contentBody = []
        for buffer in staged { buffer.dropStaged() }
        staged.removeAll()
    }

    /// Whether another publish may go on the wire now.
    var hasRoom: Bool { !channel.confirmMode || tracker.count < channel.maxInFlight }

    /// Whether publishes may go on the wire now (the channel is open and nothing is held before them).
    var canSendPublishes: Bool { phase == .open && held.isEmpty && hasRoom }
}
