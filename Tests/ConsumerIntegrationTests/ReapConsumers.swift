import Foundation
import Testing
import WarrenProcess
import WarrenTestSupport

/// A trait that kills (SIGKILL) every consumer a test started and left running, even when the test failed half
/// way: no stray consumer outlives its test.
struct ReapConsumers: TestTrait, SuiteTrait, TestScoping {
    /// The processes started by the current test (a task-local, so parallel tests keep their own).
    /// `@unchecked Sendable`: `processes` is only touched with `lock` held.
    final class Registry: @unchecked Sendable {
        private let lock = NSLock()
        private var processes: [ChildProcess] = []

        func add(_ process: ChildProcess) { lock.withLock { processes.append(process) } }

        func killAll() {
            for process in lock.withLock({ processes }) { process.send(SIGKILL) }
        }
    }

    @TaskLocal static var current: Registry?

    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard testCase != nil else { return try await function() }
        let registry = Registry()
        try await Self.$current.withValue(registry) {
            defer { registry.killAll() }
            try await function()
        }
    }
}

extension Trait where Self == ReapConsumers {
    /// Kill whatever consumer a test left running when it ends.
    static var reapsConsumers: Self { ReapConsumers() }
}
