import Foundation
import GRDB
import GroupCommit
import Warren

/// The consumer's idempotency store: SQLite (GRDB `DatabasePool`, WAL) at `<data-dir>/consumer.sqlite`.
///
/// A processed event's row and the `effects` counter are written in one transaction with the handler's result,
/// and the message is acknowledged only after that commit; a redelivered event whose row exists is acknowledged
/// without running its handler again. `synchronous = FULL`: every commit is fsynced before it returns, so an ack
/// never runs ahead of a commit that a power loss could undo (`NORMAL` in WAL mode survives a process crash but may
/// lose the last commits on power loss, which would break "exactly once effect" for events already acked).
/// Commits of handlers that finish at the same time share one transaction and one fsync (`GroupCommitWriter`); each
/// still returns only once the transaction holding it is committed.
///
/// Threading: `Sendable`. GRDB runs every statement on its own dispatch queues (one writer, a pool of readers);
/// the async methods suspend the caller without blocking Swift's cooperative pool.
public final class ProcessedStore: Sendable {
    /// The outcome of ``commit(_:)``.
    public enum CommitOutcome: Sendable, Hashable {
        /// The row was written and the effect counted.
        case committed
        /// A row for this id already existed (another run won); nothing was written. Carries the stored row.
        case duplicate(ProcessedRecord)
    }

    /// Persistent totals.
    public struct Totals: Sendable, Hashable {
        /// Rows in the store: distinct events whose effect is committed.
        public var events: Int
        /// Handler effects ever committed (one per committed row; more would be a duplicate effect).
        public var effects: Int
    }

    private let pool: DatabasePool
    /// Commits of concurrent handlers share one transaction (and one fsync).
    private let writer: GroupCommitWriter

    /// Opens (creating the directory and file if needed) and migrates the store in `directory`.
    public init(directory: String) throws(ConsumerError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            var configuration = Configuration()
            configuration.label = "warren-consumer"
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            pool = try DatabasePool(path: "\(directory)/consumer.sqlite", configuration: configuration)
            try Self.migrator.migrate(pool)
            writer = GroupCommitWriter(pool)
        } catch {
            throw .store("cannot open \(directory)/consumer.sqlite: \(Self.describe(error))")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: processed events and counters") { db in
            try db.execute(
                sql: """
                    CREATE TABLE processed_event (
                        id TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL,
                        attempt INTEGER NOT NULL,
                        result TEXT NOT NULL,
                        processed_at TEXT NOT NULL,
                        handler_duration_ms REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE counter (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                    INSERT INTO counter (name, value) VALUES ('effects', 0);
                    """)
        }
        return migrator
    }

    // MARK: - Reads and writes

    /// The stored row for `id`, if its effect is committed.
    public func record(id: String) async throws(ConsumerError) -> ProcessedRecord? {
        do {
            return try await pool.read { db in
                try Row.fetchOne(
                    db.cachedStatement(sql: "SELECT * FROM processed_event WHERE id = ?"), arguments: [id]
                )
                .map(Self.record(from:))
            }
        } catch {
            throw .store("cannot read: \(Self.describe(error))")
        }
    }

    /// Writes `record` and counts one effect, in one transaction, unless a row for its id exists.
    public func commit(_ record: ProcessedRecord) async throws(ConsumerError) -> CommitOutcome {
        let result = String(decoding: record.result.encoded(), as: UTF8.self)
        let milliseconds =
            Double(record.handlerDuration.components.seconds) * 1000
            + Double(record.handlerDuration.components.attoseconds) / 1e15
        do {
            return try await writer.write(durable: true) { db in
                // Cached statements: compiled once per connection, not once per event.
                try db.cachedStatement(
                    sql: """
                        INSERT INTO processed_event (id, type, attempt, result, processed_at, handler_duration_ms)
                        VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING
                        """
                ).execute(
                    arguments: [
                        record.id, record.type, record.attempt, result, Timestamp.format(record.processedAt),
                        milliseconds,
                    ])
                guard db.changesCount == 1 else {
                    let existing = try Row.fetchOne(
                        db, sql: "SELECT * FROM processed_event WHERE id = ?", arguments: [record.id])
                    return .duplicate(existing.map(Self.record(from:)) ?? record)
                }
                try db.cachedStatement(sql: "UPDATE counter SET value = value + 1 WHERE name = 'effects'").execute()
                return .committed
            }
        } catch {
            throw .store("cannot commit: \(Self.describe(error))")
        }
    }

    /// The persistent totals.
    public func totals() async throws(ConsumerError) -> Totals {
        do {
            return try await pool.read { db in
                let events = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM processed_event") ?? 0
                let effects = try Int.fetchOne(db, sql: "SELECT value FROM counter WHERE name = 'effects'") ?? 0
                return Totals(events: events, effects: effects)
            }
        } catch {
            throw .store("cannot read: \(Self.describe(error))")
        }
    }

    // MARK: - Mapping

    private static func record(from row: Row) -> ProcessedRecord {
        let resultText: String = row["result"]
        let milliseconds: Double = row["handler_duration_ms"]
        return ProcessedRecord(
            id: row["id"], type: row["type"], attempt: row["attempt"],
            result: (try? JSONValue.parse(Array(resultText.utf8))) ?? .null,
            processedAt: Timestamp.parse(row["processed_at"]) ?? Date(timeIntervalSince1970: 0),
            handlerDuration: .microseconds(Int64(milliseconds * 1000)))
    }

    /// A one-line, safe description of a GRDB or file-system error.
    private static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown")"
        }
        return (error as NSError).localizedDescription
    }
}
