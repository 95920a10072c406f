import Foundation
import GRDB
import GroupCommit
import Synchronization
import Testing

@Suite struct GroupCommitWriterTests {
    /// A fresh WAL database in a temporary directory with one table `item(id TEXT PRIMARY KEY)`.
    private static func database() throws -> DatabasePool {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("group-commit-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        let pool = try DatabasePool(
            path: directory.appendingPathComponent("test.sqlite").path, configuration: configuration)
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE parent (id INTEGER PRIMARY KEY);
                    CREATE TABLE item (
                        id TEXT PRIMARY KEY NOT NULL,
                        parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED
                    );
                    """)
        }
        return pool
    }

    /// Runs `body` while a call inserting `id` holds the writer (its body sleeps 0.3 s on the writer's queue), so
    /// the calls `body` starts queue behind it and form the next batch.
    private static func whileHolding<T>(
        _ writer: GroupCommitWriter, id: String, until queued: Int, _ body: () async throws -> T
    ) async throws -> T {
        let holding = Atomic(false)
        async let holder: Void = writer.write(durable: false) { db in
            try db.execute(sql: "INSERT INTO item (id) VALUES (?)", arguments: [id])
            holding.store(true, ordering: .sequentiallyConsistent)
            // Holds the batch until the body's calls are queued behind it (however loaded the machine is).
            let deadline = Date().addingTimeInterval(10)
            while writer.queuedCalls < queued && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        }
        while !holding.load(ordering: .sequentiallyConsistent) { try await Task.sleep(for: .milliseconds(5)) }
        let result = try await body()
        try await holder
        return result
    }

    private static func outcome(_ body: () async throws -> Void) async -> Result<Void, any Error> {
        do {
            try await body()
            return .success(())
        } catch {
            return .failure(error)
        }
    }

    private static func ids(in pool: DatabasePool) throws -> Set<String> {
        try pool.read { db in Set(try String.fetchAll(db, sql: "SELECT id FROM item")) }
    }

    @Test func aLoneCallIsAPlainTransactionAndReturnsItsValue() async throws {
        let pool = try Self.database()
        let writer = GroupCommitWriter(pool)
        let count = try await writer.write(durable: true) { db in
            try db.execute(sql: "INSERT INTO item (id) VALUES ('a')")
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM item") ?? -1
        }
        #expect(count == 1)
        #expect(try Self.ids(in: pool) == ["a"])
        #expect(writer.statistics == .init(batches: 1, calls: 1))
    }

    @Test func concurrentCallsShareTransactionsAndAllCommit() async throws {
        let pool = try Self.database()
        let writer = GroupCommitWriter(pool)
        let calls = 400
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<calls {
                group.addTask {
                    try await writer.write(durable: index.isMultiple(of: 2)) { db in
                        try db.execute(sql: "INSERT INTO item (id) VALUES (?)", arguments: ["\(index)"])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try Self.ids(in: pool) == Set((0..<calls).map { "\($0)" }))
        let statistics = writer.statistics
        #expect(statistics.calls == calls)
        #expect(statistics.batches < calls, "400 concurrent calls never shared a transaction")
    }

    @Test func aThrowingBodyRollsBackOnlyItsOwnChanges() async throws {
        struct Refused: Error {}
        let pool = try Self.database()
        let writer = GroupCommitWriter(pool)
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for index in 0..<100 {
                group.addTask {
                    do {
                        try await writer.write(durable: false) { db in
                            try db.execute(sql: "INSERT INTO item (id) VALUES (?)", arguments: ["\(index)"])
                            if index.isMultiple(of: 3) { throw Refused() }
                        }
                        return (index, true)
                    } catch is Refused {
                        return (index, false)
                    }
                }
            }
            return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 100)
        for (index, committed) in outcomes { #expect(committed == !index.isMultiple(of: 3)) }
        let expected = Set((0..<100).filter { !$0.isMultiple(of: 3) }.map { "\($0)" })
        #expect(try Self.ids(in: pool) == expected)
    }

    @Test func aFailedCommitFailsEveryCallOfItsBatchAndNoOther() async throws {
        let pool = try Self.database()
        let writer = GroupCommitWriter(pool)
        let (orphanOutcome, bystanderOutcome) = try await Self.whileHolding(writer, id: "first", until: 2) {
            // A deferred foreign key fails at COMMIT, not in the statement: the whole second batch fails.
            async let orphan = Self.outcome {
                try await writer.write(durable: false) { db in
                    try db.execute(sql: "INSERT INTO item (id, parent) VALUES ('orphan', 42)")
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            async let bystander = Self.outcome {
                try await writer.write(durable: false) { db in
                    try db.execute(sql: "INSERT INTO item (id) VALUES ('bystander')")
                }
            }
            return await (orphan, bystander)
        }
        #expect(throws: DatabaseError.self) { try orphanOutcome.get() }
        #expect(throws: DatabaseError.self) { try bystanderOutcome.get() }
        #expect(try Self.ids(in: pool) == ["first"])
        #expect(writer.statistics == .init(batches: 2, calls: 3))
        // The writer is usable afterwards.
        try await writer.write(durable: true) { db in try db.execute(sql: "INSERT INTO item (id) VALUES ('after')") }
        #expect(try Self.ids(in: pool) == ["first", "after"])
    }

    @Test func aCancelledCallerNeitherFailsItsBatchNorLosesItsOwnWrite() async throws {
        let pool = try Self.database()
        let writer = GroupCommitWriter(pool)
        // The next two calls queue into one batch, led by the first of them, which is then cancelled.
        try await Self.whileHolding(writer, id: "holder", until: 2) {
            let leader = Task {
                try await writer.write(durable: true) { db in
                    try db.execute(sql: "INSERT INTO item (id) VALUES ('leader')")
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            async let follower: Void = writer.write(durable: true) { db in
                try db.execute(sql: "INSERT INTO item (id) VALUES ('follower')")
            }
            leader.cancel()
            try await follower
            try await leader.value
        }
        #expect(try Self.ids(in: pool) == ["holder", "leader", "follower"])
        #expect(writer.statistics == .init(batches: 2, calls: 3))
    }

    @Test func batchesAreCappedAtTheMaximum() async throws {
        let pool = try Self.database()
        let writer = GroupCommitWriter(pool, maximumBatch: 4)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<64 {
                group.addTask {
                    try await writer.write(durable: false) { db in
                        try db.execute(sql: "INSERT INTO item (id) VALUES (?)", arguments: ["\(index)"])
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try Self.ids(in: pool).count == 64)
        #expect(writer.statistics.batches >= 16)
    }
}
