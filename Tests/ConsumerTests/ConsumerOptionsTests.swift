import ArgumentParser
import Consumer
import Testing
import Warren
import WarrenService

@Suite struct ConsumerOptionsTests {
    static func validated(_ arguments: [String], environment: [String: String] = [:]) throws -> ConsumerConfiguration {
        try ConsumerOptions.parse(arguments).validated(environment: environment)
    }

    @Test func defaults() throws {
        let configuration = try Self.validated([])
        #expect(configuration.concurrency == 16)
        #expect(configuration.prefetch == 32)
        #expect(configuration.service.port == 8081)
        #expect(configuration.handlerTimeout == .seconds(30))
        #expect(configuration.shutdownTimeout == .seconds(30))
        #expect(configuration.retryPolicy.delays == [.seconds(1), .seconds(5), .seconds(30)])
        #expect(configuration.retryPolicy.maxAttempts == 4)
        #expect(configuration.topology.retryDelays == [.seconds(1), .seconds(5), .seconds(30)])
        #expect(configuration.exec == nil)
    }

    @Test func flagsWinOverEnvironment() throws {
        let environment = [
            "WARREN_CONCURRENCY": "4", "WARREN_RETRY_DELAYS": "1s", "WARREN_MAX_ATTEMPTS": "9",
            "WARREN_HANDLER_TIMEOUT": "2.5", "WARREN_PREFIX": "p1",
        ]
        let fromEnvironment = try Self.validated([], environment: environment)
        #expect(fromEnvironment.concurrency == 4 && fromEnvironment.prefetch == 8)
        #expect(fromEnvironment.retryPolicy.maxAttempts == 9)
        #expect(fromEnvironment.handlerTimeout == .milliseconds(2500))
        #expect(fromEnvironment.retryPolicy.prefix == "p1")
        let flags = try Self.validated(
            ["--concurrency", "64", "--retry-delays", "200ms,400ms", "--prefetch", "64"], environment: environment)
        #expect(flags.concurrency == 64 && flags.prefetch == 64)
        #expect(flags.retryPolicy.delays == [.milliseconds(200), .milliseconds(400)])
        #expect(flags.topology.retryDelays == [.milliseconds(200), .milliseconds(400)])
    }

    @Test func execProgramAndArguments() throws {
        let configuration = try Self.validated([
            "--exec", "/bin/sh", "--exec-arg", "-c", "--exec-arg", "cat", "--exec-types", "a.b, c.d",
        ])
        #expect(configuration.exec?.program == "/bin/sh")
        #expect(configuration.exec?.arguments == ["-c", "cat"])
        #expect(configuration.exec?.types == ["a.b", "c.d"])
        #expect(try Self.validated(["--exec", "cat"]).exec?.program.hasSuffix("/cat") == true)
    }

    @Test(arguments: [
        ["--concurrency", "0"], ["--concurrency", "8", "--prefetch", "4"], ["--retry-delays", "fast"],
        ["--retry-delays", "1s,,2s"], ["--max-attempts", "0"], ["--handler-timeout", "0"],
        ["--handler-timeout", "3600"], ["--exec", "/nonexistent/program"], ["--exec-types", "a"],
        ["--queue-type", "stream"], ["--port", "70000"], ["--amqp-url", "http://x"], ["--shutdown-timeout=-1"],
    ])
    func invalidConfigurationIsRejected(arguments: [String]) {
        #expect(throws: ConsumerError.self) { try Self.validated(arguments) }
    }

    @Test func durationLists() throws {
        #expect(try DurationList.parse("1s,5s,30s") == [.seconds(1), .seconds(5), .seconds(30)])
        #expect(try DurationList.parse("250, 1.5s,2m") == [.milliseconds(250), .milliseconds(1500), .seconds(120)])
        #expect(throws: ConsumerError.self) { try DurationList.parse("") }
        #expect(throws: ConsumerError.self) { try DurationList.parse("-1s") }
    }
}
