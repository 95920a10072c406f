import ArgumentParser

/// `warren bench`: benchmarks that print figures (never pass/fail on time).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Run benchmarks and print their figures.",
        subcommands: [LibraryBenchCommand.self])
}
