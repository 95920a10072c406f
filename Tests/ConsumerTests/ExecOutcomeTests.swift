import Consumer
import Testing
import Warren

@Suite struct ExecOutcomeTests {
    @Test func exitZeroWithJSONIsTheResult() throws {
        let outcome = ExecOutcome(termination: .exited(0), stdout: Array("{\"a\": [1, 2]}\n".utf8), stderr: [])
        #expect(try outcome.handlerResult().get() == ["a": [1, 2]])
    }

    @Test func exitZeroWithTextIsAString() throws {
        let outcome = ExecOutcome(termination: .exited(0), stdout: Array("done\n".utf8), stderr: [])
        #expect(try outcome.handlerResult().get() == "done")
        let empty = ExecOutcome(termination: .exited(0), stdout: [], stderr: [])
        #expect(try empty.handlerResult().get() == .null)
        let binary = ExecOutcome(termination: .exited(0), stdout: [0xff, 0xfe, 0x41], stderr: [])
        #expect(try binary.handlerResult().get().stringValue?.hasSuffix("A") == true)
    }

    @Test func exit75IsRetryable() {
        let outcome = ExecOutcome(termination: .exited(75), stdout: [], stderr: Array("busy\n".utf8))
        #expect(throws: HandlerFailure.retryable(reason: "the command asked for a retry (exit 75): busy")) {
            try outcome.handlerResult().get()
        }
    }

    @Test func otherExitIsPermanentWithBoundedStderr() {
        let long = String(repeating: "e", count: 5000)
        let outcome = ExecOutcome(termination: .exited(3), stdout: [], stderr: Array(long.utf8))
        #expect {
            try outcome.handlerResult().get()
        } throws: { error in
            guard case .permanent(let reason) = error as? HandlerFailure else { return false }
            return reason.hasPrefix("the command failed with exit status 3: eee") && reason.utf8.count < 1100
        }
    }

    @Test func signalIsRetryableAndOversizedOutputPermanent() {
        let killed = ExecOutcome(termination: .signaled(9), stdout: [], stderr: [])
        #expect(throws: HandlerFailure.retryable(reason: "the command was killed by signal 9")) {
            try killed.handlerResult().get()
        }
        let huge = ExecOutcome(termination: .exited(0), stdout: Array("{}".utf8), stderr: [], stdoutTruncated: true)
        #expect(throws: HandlerFailure.permanent(reason: "the command's output exceeded the limit")) {
            try huge.handlerResult().get()
        }
    }
}
