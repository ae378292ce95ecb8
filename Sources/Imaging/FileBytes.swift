import Foundation

/// Internal: reads files with POSIX calls so that errors carry the system's plain reason
/// ("No such file or directory", "Is a directory", "Permission denied").
enum FileBytes {
    /// The whole file, or its first `limit` bytes; `complete` is false when the file had
    /// more bytes than were read.
    static func read(_ url: URL, name: String, limit: Int? = nil) throws -> (data: Data, complete: Bool) {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImagingError.unreadable(file: name, reason: systemReason(errno)) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw ImagingError.unreadable(file: name, reason: systemReason(errno)) }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            throw ImagingError.unreadable(file: name, reason: systemReason(EISDIR))
        }
        // One extra byte lets a file read exactly to its stat size see the end in one pass.
        var capacity = max(Int(status.st_size) + 1, 4096)
        if let limit { capacity = min(capacity, limit) }
        var data = Data(count: capacity)
        var filled = 0
        while true {
            if filled == data.count {
                if let limit, filled >= limit { break }
                data.count = limit.map { min($0, data.count * 2) } ?? data.count * 2
            }
            let n = data.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Foundation.read(fd, base + filled, raw.count - filled)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImagingError.unreadable(file: name, reason: systemReason(errno))
            }
            if n == 0 {
                data.count = filled
                return (data, true)
            }
            filled += n
        }
        // Stopped at the limit: the file is complete only if nothing follows.
        var probe: UInt8 = 0
        let more = Foundation.read(fd, &probe, 1)
        return (data, more == 0)
    }

    /// The system's text for an errno value.
    static func systemReason(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}
