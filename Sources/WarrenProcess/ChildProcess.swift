public import Foundation

/// A child process started with `posix_spawn`, its output appended to a log file, stopped with real signals.
///
/// Spawned with an empty signal mask and default dispositions: a child of a Swift concurrency thread otherwise
/// inherits the blocked signals of that thread, and a service started that way ignores SIGTERM. The exit status
/// is collected by a dedicated thread blocked in `waitpid`, never on the cooperative pool.
///
/// `@unchecked Sendable`: the only mutable state, the exit status, is read and written with `lock` held.
public final class ChildProcess: @unchecked Sendable {
    /// The child's process id.
    public let pid: pid_t
    /// Where its stdout and stderr go.
    public let logPath: String
    private let lock = NSLock()
    private var exitStatus: Int32?

    /// Starts `path` with `arguments`; `environment` is added to (and overrides) this process's environment,
    /// keys mapped to nil are removed. Stdin is `/dev/null`; stdout and stderr are appended to `logPath`.
    public convenience init(
        path: String, arguments: [String], environment: [String: String?] = [:], logPath: String
    ) throws {
        try self.init(
            path: path, arguments: arguments, environment: environment, stdin: "/dev/null", stdout: logPath,
            stderr: nil)
    }

    /// Starts `path` with `arguments`, stdin read from the file `stdin`, stdout appended to the file `stdout`, and
    /// stderr appended to the file `stderr` (or to `stdout` when nil). ``logPath`` is `stdout`.
    public init(
        path: String, arguments: [String], environment: [String: String?] = [:], stdin: String, stdout: String,
        stderr: String?
    ) throws {
        let logPath = stdout
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let stderr {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let (rc, child) = spawnWithCleanSignals(
            path: path, arguments: arguments, environment: env, actions: &actions)
        guard rc == 0 else {
            throw ChildProcessError(message: "cannot start \(path): \(String(cString: strerror(rc)))")
        }
        pid = child
        self.logPath = logPath
        let spawned = child
        let waiter = Thread { [self] in
            var status: Int32 = 0
            while waitpid(spawned, &status, 0) < 0 && errno == EINTR {}
            let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            lock.withLock { exitStatus = code }
        }
        waiter.start()
    }

    /// The exit code (or 128 + signal), nil while it runs.
    public var exitCode: Int32? { lock.withLock { exitStatus } }

    /// Sends `signal` (SIGTERM, SIGKILL, SIGSTOP, SIGCONT, …) unless it has already exited.
    public func send(_ signal: Int32) {
        guard exitCode == nil else { return }
        kill(pid, signal)
    }

    /// Waits up to `timeout` for it to exit; its exit code, or nil if it still runs.
    @discardableResult
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let code = exitCode { return code }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exitCode
    }

    /// SIGCONT (in case it is stopped) and SIGTERM, then SIGKILL if it has not exited after `grace`; the exit
    /// code.
    @discardableResult
    public func stop(grace: Duration = .seconds(30)) async -> Int32 {
        send(SIGCONT)
        send(SIGTERM)
        if let code = await waitForExit(timeout: grace) { return code }
        send(SIGKILL)
        return await waitForExit(timeout: .seconds(10)) ?? -1
    }

    /// Everything it has written so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
}

/// A child process could not be started.
public struct ChildProcessError: Error, CustomStringConvertible {
    /// What failed.
    public var message: String
    /// Creates the error.
    public init(message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
