public import Warren

/// How an external command ended and what it wrote, and the mapping to a handler result.
///
/// A value type; `Sendable`; ``handlerResult()`` is pure (unit-tested).
public struct ExecOutcome: Sendable, Hashable {
    /// How the process ended.
    public enum Termination: Sendable, Hashable {
        /// It exited with this status.
        case exited(Int32)
        /// A signal ended it.
        case signaled(Int32)
    }

    /// `EX_TEMPFAIL` from sysexits.h: the exit status that asks for a retry.
    public static let retryExitStatus: Int32 = 75
    /// The most bytes of stderr quoted in a failure reason.
    public static let reasonLimit = 1024

    /// How it ended.
    public var termination: Termination
    /// Its standard output (at most the configured limit).
    public var stdout: [UInt8]
    /// Its standard error (at most the configured limit).
    public var stderr: [UInt8]
    /// Whether stdout went past the limit (the rest was discarded).
    public var stdoutTruncated: Bool

    /// Creates an outcome.
    public init(termination: Termination, stdout: [UInt8], stderr: [UInt8], stdoutTruncated: Bool = false) {
        self.termination = termination
        self.stdout = stdout
        self.stderr = stderr
        self.stdoutTruncated = stdoutTruncated
    }

    /// Exit 0 → the result: stdout as JSON when it parses, else as a string (`null` when empty); exit 75 →
    /// retryable; a signal → retryable (e.g. the OOM killer); any other status, or stdout over the limit →
    /// permanent, with (the start of) stderr as the reason.
    public func handlerResult() -> Result<JSONValue, HandlerFailure> {
        switch termination {
        case .exited(0):
            guard !stdoutTruncated else {
                return .failure(.permanent(reason: "the command's output exceeded the limit"))
            }
            return .success(Self.result(from: stdout))
        case .exited(Self.retryExitStatus):
            return .failure(.retryable(reason: reason(prefix: "the command asked for a retry (exit 75)")))
        case .exited(let status):
            return .failure(.permanent(reason: reason(prefix: "the command failed with exit status \(status)")))
        case .signaled(let signal):
            return .failure(.retryable(reason: reason(prefix: "the command was killed by signal \(signal)")))
        }
    }

    /// Stdout as a result: JSON when it parses, else the text (invalid UTF-8 repaired), `null` when empty.
    static func result(from bytes: [UInt8]) -> JSONValue {
        let text = String(decoding: bytes, as: UTF8.self)
        let trimmed = text.trimmingTrailingNewlines()
        if trimmed.isEmpty { return .null }
        if let json = try? JSONValue.parse(Array(trimmed.utf8)) { return json }
        return .string(trimmed)
    }

    private func reason(prefix: String) -> String {
        let text = String(decoding: stderr.prefix(Self.reasonLimit), as: UTF8.self).trimmingTrailingNewlines()
        return text.isEmpty ? prefix : "\(prefix): \(text)"
    }
}

extension String {
    /// The string without trailing `\n` and `\r`.
    func trimmingTrailingNewlines() -> String {
        var end = endIndex
        while end > startIndex, let last = self[..<end].last, last == "\n" || last == "\r" || last == "\r\n" {
            end = index(before: end)
        }
        return String(self[..<end])
    }
}
