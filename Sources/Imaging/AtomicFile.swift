import Foundation

/// Writes files so that readers see either the old content or the complete new content,
/// never a partial file, even if the process is killed mid-write.
public enum AtomicFile {
    /// Writes `data` to `url` atomically: a uniquely named temporary file in the same
    /// folder (`.<name>.tmp-<pid>-<random>`), written in full, fsync'ed when `sync`, then
    /// renamed over `url`; the folder is fsync'ed too so the rename survives a crash.
    /// On failure the temporary file is removed and `url` is left as it was.
    /// - Throws: `ImagingError.writeFailed` naming `url`'s path with the system's reason.
    public static func write(_ data: Data, to url: URL, sync: Bool = true) throws {
        let name = url.relativePath
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(name, errno) }
        var closed = false
        do {
            defer { if !closed { close(fd) } }
            try writeAll(data, to: fd, name: name)
            if sync, fsync(fd) != 0 { throw failure(name, errno) }
            closed = true
            if close(fd) != 0 { throw failure(name, errno) }
            if rename(temporary.path, url.path) != 0 { throw failure(name, errno) }
        } catch {
            unlink(temporary.path)
            throw error
        }
        if sync { syncFolder(folder) }
    }

    private static func writeAll(_ data: Data, to fd: Int32, name: String) throws {
        try data.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var written = 0
            while written < raw.count {
                let n = Foundation.write(fd, base + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failure(name, errno)
                }
                written += n
            }
        }
    }

    /// fsync of the folder entry (best effort: some file systems refuse it).
    private static func syncFolder(_ folder: URL) {
        let fd = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    private static func failure(_ name: String, _ code: Int32) -> ImagingError {
        .writeFailed(file: name, reason: FileBytes.systemReason(code))
    }
}
