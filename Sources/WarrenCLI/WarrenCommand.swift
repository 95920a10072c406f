import ArgumentParser

/// `warren`: the command-line tool for people. Publish and consume by hand (like amqp-tools, with confirms and
/// properties), declare queues, and run the benchmarks.
@main
struct WarrenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "warren",
        abstract: "Warren's command-line tool: publish, consume and declare on RabbitMQ, and run benchmarks.",
        discussion: """
            Exit codes: 0 success; 1 the operation failed (e.g. a message was not confirmed); 64 bad arguments; \
            66 the queue or exchange does not exist; 69 the broker is unreachable; 77 the broker refused the \
            credentials.
            """,
        subcommands: [
            DeclareQueueCommand.self, PublishCommand.self, ConsumeCommand.self, DeadLettersCommand.self,
            BenchCommand.self, DemoCommand.self,
        ]
    )
}
