import ArgumentParser
import Consumer
import Foundation
import WarrenService

/// `consumer`: parses flags and environment, exits 2 with one line on stderr for any invalid configuration (0 for
/// `--help`), then runs the service until SIGTERM or SIGINT.
struct ConsumerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consumer",
        abstract: "Warren's consumer: drains warren.events with concurrent handlers, exactly-once effects, retries "
            + "and dead letters.",
        discussion: """
            Endpoints: GET /healthz, GET /readyz, GET /metrics, GET /v1/stats, POST /v1/process. Built-in handler: \
            demo.work; --exec PROGRAM [--exec-arg ARG]... runs a program per event. Exit codes: 0 stopped cleanly, \
            1 failed at run time, 2 invalid configuration.
            """)

    @OptionGroup var options: ConsumerOptions
}

let environment = ProcessInfo.processInfo.environment
let configuration: ConsumerConfiguration
do {
    let command = try ConsumerCommand.parse(Array(CommandLine.arguments.dropFirst()))
    configuration = try command.options.validated(environment: environment)
} catch let error as ConsumerError {
    FileHandle.standardError.write(Data("consumer: \(error)\n".utf8))
    exit(2)
} catch {
    if ConsumerCommand.exitCode(for: error) == .success {
        print(ConsumerCommand.fullMessage(for: error))
        exit(0)
    }
    let message = ConsumerCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "bad arguments"
    FileHandle.standardError.write(Data("consumer: invalid configuration: \(message)\n".utf8))
    exit(2)
}

ServiceLogging.bootstrap(level: configuration.service.logLevel)
do {
    try await ConsumerApp.run(configuration: configuration, environment: environment)
} catch {
    FileHandle.standardError.write(Data("consumer: \(error)\n".utf8))
    exit(1)
}
