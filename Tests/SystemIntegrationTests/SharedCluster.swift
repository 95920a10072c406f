import Testing
import WarrenTestSupport

/// A suite trait: one 3-node RabbitMQ cluster (``PrivateBroker`` with `nodes: 3`) started before the suite's first
/// test and stopped after its last on every path, so the suite pays the ~20 s a cluster takes to form only once.
/// The suite's tests read it from ``current``; they must be `.serialized`, since each one kills or pauses nodes.
struct SharedCluster: SuiteTrait, TestScoping {
    /// The running cluster, inside the suite (a task-local set around the whole suite).
    @TaskLocal static var current: PrivateBroker?

    /// Once around the suite, not around each test.
    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await PrivateBroker.with(nodes: 3) { broker in
            try await Self.$current.withValue(broker) { try await function() }
        }
    }
}

extension Trait where Self == SharedCluster {
    /// Run the suite against one shared 3-node cluster (``SharedCluster/current``).
    static var sharedCluster: Self { SharedCluster() }
}
