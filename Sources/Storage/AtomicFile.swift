import Foundation

/// Writes files so that a reader never sees half of one: the bytes go to a temporary
/// file in the same folder, which is fsync'ed and then renamed over the destination
/// (rename is atomic within a file system), and the folder is fsync'ed after.
public enum AtomicFile {
    /// Writes `data` to `url` atomically, creating missing parent folders.
    /// - Parameter durable: fsync the file and its folder. Bulk writers may pass false and
    ///   sync once at the end: the rename still guarantees no reader sees half a file.
    public static func write<D: ContiguousBytes>(_ data: D, to url: URL, durable: Bool = true) throws {
        let folder = url.deletingLastPathComponent()
        try makeFolders(folder)
        let temp = folder.appendingPathComponent(temporaryName(for: url.lastPathComponent))
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StorageError.io(path: temp.path, operation: "create", errno: errno) }
        var ok = false
        defer {
            if !ok { unlink(temp.path) }
        }
        do {
            try data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw StorageError.io(path: temp.path, operation: "write", errno: errno)
                    }
                    offset += n
                }
            }
            guard !durable || fsync(fd) == 0 else { throw StorageError.io(path: temp.path, operation: "fsync", errno: errno) }
        } catch {
            close(fd)
            throw error
        }
        guard close(fd) == 0 else { throw StorageError.io(path: temp.path, operation: "close", errno: errno) }
        guard rename(temp.path, url.path) == 0 else {
            throw StorageError.io(path: url.path, operation: "rename", errno: errno)
        }
        ok = true
        if durable { syncFolder(folder) }
    }

    /// The name of the temporary file a write of `name` goes through:
    /// `.<name>.tmp-<pid>-<random>`. A process killed mid-write leaves such a file behind;
    /// `isTemporary` recognises it so that it is never taken for a result.
    public static func temporaryName(for name: String) -> String {
        ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Whether a file name is an `AtomicFile` temporary (`.<name>.tmp-<pid>-<n>`).
    public static func isTemporary(_ name: String) -> Bool {
        guard name.hasPrefix("."), let range = name.range(of: ".tmp-", options: .backwards) else { return false }
        let tail = name[range.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        return range.lowerBound > name.index(after: name.startIndex) && tail.count == 2 && tail.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    /// The file a temporary stands for (`.<name>.tmp-1-2` -> `name`), or nil.
    public static func target(ofTemporary name: String) -> String? {
        guard isTemporary(name), let range = name.range(of: ".tmp-", options: .backwards) else { return nil }
        return String(name[name.index(after: name.startIndex)..<range.lowerBound])
    }

    /// `mkdir -p`, reporting failures as `StorageError.io` with the system's reason.
    public static func makeFolders(_ folder: URL) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue { return }
        let parent = folder.deletingLastPathComponent()
        if parent.path != folder.path { try makeFolders(parent) }
        if mkdir(folder.path, 0o755) != 0 && errno != EEXIST {
            throw StorageError.io(path: folder.path, operation: "create folder", errno: errno)
        }
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDir), isDir.boolValue else {
            throw StorageError.io(path: folder.path, operation: "create folder", errno: EEXIST)
        }
    }

    /// Writes a UTF-8 string atomically.
    public static func write(_ text: String, to url: URL) throws {
        try write(Data(text.utf8), to: url)
    }

    /// fsyncs a folder so that a rename inside it survives a crash. Best effort.
    public static func syncFolder(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}

/// A file-system failure, naming the path and what was being done.
public enum StorageError: Error, CustomStringConvertible, Equatable {
    case io(path: String, operation: String, errno: Int32)
    case format(path: String, reason: String)

    public var description: String {
        switch self {
        case let .io(path, operation, code):
            return "\(path): cannot \(operation): \(String(cString: strerror(code)))"
        case let .format(path, reason):
            return "\(path): \(reason)"
        }
    }
}
