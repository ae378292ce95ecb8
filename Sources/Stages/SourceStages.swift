import Datasets
import Experiment
import Foundation
import Imaging
import Linalg
import Pipeline
import Storage

/// Reads the rescale settings shared by both source stages.
struct RescaleSettings {
    let rescaler: Rescaler

    init(_ v: ResolvedValues) {
        let background: UInt8
        switch v.value("rescale.background") {
        case .int(let g): background = UInt8(g)
        case .string("black"): background = 0
        default: background = 255
        }
        rescaler = Rescaler(side: v.int("rescale.size"), fit: FitMode(rawValue: v.string("rescale.fit")) ?? .pad,
                            upscale: v.bool("rescale.upscale"), background: background)
    }

    static let paths = ["rescale.size", "rescale.fit", "rescale.upscale", "rescale.background"]
}

/// `synth`: draws the synthetic plankton set and rescales it into an image store
/// (`store/pixels.u8`, `store/index.csv`, `store/store.json`).
struct SynthStage: Stage {
    let kind = "synth"
    let version = 1
    let values: ResolvedValues
    var inputs: [String] { [] }

    var params: JSONValue {
        values.params(["seed", "data.synthetic.classes", "data.synthetic.per_class", "data.synthetic.image_size"] + RescaleSettings.paths)
    }

    func publishedPath(of file: String) -> String? { nil }

    func run(_ context: StageContext) throws {
        let generator = try SyntheticPlankton(seed: values.seed, classes: values.int("data.synthetic.classes"),
                                              size: values.int("data.synthetic.image_size"))
        let perClass = values.int("data.synthetic.per_class")
        let rescaler = RescaleSettings(values).rescaler
        let names = generator.classNames
        let writer = try ImageStoreWriter(directory: context.work.appendingPathComponent("store"), side: rescaler.side, classes: names)
        let total = names.count * perClass
        let batch = 512
        var start = 0
        while start < total {
            let count = min(batch, total - start)
            var images = [GrayImage?](repeating: nil, count: count)
            images.withUnsafeMutableBufferPointer { slots in
                let base = slots.baseAddress!
                try? Parallel.forEach(count, threads: Parallel.cores) { i in
                    let n = start + i
                    base[i] = rescaler.rescale(generator.image(classIndex: n / perClass, index: n % perClass))
                }
            }
            for (i, image) in images.enumerated() {
                let n = start + i
                let c = n / perClass, k = n % perClass
                try writer.append(image!, path: "\(names[c])/\(names[c])-\(k).png", classIndex: c,
                                  sha256: SHA256.hex(image!.pixels))
            }
            start += count
            context.progress.status("synth: \(start)/\(total) images")
        }
        try writer.finish()
    }
}

/// `rescale`: decodes a class-folder data set and rescales it into an image store. Its
/// key includes the source fingerprint, so edited, added or removed images rerun it.
public struct RescaleStage: Stage {
    public let kind = "rescale"
    public let version = 1
    let values: ResolvedValues
    /// The files to read, already capped, in store order.
    let scan: ClassFolderScan
    /// Digest over (relative path, size, SHA-256) of every file read, and the per-file
    /// SHA-256 it was built from (in `scan.files` order), reused for the store's index.
    let fingerprint: SourceFingerprint
    public var inputs: [String] { [] }

    public var params: JSONValue {
        values.params(["data.folders.classes", "data.folders.max_per_class"] + RescaleSettings.paths
                      + (values.value("data.folders.max_per_class") == .null ? [] : ["seed"]),
                      extra: ["source_fingerprint": .string(fingerprint.digest)])
    }

    public func publishedPath(of file: String) -> String? { nil }

