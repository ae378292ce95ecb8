import Foundation
import Imaging
import Storage

/// The rescaled image store: every image of a data set as S x S 8-bit grey pixels in one
/// file, memory-mapped for reading, so an epoch over a million images reads no image files.
///
/// A store is a folder holding:
/// - `pixels.u8`: N x S x S bytes, image `row` at byte offset `row * S * S`, row-major;
/// - `index.csv`: `row,path,class,sha256[,set]` (source path relative to the data root,
///   class name, SHA-256 of the source file's bytes, and the data set's own split when its
///   table gives one), rows 0..<N in order;
/// - `store.json`: format, version, side, count and class names, written last.
public final class ImageStore: @unchecked Sendable {
    /// Folder of the store.
    public let directory: URL
    /// Image side S in pixels.
    public let side: Int
    /// Class names; `labels` index into this.
    public let classes: [String]
    /// Source path of each row (relative to the data root).
    public let paths: [String]
    /// Class index of each row.
    public let labels: [Int]
    /// SHA-256 (hex) of each row's source file.
    public let sha256: [String]
    /// The data set's own split of each row (`split.from: set`), when its source has one.
    public let sets: [String]?

    private let base: UnsafeRawPointer?
    private let mappedLength: Int

    public static let formatName = "krill-image-store"
    public static let formatVersion = 1

    /// Number of images N.
    public var count: Int { labels.count }
    /// Bytes per image (S x S).
    public var imageBytes: Int { side * side }

    /// Opens the store in `directory` and maps its pixels read-only.
    /// - Throws: `DatasetError.corruptStore` when a file is missing or sizes disagree.
    public init(directory: URL) throws {
        self.directory = directory
        let metaURL = directory.appendingPathComponent("store.json")
        let indexURL = directory.appendingPathComponent("index.csv")
        let pixelsURL = directory.appendingPathComponent("pixels.u8")
        guard let metaData = try? Data(contentsOf: metaURL),
              let meta = try? JSONDecoder().decode(StoreMetadata.self, from: metaData)
        else { throw DatasetError.corruptStore(path: directory.path, reason: "store.json missing or unreadable") }
        guard meta.format == ImageStore.formatName, meta.version == ImageStore.formatVersion else {
            throw DatasetError.corruptStore(path: directory.path,
                                            reason: "format \(meta.format) v\(meta.version) is not \(ImageStore.formatName) v\(ImageStore.formatVersion)")
        }
        side = meta.side
        classes = meta.classes
        guard let indexText = try? String(contentsOf: indexURL, encoding: .utf8) else {
            throw DatasetError.corruptStore(path: directory.path, reason: "index.csv missing or unreadable")
        }
        let rows = try CSV.parse(indexText, source: indexURL.path)
        let withSets = rows.first == ["row", "path", "class", "sha256", "set"]
        guard rows.first == ["row", "path", "class", "sha256"] || withSets, rows.count - 1 == meta.count else {
            throw DatasetError.corruptStore(path: indexURL.path, reason: "expected a header and \(meta.count) rows")
        }
        let classIndex = Dictionary(uniqueKeysWithValues: meta.classes.enumerated().map { ($1, $0) })
        var paths: [String] = [], labels: [Int] = [], hashes: [String] = [], sets: [String] = []
        paths.reserveCapacity(meta.count); labels.reserveCapacity(meta.count); hashes.reserveCapacity(meta.count)
        for (i, row) in rows.dropFirst().enumerated() {
            guard row.count == (withSets ? 5 : 4), row[0] == String(i), let label = classIndex[row[2]] else {
                throw DatasetError.corruptStore(path: indexURL.path, reason: "bad row \(i + 1): \(row)")
            }
            paths.append(row[1]); labels.append(label); hashes.append(row[3])
            if withSets { sets.append(row[4]) }
        }
        self.sets = withSets ? sets : nil
        self.paths = paths
        self.labels = labels
        self.sha256 = hashes

        let expected = meta.count * meta.side * meta.side
        let fd = open(pixelsURL.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DatasetError.corruptStore(path: pixelsURL.path, reason: "cannot open") }
        defer { close(fd) }
        var st = stat()
        fstat(fd, &st)
        guard Int(st.st_size) == expected else {
            throw DatasetError.corruptStore(path: pixelsURL.path, reason: "\(st.st_size) bytes, expected \(expected)")
        }
        mappedLength = expected
        if expected == 0 {
            base = nil
        } else {
            let p = mmap(nil, expected, PROT_READ, MAP_SHARED, fd, 0)
            guard let p, p != MAP_FAILED else {
                throw DatasetError.corruptStore(path: pixelsURL.path, reason: "mmap failed: \(String(cString: strerror(errno)))")
            }
            base = UnsafeRawPointer(p)
        }
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), mappedLength) }
    }

    /// The S x S pixels of image `row`, valid while the store is alive.
    public func pixels(_ row: Int) -> UnsafeBufferPointer<UInt8> {
        precondition(row >= 0 && row < count, "image row \(row) out of 0..<\(count)")
        let p = base!.advanced(by: row * imageBytes).assumingMemoryBound(to: UInt8.self)
        return UnsafeBufferPointer(start: p, count: imageBytes)
    }

    /// Image `row` as a `GrayImage` (a copy).
    public func image(_ row: Int) -> GrayImage {
        GrayImage(width: side, height: side, pixels: Array(pixels(row)))
    }

    /// Rows of each class, in row order: `rowsByClass[c]` lists the rows labelled c.
    public var rowsByClass: [[Int]] {
        var out = [[Int]](repeating: [], count: classes.count)
        for (row, label) in labels.enumerated() { out[label].append(row) }
        return out
    }
}

/// `store.json`.
struct StoreMetadata: Codable, Equatable {
    var format: String
    var version: Int
    var side: Int
    var count: Int
    var classes: [String]
}
