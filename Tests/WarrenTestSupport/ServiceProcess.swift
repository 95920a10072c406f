public import Foundation

/// One of the project's own executables (`producer`, `consumer`, `warren`) running as a real child process, its
/// stdout and stderr going to a log file, stopped with real signals.
///
/// `Sendable` (the exit status is only touched under `lock`); the exit status is collected by a dedicated thread blocked in `waitpid`, never on the cooperative
/// pool. Spawned with an empty signal mask and default dispositions (see ``runProcess(_:_:stdin:)``).
public final class ServiceProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t
    /// Where its output goes.
    public let logPath: String
    /// Which executable.
    public let name: String
    private let lock = NSLock()
    nonisolated(unsafe) private var exitStatusValue: Int32?

    /// The directory holding the built executables: `$WARREN_BIN_DIR`, else the test bundle's own directory
    /// (SwiftPM puts products and the test runner side by side).
    public static var binDirectory: String {
        if let dir = ProcessInfo.processInfo.environment["WARREN_BIN_DIR"], !dir.isEmpty { return dir }
        let exe =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: exe).deletingLastPathComponent().path
    }

    /// Starts `product` from ``binDirectory`` with `arguments`; `environment` is added to (and overrides) this
    /// process's environment; keys mapped to nil are removed.
    public static func start(
        _ product: String, arguments: [String], environment: [String: String?] = [:], logPath: String? = nil
    ) throws -> ServiceProcess {
        let path = "\(binDirectory)/\(product)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BrokerScriptError(message: "\(path) is not built; run swift build first")
        }
        let log =
            logPath
            ?? FileManager.default.temporaryDirectory.appendingPathComponent(
                "warren-\(product)-\(UUID().uuidString.prefix(8)).log"
            ).path
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw BrokerScriptError(message: "cannot start \(path): error \(rc)") }
        let process = ServiceProcess(pid: pid, logPath: log, name: product)
        let waiter = Thread { [process] in
            var status: Int32 = 0
            while waitpid(process.pid, &status, 0) < 0 && errno == EINTR {}
            let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            process.setExit(code)
        }
        waiter.start()
        return process
    }

    private init(pid: pid_t, logPath: String, name: String) {
        self.pid = pid
        self.logPath = logPath
        self.name = name
    }

    /// The exit code (or 128 + signal), nil while it runs.
    public var exitCode: Int32? { lock.withLock { exitStatusValue } }

    private func setExit(_ code: Int32) { lock.withLock { exitStatusValue = code } }

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

    /// SIGTERM (after SIGCONT, in case it is stopped), then SIGKILL if it has not exited after `grace`; returns
    /// the exit code.
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

/// A TCP port on 127.0.0.1 that was free a moment ago (bound to 0, read back, closed).
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
