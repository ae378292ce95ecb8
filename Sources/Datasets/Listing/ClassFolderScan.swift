import Foundation
import Linalg

/// Lists a class-folder data set (`root/<class>/<image>`, the ZooScanNet `imgs/` layout).
///
/// Classes are the sub-folders of the root in byte order; files within a class are in byte
/// order too. Hidden entries (names starting with `.`) and files without an image extension
/// (`.png`, `.jpg`, `.jpeg`, any case) are skipped and counted; so are files lying directly
/// in the root and folders nested inside a class folder.
public enum ClassFolderScan {
    /// The image extensions recognised, lower case.
    public static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Scans `root`.
    /// - Parameters:
    ///   - classes: restrict to these class names (kept in byte order); nil means every class folder.
    ///   - allowEmptyClasses: when false, a class folder without images is an error naming it.
    /// - Throws: `DatasetError` naming the missing folder, unknown classes or the empty class.
    public static func scan(root: URL, classes wanted: [String]? = nil,
                            allowEmptyClasses: Bool = false) throws -> ImageListing {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root.path, isDirectory: &isDir) else { throw DatasetError.missingFolder(root.path) }
        guard isDir.boolValue else { throw DatasetError.notAFolder(root.path) }

        var hidden = 0
        var nonImages: [String] = []
        var classNames: [String] = []
        for name in try fm.contentsOfDirectory(atPath: root.path).sorted(by: byteOrderPrecedes) {
            if name.hasPrefix(".") { hidden += 1; continue }
            var sub: ObjCBool = false
            if fm.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &sub), sub.boolValue { classNames.append(name) } else { nonImages.append(name) }
        }
        classNames = try ImageListing.select(wanted, from: classNames, root: root)

        // Class folders are listed in parallel (the stat calls dominate); results are
        // gathered in class order, so the scan does not depend on thread timing.
        var listings = [Result<[(name: String, bytes: [UInt8], stat: stat?)], Error>?](repeating: nil, count: classNames.count)
        listings.withUnsafeMutableBufferPointer { slots in
            let base = slots.baseAddress!
            try? Parallel.forEach(classNames.count, threads: Parallel.cores) { c in
                base[c] = Result { try directoryEntries(root.appendingPathComponent(classNames[c]).path) }
            }
        }
        var files: [ImageFile] = []
        for (classIndex, name) in classNames.enumerated() {
            var found = 0
            for entry in try listings[classIndex]!.get() {
                if entry.name.hasPrefix(".") { hidden += 1; continue }
                guard let st = entry.stat, (st.st_mode & S_IFMT) == S_IFREG, isImageName(entry.bytes) else {
                    nonImages.append("\(name)/\(entry.name)")
                    continue
                }
                files.append(ImageFile(relativePath: "\(name)/\(entry.name)", classIndex: classIndex, size: Int(st.st_size),
                                       inode: UInt64(st.st_ino),
                                       mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)))
                found += 1
            }
            if found == 0 && !allowEmptyClasses { throw DatasetError.emptyClass(name: name, root: root.path) }
        }
        return ImageListing(root: root, classes: classNames, files: files, skippedHidden: hidden,
                            skippedNonImages: nonImages.sorted(by: byteOrderPrecedes), classInPath: true)
    }

    /// The entries of a folder in byte order, each with its `stat` (nil when it failed),
    /// read with readdir and fstatat: Foundation's listing and URL building cost several
    /// times more on a 20,000-file tree, and this runs on every plan of a folder source.
    static func directoryEntries(_ path: String) throws -> [(name: String, bytes: [UInt8], stat: stat?)] {
        guard let dir = opendir(path) else {
            throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { closedir(dir) }
        let fd = dirfd(dir)
        var out: [(name: String, bytes: [UInt8], stat: stat?)] = []
        while let ent = readdir(dir) {
            var st = stat()
            let (bytes, ok) = withUnsafePointer(to: &ent.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: CChar.self, capacity: 256) { name -> ([UInt8], Bool) in
                    let length = strlen(name)
                    let bytes = Array(UnsafeRawBufferPointer(start: name, count: length).bindMemory(to: UInt8.self))
                    if bytes == [0x2E] || bytes == [0x2E, 0x2E] { return (bytes, false) }
                    return (bytes, fstatat(fd, name, &st, 0) == 0)
                }
            }
            if bytes == [0x2E] || bytes == [0x2E, 0x2E] { continue }
            out.append((String(decoding: bytes, as: UTF8.self), bytes, ok ? st : nil))
        }
        return out.sorted { bytePrecedes($0.bytes, $1.bytes) }
    }

    /// Whether a file name ends in an image extension (any case), without allocating.
    static func isImageName(_ bytes: [UInt8]) -> Bool {
        guard let dot = bytes.lastIndex(of: 0x2E) else { return false }
        let length = bytes.count - dot - 1
        guard length == 3 || length == 4 else { return false }
        var ext: UInt32 = 0
        for b in bytes[(dot + 1)...] { ext = ext << 8 | UInt32(b >= 0x41 && b <= 0x5A ? b + 32 : b) }
        // "png", "jpg", "jpeg" as big-endian byte words.
        return ext == 0x706E67 || ext == 0x6A7067 || ext == 0x6A70_6567
    }

    /// Byte-order comparison of two names with memcmp (the sort of a 20,000-file listing).
    static func bytePrecedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let n = min(a.count, b.count)
        if n == 0 { return a.count < b.count }
        let c = a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in memcmp(pa.baseAddress!, pb.baseAddress!, n) } }
        return c != 0 ? c < 0 : a.count < b.count
    }
}
