import Datasets
import Experiment
import Foundation
import Imaging
import Linalg
import Pipeline
import Storage

/// `rescale`: decodes a folder or table data set (class folders, an EcoTaxa export,
/// ZooScanNet's taxa.csv) and rescales it into an image store. Its key includes the source
/// fingerprint, so edited, added, removed or relabelled images rerun it; the data's
/// location does not (moving the data reruns nothing).
public struct RescaleStage: ParameterizedStage {
    public struct Parameters: StageParameters {
        /// The selection keys of the source in use (the others nil, absent from the key).
        var folders: Folders?
        var ecotaxa: EcoTaxaSelection?
        var zooscannet: ZooScanNetSelection?
        var rescale: RescaleSettings
        /// Only when a cap picks images at random.
        var seed: Int?
        /// Digest over (relative path, size, SHA-256) of every file read (a plan fact).
        var sourceFingerprint: String

        struct Folders: Codable, Hashable, Sendable {
            var classes: NamesOrAll
            var maxPerClass: Int?
            enum CodingKeys: String, CodingKey {
                case classes
                case maxPerClass = "max_per_class"
            }
        }

        /// `data.zooscannet` without its path.
        struct ZooScanNetSelection: Codable, Hashable, Sendable {
            var classes: NamesOrAll
            var maxPerClass: Int?
            var level: Int
            enum CodingKeys: String, CodingKey {
                case classes, level
                case maxPerClass = "max_per_class"
            }
        }

        /// `data.ecotaxa` without its paths.
        struct EcoTaxaSelection: Codable, Hashable, Sendable {
            var classes: NamesOrAll
            var maxPerClass: Int?
            var status: [String]
            var label: EcoTaxaLabel
            var lineageLevel: Int?
            var setColumn: String?
            enum CodingKeys: String, CodingKey {
                case classes, status, label
                case maxPerClass = "max_per_class"
                case lineageLevel = "lineage_level"
                case setColumn = "set_column"
            }
        }

        enum CodingKeys: String, CodingKey {
            case folders = "data.folders"
            case ecotaxa = "data.ecotaxa"
            case zooscannet = "data.zooscannet"
            case rescale, seed
            case sourceFingerprint = "source_fingerprint"
        }

        var maxPerClass: Int? { folders?.maxPerClass ?? ecotaxa?.maxPerClass ?? zooscannet?.maxPerClass }
    }

    public let kind = "rescale"
    public let version = 1
    public let parameters: Parameters
    /// The files to read, already capped, in store order.
    let scan: ImageListing
    /// The per-file SHA-256 the fingerprint was built from (in `scan.files` order), reused for
    /// the store's index.
    let fileDigests: [String]
    public var inputs: [String] { [] }

    init(experiment: ResolvedExperiment, listing: ImageListing, fingerprint: SourceFingerprint) throws {
        var p = try Parameters.decode(experiment, facts: ["source_fingerprint": .string(fingerprint.digest)])
        if experiment.values.string("data.source") != "folders" { p.folders = nil }
        if p.maxPerClass == nil { p.seed = nil }
        parameters = p
        self.scan = listing
        fileDigests = fingerprint.files
    }

    public func publishedPath(of file: String) -> String? { nil }

    public func run(_ context: StageContext) throws {
        let rescaler = parameters.rescale.rescaler
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
                        return (rescaler.rescale(image), fileDigests[start + i])
                    }
                }
            }
            for (i, result) in results.enumerated() {
                let file = scan.files[start + i]
                switch result! {
                case .success(let (image, digest)):
                    try writer.append(image, path: file.relativePath, classIndex: file.classIndex, sha256: digest, set: file.set)
                case .failure(let error):
                    throw DatasetError.unreadable(path: scan.root.appendingPathComponent(file.relativePath).path, reason: "\(error)")
                }
            }
            start += count
            context.progress.status("rescale: \(start)/\(total) images")
        }
        try writer.finish()
    }

    /// Fingerprints the listed files: SHA-256 over `path, size, SHA-256 of content` lines in
    /// store order, each followed by the class and the set when a table gives them (class
    /// folders imply the class by the path). Content digests come from the memo when a
    /// file's (inode, mtime, size) is unchanged, so a warm scan reads no image content.
    public static func fingerprint(_ scan: ImageListing, memo: FingerprintMemo) throws -> SourceFingerprint {
        var hasher = SHA256()
        let root = scan.root.path
        var files: [String] = []
        files.reserveCapacity(scan.files.count)
        for file in scan.files {
            let digest = try memo.sha256(path: root + "/" + file.relativePath, inode: file.inode,
                                         mtimeNs: file.mtimeNs, size: Int64(file.size))
            if scan.classInPath {
                hasher.update("\(file.relativePath)\t\(file.size)\t\(digest)\n")
            } else {
                hasher.update("\(file.relativePath)\t\(file.size)\t\(digest)\t\(scan.classes[file.classIndex])\t\(file.set ?? "")\n")
            }
            files.append(digest)
        }
        try memo.save()
        return SourceFingerprint(digest: hexString(hasher.finalize()), files: files)
    }
}

/// The fingerprint of a folder or table source: the digest that keys the rescale stage, and the
/// SHA-256 of each file's content in scan order.
public struct SourceFingerprint: Sendable {
    public let digest: String
    public let files: [String]
}

/// `data.ecotaxa.label`: where an EcoTaxa object's class comes from.
public enum EcoTaxaLabel: String, Codable, CaseIterable, Sendable {
    /// `object_annotation_category`.
    case category
    /// `object_annotation_hierarchy` (or one level of it, `lineage_level`).
    case lineage
}

/// `data.folders.classes`: `all`, or a list of names.
public enum NamesOrAll: Codable, Hashable, Sendable {
    case all
    case names([String])

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let names = try? c.decode([String].self) { self = .names(names); return }
        guard try c.decode(String.self) == "all" else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected all or a list of names")
        }
        self = .all
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .all: try c.encode("all")
        case .names(let n): try c.encode(n)
        }
    }
}
