import Foundation

/// RFC 3339 timestamps in UTC with milliseconds, for dead-letter headers and the store. Stateless; thread-safe.
enum Timestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `2024-05-01T12:00:00.123Z`.
    static func format(_ date: Date) -> String { style.format(date) }

    /// Parses what ``format(_:)`` writes.
    static func parse(_ text: String) -> Date? { try? style.parse(text) }
}
