import Foundation
import Storage

/// A memo of file digests keyed by (path, inode, mtime in ns, size): a file whose stat is
/// unchanged is not read again. Used for source fingerprints and for the cheap check of
/// cache entries before they are trusted. Stored as TSV
/// (`inode, mtime_ns, size, sha256, path`); a lost update only costs a re-hash.
public final class FingerprintMemo: @unchecked Sendable {
    struct Entry: Equatable {
        var inode: UInt64
        var mtimeNs: Int64
        var size: Int64
        var sha256: String
    }

    public let file: URL
    private var entries: [String: Entry] = [:]
    private var dirty = false
    private let lock = NSLock()
    /// Number of files whose content was read (for tests and timing notes).
    public private(set) var hashedFiles = 0

    public init(file: URL) {
        self.file = file
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: "\t", maxSplits: 4, omittingEmptySubsequences: false)
            guard f.count == 5, let ino = UInt64(f[0]), let mt = Int64(f[1]), let sz = Int64(f[2]) else { continue }
            entries[String(f[4])] = Entry(inode: ino, mtimeNs: mt, size: sz, sha256: String(f[3]))
        }
    }

    /// SHA-256 (hex) of the file at `url`: from the memo when its stat is unchanged,
    /// else read and hashed (and remembered).
    public func sha256(of url: URL) throws -> String {
        let path = url.path
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw PipelineError.io("\(path): \(String(cString: strerror(errno)))")
        }
        let key = Entry(inode: UInt64(st.st_ino), mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                        size: Int64(st.st_size), sha256: "")
        lock.lock()
        if let e = entries[path], e.inode == key.inode, e.mtimeNs == key.mtimeNs, e.size == key.size {
            lock.unlock()
            return e.sha256
        }
        lock.unlock()
        let digest = try SHA256.hex(fileAt: url)
        lock.lock()
        var stored = key
        stored.sha256 = digest
        entries[path] = stored
        dirty = true
        hashedFiles += 1
        lock.unlock()
        return digest
    }

    /// Writes the memo atomically if anything changed.
    public func save() throws {
        lock.lock()
        defer { lock.unlock() }
        guard dirty else { return }
        var text = ""
        for (path, e) in entries.sorted(by: { $0.key < $1.key }) where !path.contains("\n") && !path.contains("\t") {
            text += "\(e.inode)\t\(e.mtimeNs)\t\(e.size)\t\(e.sha256)\t\(path)\n"
        }
        try AtomicFile.write(text, to: file)
        dirty = false
    }
}
