import Foundation

/// Reads a bearer token from a file or a variable, the same way for every service and client.
///
/// Stateless; any thread.
public enum BearerToken {
    /// The shortest token accepted.
    public static let minimumLength = 16

    /// The token in `file` (or the file named by `fileVariable`; trailing whitespace trimmed), else the value of
    /// `valueVariable`, else nil. Throws ``ServiceError/invalidConfiguration(_:)`` for an unreadable file or a token
    /// shorter than ``minimumLength``; the message names the file or variable, never the token.
    public static func load(
        file: String?, environment env: EnvironmentReader, fileVariable: String, valueVariable: String
    ) throws(ServiceError) -> String? {
        if let path = file ?? env[fileVariable] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .invalidConfiguration("cannot read the token file \(path)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard token.utf8.count >= minimumLength else {
                throw .invalidConfiguration("the token in \(path) is shorter than \(minimumLength) characters")
            }
            return token
        }
        if let token = env[valueVariable] {
            guard token.utf8.count >= minimumLength else {
                throw .invalidConfiguration("$\(valueVariable) is shorter than \(minimumLength) characters")
            }
            return token
        }
        return nil
    }
}
