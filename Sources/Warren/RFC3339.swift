public import Foundation

/// RFC 3339 timestamps, as CloudEvents `time` and status `at` use them.
public enum RFC3339 {
    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let withoutFraction = Date.ISO8601FormatStyle()

    /// `2024-05-01T12:00:00.123Z`: UTC, milliseconds.
    public static func format(_ date: Date) -> String {
        withFraction.format(date)
    }

    /// Parses `2024-05-01T12:00:00Z`, with or without fractional seconds, `Z` or a numeric offset.
    public static func parse(_ text: String) -> Date? {
        guard text.utf8.count <= 64 else { return nil }
        let upper = text.uppercased()
        return (try? withFraction.parse(upper)) ?? (try? withoutFraction.parse(upper))
    }
}
