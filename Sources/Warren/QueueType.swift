/// The RabbitMQ queue type Warren declares its queues with (`x-queue-type`).
public enum QueueType: String, Sendable, Hashable, CaseIterable {
    /// Replicated (Raft) queues: survive a node loss in a cluster, support `x-delivery-limit`. The default.
    case quorum
    /// Single-node classic queues: lighter, for a single development node.
    case classic
}
