/// A synchronous method waiting in (or at the head of) a channel's ``RPCQueue``, and what its reply completes.
///
/// I/O thread only (the continuations are resumed there).
enum PendingRequest {
    /// `channel.open`, the first step of (re)opening a channel.
    case channelOpen
    /// `confirm.select`, restoring confirm mode after a (re)open.
    case confirmSelect
    /// `basic.qos` with the channel's recorded prefetch, restoring it after a (re)open.
    case restoreQos
    /// A method the application asked for.
    case application(RPC, CheckedContinuation<RPCResult, any Error>)
    /// `basic.consume`: the application's (with its continuation), or a re-registration after a reopen (`nil`).
    case consume(ConsumerRegistration, CheckedContinuation<Void, any Error>?)
    /// `basic.cancel` of a consumer already removed from the channel's table.
    case cancel(ConsumerRegistration, CheckedContinuation<Void, any Error>?)
    /// `channel.close` asked for by the application (or ending the recovery channel): the channel is removed when
    /// the broker answers.
    case close(CheckedContinuation<Void, Never>?)
    /// `channel.close` sent by the client after a method got no reply; the channel is opened again when the broker
    /// answers. It has no deadline: a broker that never answers is found by the heartbeat.
    case reset
    /// One recorded declaration, declared again after a reconnect (on the recovery channel).
    case replay(TopologyEntity)

    /// Whether the client sent it on its own (reopening, restoring, resetting): its timeout counts from when it is
    /// sent, not from when it was queued.
    var isInternal: Bool {
        switch self {
        case .application, .close: false
        case .consume(_, let continuation), .cancel(_, let continuation): continuation == nil
        default: true
        }
    }

    /// Whether it is the client's own `channel.close` of a reset.
    var isReset: Bool {
        if case .reset = self { true } else { false }
    }

    /// Whether it is a consumer's re-registration (no task waits for it).
    var isReregistration: Bool {
        if case .consume(_, nil) = self { true } else { false }
    }

    /// Whether it belongs to a channel's opening sequence.
    var isOpeningStep: Bool {
        switch self {
        case .channelOpen, .confirmSelect, .restoreQos: true
        default: false
        }
    }

    /// What it is, for logs and errors.
    var name: String {
        switch self {
        case .channelOpen: "channel.open"
        case .confirmSelect: "confirm.select"
        case .restoreQos: "basic.qos"
        case .application(let rpc, _): rpc.name
        case .consume(let registration, _): "basic.consume on \(registration.queue)"
        case .cancel(let registration, _): "basic.cancel of \(registration.tag)"
        case .close: "channel.close"
        case .reset: "channel.close (reset)"
        case .replay(let entity): "declaring \(entity) again"
        }
    }

    /// The reply methods that answer it.
    var replies: [UInt32] {
        switch self {
        case .channelOpen: [MethodID.channelOpenOK]
        case .confirmSelect: [MethodID.confirmSelectOK]
        case .restoreQos: [MethodID.basicQosOK]
        case .application(let rpc, _): [rpc.reply]
        case .consume: [MethodID.basicConsumeOK]
        case .cancel: [MethodID.basicCancelOK]
        case .close, .reset: [MethodID.channelCloseOK]
        case .replay(let entity): [entity.reply]
        }
    }
}

/// A recorded declaration replayed after a reconnect.
enum TopologyEntity: CustomStringConvertible {
    case exchange(ExchangeRecord)
    case queue(QueueRecord)
    case binding(BindingRecord)

    var reply: UInt32 {
        switch self {
        case .exchange: MethodID.exchangeDeclareOK
        case .queue: MethodID.queueDeclareOK
        case .binding: MethodID.queueBindOK
        }
    }

    /// The queue it concerns, if any: consumers of that queue wait for it after a reconnect.
    var queue: String? {
        switch self {
        case .exchange: nil
        case .queue(let record): record.name
        case .binding(let record): record.queue
        }
    }

    var description: String {
        switch self {
        case .exchange(let record): "exchange \(record.name)"
        case .queue(let record): "queue \(record.name)"
        case .binding(let record): "binding \(record.queue) -> \(record.exchange) (\(record.routingKey))"
        }
    }
}

extension RPC {
    /// The method's name, for logs and errors.
    var name: String {
        switch self {
        case .exchangeDeclare: "exchange.declare"
        case .exchangeDelete: "exchange.delete"
        case .queueDeclare: "queue.declare"
        case .queueBind: "queue.bind"
        case .queueUnbind: "queue.unbind"
        case .queuePurge: "queue.purge"
        case .queueDelete: "queue.delete"
        case .qos: "basic.qos"
        }
    }

    /// The reply method that answers it.
    var reply: UInt32 {
        switch self {
        case .exchangeDeclare: MethodID.exchangeDeclareOK
        case .exchangeDelete: MethodID.exchangeDeleteOK
        case .queueDeclare: MethodID.queueDeclareOK
        case .queueBind: MethodID.queueBindOK
        case .queueUnbind: MethodID.queueUnbindOK
        case .queuePurge: MethodID.queuePurgeOK
        case .queueDelete: MethodID.queueDeleteOK
        case .qos: MethodID.basicQosOK
        }
    }
}
