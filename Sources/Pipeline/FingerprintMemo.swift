import Foundation
import Storage

/// A memo of file digests keyed by (path, inode, mtime in ns, size): a file whose stat is
/// unchanged is not read again. Used for source fingerprints and for the cheap check of
/// cache entries before they are trusted.
///
/// Stored as a small binary file (`cache/state.bin`): the magic `KRILLFP1`, then 64-byte
/// records of four little-endian UInt64 (FNV-1a of the path's UTF-8 bytes, inode, mtime in
/// ns, size) and the 32-byte SHA-256. Loading 20,000 records is a copy, not a parse. A lost
/// update (two processes saving at once) only costs a re-hash later.
public final class FingerprintMemo: @unchecked Sendable {
    struct Key: Hashable {
        var path: UInt64
        var inode: UInt64
        var mtimeNs: UInt64
        var size: UInt64
    }

    /// A SHA-256 held inline (32 bytes, no allocation per entry: the memo of a
    /// 1.4-million-file tree would otherwise hold 1.4 million small arrays).
    struct Digest: Equatable {
        var words: (UInt64, UInt64, UInt64, UInt64)

        /// From 32 bytes in order.
        init<C: Collection>(_ bytes: C) where C.Element == UInt8 {
            precondition(bytes.count == 32, "a SHA-256 has 32 bytes")
            var w: [UInt64] = [0, 0, 0, 0]
            for (i, b) in bytes.enumerated() { w[i / 8] |= UInt64(b) << (8 * UInt64(i % 8)) }
            words = (w[0], w[1], w[2], w[3])
        }

        /// The 32 bytes in order.
        var bytes: [UInt8] {
            [words.0, words.1, words.2, words.3].flatMap { w in (0..<8).map { UInt8(truncatingIfNeeded: w >> (8 * UInt64($0))) } }
        }

        static func == (a: Digest, b: Digest) -> Bool { a.words == b.words }
    }

    static let magic = Array("KRILLFP1".utf8)
    static let recordSize = 64

    public let file: URL
    private var entries: [Key: Digest] = [:]
    private var dirty = false
    private let lock = NSLock()
    /// Number of files whose content was read (for tests and timing notes).
    public private(set) var hashedFiles = 0

    public init(file: URL) {
        self.file = file
        guard let data = FileManager.default.contents(atPath: file.path), data.count >= 8,
              Array(data.prefix(8)) == FingerprintMemo.magic else { return }
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let count = (raw.count - 8) / FingerprintMemo.recordSize
            entries.reserveCapacity(count)
            for r in 0..<count {
                let base = 8 + r * FingerprintMemo.recordSize
                func word(_ i: Int) -> UInt64 { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + 8 * i, as: UInt64.self)) }
                let key = Key(path: word(0), inode: word(1), mtimeNs: word(2), size: word(3))
                entries[key] = Digest(raw[(base + 32)..<(base + 64)])
            }
        }
    }

    /// FNV-1a of a path's UTF-8 bytes.
    static func pathHash(_ path: String) -> UInt64 { fnv1a64(path.utf8) }

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
        let key = Key(path: FingerprintMemo.pathHash(path), inode: inode, mtimeNs: UInt64(bitPattern: mtimeNs),
                      size: UInt64(bitPattern: size))
        lock.lock()
        if let digest = entries[key] {
            lock.unlock()
            return hexString(digest.bytes)
        }
        lock.unlock()
        var hasher = SHA256()
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(chunk) }
        let digest = hasher.finalize()
        lock.lock()
        entries[key] = Digest(digest)
        dirty = true
        hashedFiles += 1
        lock.unlock()
        return hexString(digest)
    }

    /// Remembers the digest of a file just hashed elsewhere (its current stat is the key).
    /// Does nothing if the file cannot be stat'ed or `sha256` is not 64 hex digits.
    public func record(_ url: URL, sha256 hex: String) {
        var st = stat()
        guard stat(url.path, &st) == 0, hex.utf8.count == 64 else { return }
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return }
            digest.append(byte)
            index = next
        }
        let key = Key(path: FingerprintMemo.pathHash(url.path), inode: UInt64(st.st_ino),
                      mtimeNs: UInt64(bitPattern: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)),
                      size: UInt64(bitPattern: Int64(st.st_size)))
        lock.lock()
        entries[key] = Digest(digest)
        dirty = true
        lock.unlock()
    }

    /// Writes the memo atomically if anything changed (records sorted, so equal memos give
    /// equal files).
    public func save() throws {
        lock.lock()
        defer { lock.unlock() }
        guard dirty else { return }
        var data = Data(FingerprintMemo.magic)
        data.reserveCapacity(8 + entries.count * FingerprintMemo.recordSize)
        for (key, digest) in entries.sorted(by: { ($0.key.path, $0.key.inode, $0.key.mtimeNs) < ($1.key.path, $1.key.inode, $1.key.mtimeNs) }) {
            for w in [key.path, key.inode, key.mtimeNs, key.size] { withUnsafeBytes(of: w.littleEndian) { data.append(contentsOf: $0) } }
            data.append(contentsOf: digest.bytes)
        }
        try AtomicFile.write(data, to: file)
        dirty = false
    }
}
