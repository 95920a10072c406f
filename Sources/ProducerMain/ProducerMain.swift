import ArgumentParser
import Foundation

/// The entry point: parse errors exit with code 2 (ArgumentParser's own would be 64), `--help` with 0.
@main
enum ProducerMain {
    static func main() async {
        do {
            var command = try ProducerCommand.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = ProducerCommand.exitCode(for: error)
            if code == .success || error is ExitCode { ProducerCommand.exit(withError: error) }
            FileHandle.standardError.write(Data("producer: \(ProducerCommand.message(for: error))\n".utf8))
            Foundation.exit(2)
        }
    }
}
