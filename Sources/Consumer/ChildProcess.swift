import Foundation
import WarrenProcess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One run of an external program: spawned with `posix_spawn` in its own process group, fed `stdin`, its output
/// collected up to a limit, its exit status reaped, all on a dedicated thread (never on Swift's cooperative pool).
///
/// The child gets an empty signal mask and default signal dispositions (a child of a Swift concurrency thread
/// would otherwise inherit blocked signals), its own process group, and the given environment; descriptors other
/// than 0-2 are not passed on when they are close-on-exec (NIO's and this type's are). Cancelling the
/// awaiting task kills the whole process group with `SIGKILL`; the outcome then reports the signal.
///
/// `@unchecked Sendable`: `exited` is only read or written with `lock` held, which also orders ``kill()`` before
/// the reaping `waitpid`, so a recycled pid is never signalled.
final class ChildProcess: @unchecked Sendable {
    /// The child's pid, which is also its process group id.
    let pid: pid_t
    private let lock = NSLock()
    private var exited = false

    private init(pid: pid_t) { self.pid = pid }

    /// Ignores `SIGPIPE` in this process (once), so writing to a child that closed its stdin fails with `EPIPE`
    /// instead of killing the consumer.
    static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    /// Runs `program` (a path) with `arguments` and `environment`, writes `input` to its stdin and returns how it
    /// ended. Throws ``ConsumerError/spawnFailed(program:errno:)`` when it cannot start, `CancellationError` when
    /// the task was cancelled before it started. Cancellation afterwards kills it and returns its outcome.
    static func run(
        program: String, arguments: [String], environment: [String: String], input: [UInt8], outputLimit: Int
    ) async throws -> ExecOutcome {
        ignoreBrokenPipes
        let (process, pipes) = try await spawnRetryingBusyText(
            program: program, arguments: arguments, environment: environment)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<ExecOutcome, Never>) in
                let thread = Thread {
                    continuation.resume(returning: process.collect(pipes: pipes, input: input, limit: outputLimit))
                }
                thread.name = "warren-exec-\(process.pid)"
                thread.start()
            }
        } onCancel: {
            process.kill()
        }
    }

    /// Kills the process group unless the child has been reaped.
    func kill() {
        lock.withLock {
            if !exited { _ = Glibc.kill(-pid, SIGKILL) }
        }
    }

    // MARK: - Spawning

    /// The parent's ends: write to the child's stdin, read its stdout and stderr.
    struct Pipes {
        var stdin: Int32
        var stdout: Int32
        var stderr: Int32
    }

    private static func spawn(
        program: String, arguments: [String], environment: [String: String]
    ) throws(ConsumerError) -> (ChildProcess, Pipes) {
        // Pipes and spawn under one lock: every spawn of this process goes through here, so no other child can
        // inherit these pipes between pipe() and FD_CLOEXEC (Glibc's Swift module has no pipe2).
        spawnLock.lock()
        defer { spawnLock.unlock() }
        return try spawnLocked(program: program, arguments: arguments, environment: environment)
    }

    /// ``spawn(program:arguments:environment:)``, tried again a few times on `ETXTBSY`: the program file is still
    /// open for writing somewhere (just installed or updated, or inherited by another process's child).
    private static func spawnRetryingBusyText(
        program: String, arguments: [String], environment: [String: String]
    ) async throws -> (ChildProcess, Pipes) {
        var attempt = 0
        while true {
            try Task.checkCancellation()
            do {
                return try spawn(program: program, arguments: arguments, environment: environment)
            } catch {
                guard case .spawnFailed(_, let code) = error, code == ETXTBSY, attempt < 5 else { throw error }
                attempt += 1
                try await Task.sleep(for: .milliseconds(20 << attempt))
            }
        }
    }

    private static let spawnLock = NSLock()

    private static func makePipe() -> [Int32]? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return fds
    }

    private static func spawnLocked(
        program: String, arguments: [String], environment: [String: String]
    ) throws(ConsumerError) -> (ChildProcess, Pipes) {
        guard let input = makePipe() else { throw .spawnFailed(program: program, errno: errno) }
        guard let output = makePipe() else {
            let code = errno
            closeAll(input)
            throw .spawnFailed(program: program, errno: code)
        }
        guard let errors = makePipe() else {
            let code = errno
            closeAll(input + output)
            throw .spawnFailed(program: program, errno: code)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)

        let (rc, pid) = spawnWithCleanSignals(
            path: program, arguments: arguments, environment: environment, actions: &actions, newProcessGroup: true)
        closeAll([input[0], output[1], errors[1]])
        guard rc == 0 else {
            closeAll([input[1], output[0], errors[0]])
            throw .spawnFailed(program: program, errno: rc)
        }
        for fd in [input[1], output[0], errors[0]] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        return (ChildProcess(pid: pid), Pipes(stdin: input[1], stdout: output[0], stderr: errors[0]))
    }

    private static func closeAll(_ fds: [Int32]) {
        for fd in fds where fd >= 0 { close(fd) }
    }

    // MARK: - Collecting (on the dedicated thread)

    /// Writes `input`, reads both outputs until end of file (keeping at most `limit` bytes of each), then reaps
    /// the child. Blocks its thread; closes every descriptor in `pipes`.
    private func collect(pipes: Pipes, input: [UInt8], limit: Int) -> ExecOutcome {
        var stdinFD: Int32 = pipes.stdin
        var readers: [(fd: Int32, data: [UInt8], truncated: Bool)] = [
            (pipes.stdout, [], false), (pipes.stderr, [], false),
        ]
        var written = 0
        if input.isEmpty {
            close(stdinFD)
            stdinFD = -1
        }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while readers.contains(where: { $0.fd >= 0 }) {
            var fds: [pollfd] = readers.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0))
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else { break }
            if stdinFD >= 0, fds[2].revents != 0 {
                let count = input[written...].withUnsafeBytes { write(stdinFD, $0.baseAddress, min($0.count, 65536)) }
                if count > 0 { written += count }
                if (count < 0 && errno != EAGAIN && errno != EINTR) || written == input.count {
                    close(stdinFD)
                    stdinFD = -1
                }
            }
            for index in readers.indices where readers[index].fd >= 0 && fds[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(readers[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    let room = max(limit - readers[index].data.count, 0)
                    readers[index].data.append(contentsOf: buffer[..<min(count, room)])
                    if count > room { readers[index].truncated = true }
                } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                    close(readers[index].fd)
                    readers[index].fd = -1
                }
            }
        }
        if stdinFD >= 0 { close(stdinFD) }
        for reader in readers where reader.fd >= 0 { close(reader.fd) }
        return ExecOutcome(
            termination: reap(), stdout: readers[0].data, stderr: readers[1].data, stdoutTruncated: readers[0].truncated
        )
    }

    /// Waits for the child to exit, marks it exited (so ``kill()`` stops signalling its group), then reaps it.
    private func reap() -> ExecOutcome.Termination {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        lock.withLock { exited = true }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if status & 0x7f == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(status & 0x7f)
    }
}
