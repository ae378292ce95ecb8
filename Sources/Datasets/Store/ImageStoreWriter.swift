import Foundation
import Imaging
import Storage

/// Builds an `ImageStore` folder by appending S x S images in row order.
/// Nothing is readable as a store until `finish()` writes `store.json` last.
public final class ImageStoreWriter {
    public let directory: URL
    public let side: Int
    public let classes: [String]
    private let pixelsHandle: FileHandle
    private var indexRows: [[String]] = []
    private var buffered = Data()
    private var finished = false

    /// Creates (or empties) the store folder.
    /// - Parameters:
    ///   - side: image side S in pixels.
    ///   - classes: class names; `append` takes indices into this list.
    public init(directory: URL, side: Int, classes: [String]) throws {
        precondition(side > 0, "store side must be positive")
        self.directory = directory
        self.side = side
        self.classes = classes
        let fm = FileManager.default
        try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in ["store.json", "index.csv", "pixels.u8"] {
            try? fm.removeItem(at: directory.appendingPathComponent(name))
        }
        let pixelsURL = directory.appendingPathComponent("pixels.u8")
        guard fm.createFile(atPath: pixelsURL.path, contents: nil) else {
            throw StorageError.io(path: pixelsURL.path, operation: "create", errno: errno)
        }
        pixelsHandle = try FileHandle(forWritingTo: pixelsURL)
    }

    /// Number of images appended so far.
    public var count: Int { indexRows.count }

    /// Appends one image as the next row.
    /// - Parameters:
    ///   - image: exactly S x S.
    ///   - path: source path relative to the data root.
    ///   - classIndex: index into `classes`.
    ///   - sha256: hex SHA-256 of the source file (or of the generated image for synthetic data).
    ///   - set: the data set's own split of the image, when it has one; give it for every
    ///     row or for none.
    public func append(_ image: GrayImage, path: String, classIndex: Int, sha256: String, set: String? = nil) throws {
        precondition(!finished, "store already finished")
        precondition(image.width == side && image.height == side,
                     "store image must be \(side)x\(side), got \(image.width)x\(image.height)")
        precondition(classes.indices.contains(classIndex), "class index \(classIndex) out of range")
        precondition(indexRows.isEmpty || (indexRows[0].count == 5) == (set != nil), "a set for every row or for none")
        indexRows.append([String(indexRows.count), path, classes[classIndex], sha256] + (set.map { [$0] } ?? []))
        buffered.append(contentsOf: image.pixels)
        if buffered.count >= 8 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffered.isEmpty else { return }
        try pixelsHandle.write(contentsOf: buffered)
        buffered.removeAll(keepingCapacity: true)
    }

    /// Flushes and fsyncs the pixels, then writes `index.csv` and finally `store.json`.
    public func finish() throws {
        precondition(!finished, "store already finished")
        try flush()
        try pixelsHandle.synchronize()
        try pixelsHandle.close()
        let withSets = indexRows.first?.count == 5
        try AtomicFile.write(CSV.render(header: ["row", "path", "class", "sha256"] + (withSets ? ["set"] : []), rows: indexRows),
                             to: directory.appendingPathComponent("index.csv"))
        let meta = StoreMetadata(format: ImageStore.formatName, version: ImageStore.formatVersion,
                                 side: side, count: indexRows.count, classes: classes)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(encoder.encode(meta), to: directory.appendingPathComponent("store.json"))
        finished = true
    }
}
