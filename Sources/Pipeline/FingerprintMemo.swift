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
        guard let data = FileManager.default.contents(atPath: file.path) else { return }
        // Parsed on bytes: String.split costs several times more on a 20,000-line memo.
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                parseLine(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                start = end + 1
            }
        }
    }

    /// One `inode, mtime_ns, size, sha256, path` line; malformed lines are skipped.
    private func parseLine(_ line: UnsafeBufferPointer<UInt8>) {
        var fields: [Range<Int>] = []
        var start = 0
        for i in 0..<line.count where line[i] == 0x09 && fields.count < 4 {
            fields.append(start..<i)
            start = i + 1
        }
        guard fields.count == 4 else { return }
        fields.append(start..<line.count)
        func integer(_ r: Range<Int>) -> Int64? {
            guard !r.isEmpty else { return nil }
            var v: Int64 = 0
            var sign: Int64 = 1
            for i in r {
                let b = line[i]
                if b == UInt8(ascii: "-") && i == r.lowerBound { sign = -1; continue }
                guard b >= 0x30 && b <= 0x39 else { return nil }
                v = v &* 10 &+ Int64(b - 0x30)
            }
            return v * sign
        }
        guard let ino = integer(fields[0]), let mt = integer(fields[1]), let sz = integer(fields[2]) else { return }
        let digest = String(decoding: UnsafeBufferPointer(rebasing: line[fields[3]]), as: UTF8.self)
        let path = String(decoding: UnsafeBufferPointer(rebasing: line[fields[4]]), as: UTF8.self)
        entries[path] = Entry(inode: UInt64(bitPattern: ino), mtimeNs: mt, size: sz, sha256: digest)
    }

    /// SHA-256 (hex) of the file at `url`: from the memo when its stat is unchanged,
    /// else read and hashed (and remembered).
    public func sha256(of url: URL) throws -> String {
        let path = url.path
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw PipelineError.io("\(path): \(String(cString: strerror(errno)))")
        }
        return try sha256(path: path, inode: UInt64(st.st_ino),
                          mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec), size: Int64(st.st_size))
    }

    /// SHA-256 (hex) of the file at `path` whose `stat` the caller already has.
    public func sha256(path: String, inode: UInt64, mtimeNs: Int64, size: Int64) throws -> String {
        lock.lock()
        if let e = entries[path], e.inode == inode, e.mtimeNs == mtimeNs, e.size == size {
            lock.unlock()
            return e.sha256
        }
        lock.unlock()
        let digest = try SHA256.hex(fileAt: URL(fileURLWithPath: path))
        lock.lock()
        entries[path] = Entry(inode: inode, mtimeNs: mtimeNs, size: size, sha256: digest)
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
