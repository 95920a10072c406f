public import Logging

/// Logging for the services: swift-log to standard error, one line per record with its metadata, at one level.
///
/// ``bootstrap(level:)`` must run once, first thing in `main`, before any logger is created.
public enum ServiceLogging {
    /// Installs the stderr handler at `level` for every logger of the process.
    public static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
