public import Foundation

/// `posix_spawn` with an empty signal mask and default signal dispositions, the one way this project starts
/// processes.
///
/// A thread of Swift's cooperative pool blocks signals that libdispatch handles; a child spawned from it would
/// inherit that mask and ignore SIGTERM. `actions` sets up the child's descriptors; `newProcessGroup` puts the
/// child in a process group of its own (so a timeout can kill what it starts too). Returns `posix_spawn`'s result
/// and the child's pid. Callable from any thread; it does not wait for the child.
public func spawnWithCleanSignals(
    path: String, arguments: [String], environment: [String: String], actions: inout posix_spawn_file_actions_t,
    newProcessGroup: Bool = false
) -> (rc: Int32, pid: pid_t) {
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var noSignals = sigset_t()
    sigemptyset(&noSignals)
    posix_spawnattr_setsigmask(&attributes, &noSignals)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
    if newProcessGroup {
        posix_spawnattr_setpgroup(&attributes, 0)
        flags |= POSIX_SPAWN_SETPGROUP
    }
    posix_spawnattr_setflags(&attributes, Int16(flags))
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for pointer in envp { free(pointer) } }
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
    return (rc, pid)
}
