import Consumer
import Logging
import Testing
import Warren

@Suite struct DemoWorkTests {
    @Test func parsesAllMembersAndDefaults() throws {
        let request = try DemoWorkRequest.parse(["sleep_ms": 20, "fail_times": 2, "result": ["a": 1]])
        #expect(request.sleepMilliseconds == 20)
        #expect(request.failTimes == 2)
        #expect(request.result == ["a": 1])
        let empty = try DemoWorkRequest.parse(nil)
        #expect(empty.sleepMilliseconds == 0 && empty.failTimes == 0 && empty.result == nil)
        #expect(try DemoWorkRequest.parse([:]).sleepMilliseconds == 0)
    }

    @Test(arguments: [
        JSONValue.string("x"), ["sleep_ms": -1], ["sleep_ms": 1.5], ["sleep_ms": "10"], ["fail_times": true],
        ["sleep_ms": 3_600_001],
    ])
    func rejectsInvalidDataPermanently(data: JSONValue) {
        #expect {
            try DemoWorkRequest.parse(data)
        } throws: { error in
            (error as? HandlerFailure)?.isRetryable == false
        }
    }

    @Test func failsRetryablyThenSucceedsWithDigest() async throws {
        let handler = DemoWorkHandler()
        let event = CloudEvent(id: "e1", source: "/t", type: "demo.work", data: ["fail_times": 1, "result": "ok"])
        await #expect(throws: HandlerFailure.self) {
            _ = try await handler.handle(event, context: Self.context(attempt: 1))
        }
        let result = try await handler.handle(event, context: Self.context(attempt: 2))
        // sha256 of the canonical JSON {"fail_times":1,"result":"ok"}
        #expect(result.objectValue?["sha256"] == "16dcbdc6800c42f5b4a576f2584261224ff644af31c336abd230b756088c244e")
        #expect(result.objectValue?["input"] == ["fail_times": 1, "result": "ok"])
        #expect(result.objectValue?["result"] == "ok")
    }

    @Test func sleepIsCancellable() async throws {
        let handler = DemoWorkHandler()
        let event = CloudEvent(id: "e2", source: "/t", type: "demo.work", data: ["sleep_ms": 60_000])
        await #expect(throws: CancellationError.self) {
            try await withThrowingTaskGroup(of: JSONValue.self) { group in
                group.addTask { try await handler.handle(event, context: Self.context(attempt: 1)) }
                group.cancelAll()
                _ = try await group.next()
            }
        }
    }

    static func context(attempt: Int) -> EventHandlerContext {
        EventHandlerContext(
            attempt: attempt, traceparent: nil, logger: .init(label: "test"), deadline: .now + .seconds(60))
    }
}
