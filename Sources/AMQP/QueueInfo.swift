/// The broker's answer to `queue.declare`.
public struct QueueInfo: Sendable, Hashable {
    /// The queue's name (the generated one, for a server-named queue).
    public var name: String
    /// Messages ready for delivery.
    public var messageCount: UInt32
    /// Active consumers.
    public var consumerCount: UInt32
}
