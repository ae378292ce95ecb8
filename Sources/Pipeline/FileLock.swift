import Foundation

/// An exclusive `flock` on a lock file. The kernel releases it when the process dies,
/// so a killed run never leaves a stale lock behind.
public final class FileLock {
    private let fd: Int32
    public let path: String

    /// Opens (creating) the lock file; does not lock yet.
    public init(path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PipelineError.io("\(path): cannot open lock file: \(String(cString: strerror(errno)))") }
        self.path = path
    }

    deinit { close(fd) }

    /// Takes the lock without waiting; false when another process holds it.
    public func tryLock() -> Bool { flock(fd, LOCK_EX | LOCK_NB) == 0 }

    /// Waits for the lock.
    public func lock() throws {
        while flock(fd, LOCK_EX) != 0 {
            if errno != EINTR { throw PipelineError.io("\(path): flock failed: \(String(cString: strerror(errno)))") }
        }
    }

    public func unlock() { flock(fd, LOCK_UN) }
}

/// Failures of the engine itself.
public enum PipelineError: Error, CustomStringConvertible, Equatable {
    case io(String)
    case graph(String)
    case stageFailed(node: String, message: String)
    case notFound(String)

    public var description: String {
        switch self {
        case .io(let m), .graph(let m), .notFound(let m): return m
        case let .stageFailed(node, message): return "stage \(node) failed: \(message)"
        }
    }
}
