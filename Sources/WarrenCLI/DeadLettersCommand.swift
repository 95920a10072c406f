import ArgumentParser

/// `warren dead-letters`: inspect and replay the consumer's dead-letter queue (`<prefix>.dead`).
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List or replay the messages the consumer dead-lettered.",
        subcommands: [DeadLettersListCommand.self, DeadLettersReplayCommand.self])
}

/// The options both dead-letter commands share.
struct DeadLetterOptions: ParsableArguments {
    @Option(name: .long, help: "Topology prefix (default: $WARREN_PREFIX, else warren).") var prefix: String?
    @Option(name: .long, help: "Seconds to wait for the queue's messages to arrive.") var timeout: Double = 10

    func validate() throws {
        if timeout <= 0 { throw ValidationError("--timeout must be positive") }
    }
}
