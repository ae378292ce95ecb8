import ConvNet
import Datasets
import Foundation
import Imaging
import Linalg

/// Images given on a command line (`krill embed`, `krill classify`): files, and folders
/// searched recursively for JPEG and PNG files, each folder's files in byte order, hidden
/// entries skipped. Paths are kept as given (a folder's files as `folder/relative/path`).
public struct NewImages: Sendable {
    public let paths: [String]

    /// - Throws: `TrainedRun.Problem` naming a path that does not exist, a file without an
    ///   image extension, or a folder without images.
    public init(_ arguments: [String]) throws {
        var paths: [String] = []
        let fm = FileManager.default
        for argument in arguments {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: argument, isDirectory: &isDir) else {
                throw TrainedRun.Problem(description: "\(argument): no such file or folder")
            }
            if isDir.boolValue {
                guard let walker = fm.enumerator(atPath: argument) else {
                    throw TrainedRun.Problem(description: "\(argument): cannot list this folder")
                }
                var found: [String] = []
                while let relative = walker.nextObject() as? String {
                    if (relative as NSString).lastPathComponent.hasPrefix(".") { walker.skipDescendants(); continue }
                    if NewImages.isImage(relative) { found.append(relative) }
                }
                guard !found.isEmpty else { throw TrainedRun.Problem(description: "\(argument): no JPEG or PNG file in this folder") }
                let prefix = argument.hasSuffix("/") ? argument : argument + "/"
                paths += found.sorted(by: byteOrderPrecedes).map { prefix + $0 }
            } else {
                guard NewImages.isImage(argument) else {
                    throw TrainedRun.Problem(description: "\(argument): not a JPEG or PNG file name (.jpg, .jpeg, .png)")
                }
                paths.append(argument)
            }
        }
        self.paths = paths
    }

    static func isImage(_ name: String) -> Bool {
        ClassFolderScan.imageExtensions.contains((name as NSString).pathExtension.lowercased())
    }
}

/// Decodes, rescales and embeds images with a trained network, in batches, the CPU cores
/// decoding one batch at a time in parallel and the network embedding it.
public struct NewImageEmbedding {
    /// (n, D) embeddings of the images that could be read, in input order.
    public var embeddings: Matrix
    /// Their paths.
    public var paths: [String]
    /// The S x S rescaled pixels of each embedded image (n S S bytes), when asked for.
    public var pixels: [UInt8]?
    /// Files that could not be read, with the reason (only with `skipUnreadable`).
    public var skipped: [(path: String, reason: String)]

    /// - Parameters:
    ///   - skipUnreadable: skip files that do not decode (listed in `skipped`) instead of
    ///     stopping at the first.
    ///   - keepPixels: also return the rescaled pixels.
    ///   - progress: called after each batch with (images done, total).
    /// - Throws: `TrainedRun.Problem` naming the first unreadable file, without
    ///   `skipUnreadable`.
    public static func run(_ images: NewImages, rescaler: Rescaler, network: Network, skipUnreadable: Bool,
                           keepPixels: Bool = false, batch: Int = 256,
                           progress: (Int, Int) -> Void = { _, _ in }) throws -> NewImageEmbedding {
        guard rescaler.side == network.inputSide else {
            throw TrainedRun.Problem(description: "the run rescales to \(rescaler.side) px but its network takes \(network.inputSide) px")
        }
        let embedder = Embedder(network: network, batchSize: 128, threads: Workers.available)
        let side = rescaler.side, total = images.paths.count, d = network.embedding
        var values: [Float] = []
        values.reserveCapacity(total * d)
        var kept: [String] = [], skipped: [(path: String, reason: String)] = []
        var allPixels: [UInt8]? = keepPixels ? [] : nil
        var start = 0
        while start < total {
            let count = min(batch, total - start)
            var pixels = [UInt8](repeating: 0, count: count * side * side)
            var failures = [String?](repeating: nil, count: count)
            pixels.withUnsafeMutableBufferPointer { px in
                failures.withUnsafeMutableBufferPointer { fail in
                    let pixelBase = px.baseAddress!, failBase = fail.baseAddress!
                    try? Parallel.forEach(count, threads: Parallel.cores) { i in
                        let path = images.paths[start + i]
                        do {
                            let image = rescaler.rescale(try ImageDecoder.decodeGray(contentsOf: URL(fileURLWithPath: path), name: path))
                            image.pixels.withUnsafeBufferPointer { (pixelBase + i * side * side).update(from: $0.baseAddress!, count: side * side) }
                        } catch {
                            failBase[i] = "\(error)"
                        }
                    }
                }
            }
            var good: [Int] = []
            for i in 0..<count {
                if let reason = failures[i] {
                    guard skipUnreadable else {
                        throw TrainedRun.Problem(description: "\(images.paths[start + i]): cannot read this image: \(reason) (--skip-unreadable skips such files)")
                    }
                    skipped.append((images.paths[start + i], reason))
                } else {
                    good.append(i)
                }
            }
            if good.count < count {
                var packed = [UInt8](repeating: 0, count: good.count * side * side)
                for (j, i) in good.enumerated() {
                    packed.replaceSubrange((j * side * side)..<((j + 1) * side * side), with: pixels[(i * side * side)..<((i + 1) * side * side)])
                }
                pixels = packed
            }
            if !good.isEmpty {
                let matrix = pixels.withUnsafeBufferPointer { embedder.embed(pixels: $0.baseAddress!, count: good.count) }
                values += matrix.data
                kept += good.map { images.paths[start + $0] }
                allPixels? += pixels
            }
            start += count
            progress(start, total)
        }
        return NewImageEmbedding(embeddings: Matrix(rows: kept.count, cols: d, data: values), paths: kept,
                                 pixels: allPixels, skipped: skipped)
    }
}
