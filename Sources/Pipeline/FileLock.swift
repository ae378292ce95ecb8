import Foundation

/// A `flock` on a lock file, exclusive or shared. The kernel releases it when the process
/// dies, so a killed run never leaves a stale lock behind.
///
/// The artifact store uses two lock files per stage key (see `ArtifactStore`):
/// - the *compute* lock (`<key>.lock`), held exclusively by the one process computing the
///   stage in its work folder;
/// - the *use* lock (`<key>.use`), held shared by every running `krill run` that uses the
///   key, from the moment the key is known until the run ends; `krill gc` takes it
///   exclusively, without waiting, and leaves the entry alone when it cannot.
public final class FileLock: @unchecked Sendable {
    private let fd: Int32
    public let path: String

    /// Opens (creating) the lock file; does not lock yet.
    public init(path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o666)
        // flock needs no write access: a lock file another user created still locks.
        if descriptor < 0 && errno == EACCES { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
        fd = descriptor
        guard fd >= 0 else { throw PipelineError.io("\(path): cannot open lock file: \(String(cString: strerror(errno)))") }
        self.path = path
    }

    deinit { close(fd) }

    /// Takes the lock without waiting; false when another process holds it in a
    /// conflicting mode.
    public func tryLock(shared: Bool = false) -> Bool {
        flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0
    }

    /// Waits for the lock.
    /// - Throws: `PipelineError.io` when the filesystem cannot lock (a network filesystem
    ///   without working `flock`: krill never runs unlocked).
    public func lock(shared: Bool = false) throws {
        while flock(fd, shared ? LOCK_SH : LOCK_EX) != 0 {
            if errno == EINTR { continue }
            let why = String(cString: strerror(errno))
            if [ENOLCK, ENOSYS, EOPNOTSUPP, EINVAL].contains(errno) {
                throw PipelineError.io("\(path): the filesystem cannot take a file lock (flock: \(why)); krill's cache needs flock across machines (on Lustre: mount with -o flock; docs/slurm.md)")
            }
            throw PipelineError.io("\(path): flock failed: \(why)")
        }
    }

    public func unlock() { flock(fd, LOCK_UN) }
}

/// The shared use locks a run holds on every stage key it uses (see `FileLock`), released
/// together when the run ends (or when the process dies).
public final class UseLocks: @unchecked Sendable {
    private let store: ArtifactStore
    private let mutex = NSLock()
    private var held: [String: FileLock] = [:]

    public init(store: ArtifactStore) { self.store = store }

    /// Takes a shared use lock on `key` (waiting while `krill gc` holds it exclusively);
    /// does nothing when this run already holds it.
    public func hold(_ key: String) throws {
        mutex.lock()
        let already = held[key] != nil
        mutex.unlock()
        if already { return }
        let lock = try FileLock(path: store.useLockPath(key: key))
        try lock.lock(shared: true)
        mutex.lock()
        if held[key] == nil { held[key] = lock } else { lock.unlock() }
        mutex.unlock()
    }

    /// The keys held.
    public var keys: Set<String> {
        mutex.lock()
        defer { mutex.unlock() }
        return Set(held.keys)
    }

    /// Releases every lock.
    public func releaseAll() {
        mutex.lock()
        for lock in held.values { lock.unlock() }
        held = [:]
        mutex.unlock()
    }

    deinit { releaseAll() }
}

/// Failures of the engine itself.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    case io(String)
    case graph(String)
    case stageFailed(node: String, message: String)
    case notFound(String)
    /// SIGINT or SIGTERM stopped the run; `stopped` names what was running and where it
    /// stopped (`train@3: epoch 3, step 12 of 60`).
    case interrupted(signal: Int32, stopped: [String])

    public var description: String {
        switch self {
        case .io(let m), .graph(let m), .notFound(let m): return m
        case let .stageFailed(node, message): return "stage \(node) failed: \(message)"
        case let .interrupted(signal, stopped):
            let name = signal == SIGTERM ? "SIGTERM" : signal == SIGINT ? "SIGINT" : signal == SIGUSR1 ? "SIGUSR1" : "signal \(signal)"
            return "interrupted by \(name)" + (stopped.isEmpty ? " between stages" : " during " + stopped.joined(separator: "; "))
        }
    }
}
