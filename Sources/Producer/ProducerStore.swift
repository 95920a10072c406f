import Foundation
import GRDB
import GroupCommit
import NIOConcurrencyHelpers
import Warren

/// The producer's SQLite database (GRDB, WAL): events and their status history, the outbox of events waiting for
/// the broker, and the webhook deliveries still to make.
///
/// One instance per process owns the file; `Sendable`, every method may be called from any task. Writes are
/// serialized by GRDB's writer queue and reads run concurrently on its reader pool: none of them runs on the Swift
/// cooperative pool. Commits that accept an event use `synchronous=FULL` (durable before they return: that is what
/// lets the producer answer `202`); the others use `NORMAL`.
///
/// Transactional outbox: every accepted event is committed together with its outbox row. A request that publishes
/// the event itself marks the row as its own until the broker confirms it (then the row is deleted) or does not
/// (then the row is left to ``OutboxForwarder``). After a crash every row still there is forwarded again.
public final class ProducerStore: Sendable {
    let pool: DatabasePool
    /// Every write transaction goes through it: concurrent requests share one commit.
    let writer: GroupCommitWriter
    /// The outbox's rows as counted in memory (the hot path never counts the table) and those a request is
    /// publishing itself right now (the forwarder leaves them alone).
    let outboxState: NIOLockedValueBox<OutboxState>

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String) throws(ProducerError) {
        do {
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            configuration.busyMode = .timeout(5)
            let pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
            self.pool = pool
            writer = GroupCommitWriter(pool)
            outboxState = NIOLockedValueBox(
                OutboxState(
                    rows: try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0 }))
        } catch {
            throw .storage("cannot open \(path): \(error)")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        id TEXT PRIMARY KEY NOT NULL,
                        type TEXT NOT NULL,
                        status TEXT NOT NULL,
                        attempt INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        updated_at REAL NOT NULL,
                        result TEXT,
                        error TEXT,
                        callback_url TEXT,
                        idempotency_key TEXT UNIQUE
                    );
                    CREATE TABLE status_history (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                        status TEXT NOT NULL,
                        attempt INTEGER NOT NULL,
                        at REAL NOT NULL,
                        result TEXT,
                        error TEXT
                    );
                    CREATE INDEX status_history_event ON status_history(event_id, seq);
                    CREATE TABLE outbox (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        event_id TEXT NOT NULL,
                        body BLOB NOT NULL,
                        spooled_at REAL NOT NULL
                    );
                    CREATE TABLE webhooks (
                        event_id TEXT PRIMARY KEY NOT NULL,
                        url TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at REAL NOT NULL,
                        state TEXT NOT NULL DEFAULT 'pending',
                        last_error TEXT
                    );
                    CREATE INDEX webhooks_due ON webhooks(state, next_attempt_at);
                    """)
        }
        migrator.registerMigration("v2-health") { db in
            try db.execute(sql: "CREATE TABLE health (id INTEGER PRIMARY KEY CHECK (id = 1), at REAL NOT NULL)")
        }
        return migrator
    }

    /// Writes one tiny row (not fsynced): throws when the store cannot take writes (disk full, file system
    /// read-only, database damaged). ``StoreProbe`` calls it for `/readyz`.
    public func probeWrite() async throws {
        let now = Date().timeIntervalSince1970
        try await write(durable: false) { db in
            try db.execute(sql: "INSERT OR REPLACE INTO health (id, at) VALUES (1, ?)", arguments: [now])
        }
    }

    /// Runs `body` in a write transaction of its own (a savepoint in a group commit shared with concurrent writes),
    /// mapping database errors to ``ProducerError/storage(_:)``.
    ///
    /// `durable` commits with `synchronous=FULL` (fsync before returning: the outbox, which a `202` promises);
    /// otherwise with `synchronous=NORMAL` (in WAL mode: safe against a process crash, not against power loss), for
    /// rows that only track what RabbitMQ already holds durably (an event it confirmed, a status update).
    func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T
    {
        do {
            return try await writer.write(durable: durable, body)
        } catch let error as ProducerError {
            throw error
        } catch {
            throw ProducerError.storage("\(error)")
        }
    }

    /// Runs `body` on a reader, mapping database errors to ``ProducerError/storage(_:)``.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw ProducerError.storage("\(error)")
        }
    }

    static func json(_ value: JSONValue?) -> String? {
        value.map { String(decoding: $0.encoded(), as: UTF8.self) }
    }

    static func jsonValue(_ text: String?) -> JSONValue? {
        text.flatMap { try? JSONValue.parse(Array($0.utf8)) }
    }
}