    public func run(_ context: StageContext) throws {
        let rescaler = RescaleSettings(values).rescaler
        let writer = try ImageStoreWriter(directory: context.work.appendingPathComponent("store"), side: rescaler.side, classes: scan.classes)
        let total = scan.files.count
        let batch = 256
        var start = 0
        while start < total {
            let count = min(batch, total - start)
            var results = [Result<(GrayImage, String), Error>?](repeating: nil, count: count)
            results.withUnsafeMutableBufferPointer { slots in
                let base = slots.baseAddress!
                try? Parallel.forEach(count, threads: Parallel.cores) { i in
                    let file = scan.files[start + i]
                    base[i] = Result {
                        let url = scan.root.appendingPathComponent(file.relativePath)
                        let image = try ImageDecoder.decodeGray(contentsOf: url, name: file.relativePath)
                        return (rescaler.rescale(image), fingerprint.files[start + i])
                    }
                }
            }
            for (i, result) in results.enumerated() {
                let file = scan.files[start + i]
                switch result! {
                case .success(let (image, digest)):
                    try writer.append(image, path: file.relativePath, classIndex: file.classIndex, sha256: digest)
                case .failure(let error):
                    throw DatasetError.unreadable(path: scan.root.appendingPathComponent(file.relativePath).path, reason: "\(error)")
                }
            }
            start += count
            context.progress.status("rescale: \(start)/\(total) images")
        }
        try writer.finish()
    }

    /// Fingerprints the scanned files: SHA-256 over `path, size, SHA-256 of content` lines
    /// in store order. Content digests come from the memo when a file's (inode, mtime, size)
    /// is unchanged, so a warm scan reads no image content.
    public static func fingerprint(_ scan: ClassFolderScan, memo: FingerprintMemo) throws -> SourceFingerprint {
        var hasher = SHA256()
        let root = scan.root.path
        var files: [String] = []
        files.reserveCapacity(scan.files.count)
        for file in scan.files {
            let digest = try memo.sha256(path: root + "/" + file.relativePath, inode: file.inode,
                                         mtimeNs: file.mtimeNs, size: Int64(file.size))
            hasher.update("\(file.relativePath)\t\(file.size)\t\(digest)\n")
            files.append(digest)
        }
        try memo.save()
        return SourceFingerprint(digest: hexString(hasher.finalize()), files: files)
    }
}

/// The fingerprint of a class-folder source: the digest that keys the rescale stage, and the
/// SHA-256 of each file's content in scan order.
public struct SourceFingerprint: Sendable {
    public let digest: String
    public let files: [String]
}

/// `split`: the stratified split of the source store, as `split.json` with row lists.
struct SplitStage: Stage {
    let kind = "split"
    let version = 1
    let values: ResolvedValues
    let source: String
    var inputs: [String] { [source] }

    var params: JSONValue { values.params(["seed", "split.validation", "split.test", "split.unseen_classes"]) }

    func publishedPath(of file: String) -> String? { nil }

    func run(_ context: StageContext) throws {
        let store = try ImageStore(directory: context.input(source).file("store"))
        func amount(_ path: String) -> SplitAmount {
            switch values.value(path) {
            case .float(let f): return .fraction(f)
            default: return .count(values.int(path))
            }
        }
        let split = try StratifiedSplit(validation: amount("split.validation"), test: amount("split.test"),
                                        unseenClasses: values.strings("split.unseen_classes"))
            .apply(labels: store.labels, classes: store.classes, seed: values.seed)
        try AtomicFile.write(SplitFile.encode(split), to: context.work.appendingPathComponent("split.json"))
    }
}

/// `split.json`: `{"train": [rows], "validation": [...], "test": [...], "unseen": [...]}`.
enum SplitFile {
    static func encode(_ s: DatasetSplit) -> String {
        JSONValue.object(Dictionary(uniqueKeysWithValues: s.named.map { ($0.name, JSONValue.array($0.rows.map { .int($0) })) })).canonical + "\n"
    }

    static func read(_ url: URL) throws -> DatasetSplit {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw StorageError.format(path: url.path, reason: "missing") }
        let j = try JSONValue.parse(data, source: url.path)
        func rows(_ name: String) -> [Int] { (j[name]?.arrayValue ?? []).compactMap(\.intValue) }
        return DatasetSplit(train: rows("train"), validation: rows("validation"), test: rows("test"), unseen: rows("unseen"))
    }
}
