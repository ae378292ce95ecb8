import Foundation
import Linalg

/// One image file of a data set.
public struct ImageFile: Equatable, Sendable {
    /// Path relative to the data set root (`<class>/<file>` in a class-folder data set).
    public let relativePath: String
    /// Index into `ImageListing.classes`.
    public let classIndex: Int
    /// Size in bytes.
    public let size: Int
    /// Inode number and modification time in nanoseconds, from the scan's `stat`, so a
    /// fingerprint memo can recognise an unchanged file without a second `stat`.
    public let inode: UInt64
    public let mtimeNs: Int64
    /// The data set's own split of this image (`train`, `validation`, `test`), when its
    /// table has one (ZooScanNet's `set` column); nil otherwise.
    public let set: String?

    public init(relativePath: String, classIndex: Int, size: Int, inode: UInt64, mtimeNs: Int64, set: String? = nil) {
        self.relativePath = relativePath
        self.classIndex = classIndex
        self.size = size
        self.inode = inode
        self.mtimeNs = mtimeNs
        self.set = set
    }

    /// The file at `relativePath` under `root`, with its class and set, from `stat`.
    /// - Throws: `DatasetError.unreadable` when it is missing or not a regular file.
    public static func lookUp(root: URL, relativePath: String, classIndex: Int, set: String? = nil) throws -> ImageFile {
        var st = stat()
        let path = root.appendingPathComponent(relativePath).path
        guard stat(path, &st) == 0 else { throw DatasetError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard (st.st_mode & S_IFMT) == S_IFREG else { throw DatasetError.unreadable(path: path, reason: "not a regular file") }
        return ImageFile(relativePath: relativePath, classIndex: classIndex, size: Int(st.st_size), inode: UInt64(st.st_ino),
                         mtimeNs: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec), set: set)
    }
}

/// The images of a data set with their classes, however the data set describes them: class
/// folders (`ClassFolderScan`), an EcoTaxa export (`EcoTaxaExport`) or ZooScanNet's
/// `taxa.csv` (`ZooScanNetTable`). What the rescale stage reads and fingerprints.
public struct ImageListing: Sendable {
    /// The folder every `ImageFile.relativePath` is relative to.
    public let root: URL
    /// Class names, byte-ordered; the class index is the position here.
    public let classes: [String]
    /// Image files, grouped by class in class order, byte-ordered within a class.
    public let files: [ImageFile]
    /// Hidden files and folders skipped (class folders).
    public let skippedHidden: Int
    /// Entries skipped for not being image files, or table rows skipped, with the reason.
    public let skippedNonImages: [String]
    /// Whether a file's class is implied by its path (class folders); false when a table
    /// gives it, so a fingerprint must record it.
    public let classInPath: Bool

    public init(root: URL, classes: [String], files: [ImageFile], skippedHidden: Int = 0, skippedNonImages: [String] = [],
                classInPath: Bool) {
        self.root = root
        self.classes = classes
        self.files = files
        self.skippedHidden = skippedHidden
        self.skippedNonImages = skippedNonImages
        self.classInPath = classInPath
    }

    /// Whether every file has a set (the data set's own split).
    public var hasSets: Bool { !files.isEmpty && files.allSatisfy { $0.set != nil } }

    /// Number of images per class, in class order.
    public var countsPerClass: [Int] {
        var counts = [Int](repeating: 0, count: classes.count)
        for f in files { counts[f.classIndex] += 1 }
        return counts
    }

    /// The classes of `available` that `wanted` names (all when nil), in `available`'s order.
    /// - Throws: `DatasetError.unknownClasses` for a name not available, `noClasses` when
    ///   nothing is left.
    static func select(_ wanted: [String]?, from available: [String], root: URL) throws -> [String] {
        var classNames = available
        if let wanted {
            let known = Set(classNames)
            let unknown = wanted.filter { !known.contains($0) }
            if !unknown.isEmpty { throw DatasetError.unknownClasses(unknown, known: classNames) }
            let keep = Set(wanted)
            classNames = classNames.filter { keep.contains($0) }
        }
        guard !classNames.isEmpty else { throw DatasetError.noClasses(root: root.path) }
        return classNames
    }

    /// Builds a listing from (relative path, class name, set) entries: classes in byte
    /// order, files byte-ordered within a class, each `stat`ed under `root`.
    /// - Parameters:
    ///   - wanted: restrict to these classes (nil: all); unknown names are an error.
    /// - Throws: `DatasetError` naming unknown classes or a missing file.
    public static func fromTable(root: URL, entries: [(path: String, label: String, set: String?)], wanted: [String]?,
                                 skipped: [String] = []) throws -> ImageListing {
        let classNames = try select(wanted, from: Array(Set(entries.map(\.label))).sorted(by: byteOrderPrecedes), root: root)
        let index = Dictionary(uniqueKeysWithValues: classNames.enumerated().map { ($1, $0) })
        let kept = entries.filter { index[$0.label] != nil }
            .sorted { index[$0.label]! != index[$1.label]! ? index[$0.label]! < index[$1.label]! : byteOrderPrecedes($0.path, $1.path) }
        var files = [ImageFile?](repeating: nil, count: kept.count)
        files.withUnsafeMutableBufferPointer { slots in
            let base = slots.baseAddress!
            try? Parallel.forEach(kept.count, threads: Parallel.cores) { i in
                base[i] = try? ImageFile.lookUp(root: root, relativePath: kept[i].path, classIndex: index[kept[i].label]!, set: kept[i].set)
            }
        }
        if let missing = files.firstIndex(where: { $0 == nil }) {
            _ = try ImageFile.lookUp(root: root, relativePath: kept[missing].path, classIndex: 0)   // throws the reason
        }
        return ImageListing(root: root, classes: classNames, files: files.map { $0! }, skippedNonImages: skipped, classInPath: false)
    }

    /// At most `maxPerClass` files per class, picked reproducibly from `seed` (a seeded
    /// shuffle per class, keyed by the class name so other classes do not shift), kept in
    /// byte order. Classes at or under the cap are kept whole.
    public func capped(maxPerClass: Int, seed: UInt64) -> ImageListing {
        precondition(maxPerClass > 0, "max_per_class must be positive")
        var kept: [ImageFile] = []
        var start = 0
        while start < files.count {
            var end = start
            while end < files.count && files[end].classIndex == files[start].classIndex { end += 1 }
            let group = Array(files[start..<end])
            if group.count <= maxPerClass {
                kept += group
            } else {
                var rng = RandomStream(seed: seed, "max_per_class", classes[group[0].classIndex])
                kept += rng.sample(maxPerClass, from: group.count).sorted().map { group[$0] }
            }
            start = end
        }
        return ImageListing(root: root, classes: classes, files: kept, skippedHidden: skippedHidden,
                            skippedNonImages: skippedNonImages, classInPath: classInPath)
    }
}
