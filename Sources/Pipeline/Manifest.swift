import Foundation
import Storage

/// `manifest.json` of a committed stage, written last: its presence marks the folder whole.
public struct Manifest: Equatable, Sendable {
    /// One output file.
    public struct File: Equatable, Sendable {
        public let path: String
        public let size: Int
        public let sha256: String
    }

    public let kind: String
    public let version: Int
    public let key: String
    public let params: JSONValue
    /// Output digests of the inputs, by node name.
    public let inputs: [String: String]
    /// Output files, sorted by path (manifest.json itself excluded).
    public let files: [File]
    public let seconds: Double
    /// Whether the body resumed from an interrupted attempt.
    public let resumed: Bool
    /// SHA-256 of side blobs (`ArtifactStore.writeBlob`) the entry refers to: data a later
    /// stage may want but that can be recomputed when `gc` removed it (a training epoch's
    /// optimiser state). Not part of the output digest: the entry's own files name them.
    public let blobs: [String]

    /// Digest of the outputs alone (paths, sizes, contents): what downstream keys use, so
    /// an upstream change that yields identical bytes reruns nothing below it.
    public var outputDigest: String {
        JSONValue.array(files.map { .array([.string($0.path), .int($0.size), .string($0.sha256)]) }).digest
    }

    public var json: JSONValue {
        .object([
            "kind": .string(kind), "version": .int(version), "key": .string(key), "params": params,
            "inputs": .object(inputs.mapValues { .string($0) }),
            "files": .array(files.map { .object(["path": .string($0.path), "size": .int($0.size), "sha256": .string($0.sha256)]) }),
            "output_digest": .string(outputDigest),
            "seconds": .double(seconds), "resumed": .bool(resumed),
            "blobs": .array(blobs.map { .string($0) }),
        ])
    }

    public init(kind: String, version: Int, key: String, params: JSONValue, inputs: [String: String],
                files: [File], seconds: Double, resumed: Bool, blobs: [String] = []) {
        self.blobs = blobs.sorted()
        self.kind = kind
        self.version = version
        self.key = key
        self.params = params
        self.inputs = inputs
        self.files = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        self.seconds = seconds
        self.resumed = resumed
    }

    /// Reads `manifest.json`; nil when absent or malformed (the folder is then not a result).
    public static func read(_ url: URL) -> Manifest? {
        guard let data = FileManager.default.contents(atPath: url.path),
              let j = try? JSONValue.parse(data, source: url.path),
              let kind = j["kind"]?.stringValue, let version = j["version"]?.intValue,
              let key = j["key"]?.stringValue, let params = j["params"],
              let inputs = j["inputs"]?.objectValue, let files = j["files"]?.arrayValue
        else { return nil }
        var parsed: [File] = []
        for f in files {
            guard let p = f["path"]?.stringValue, let s = f["size"]?.intValue, let h = f["sha256"]?.stringValue else { return nil }
            parsed.append(File(path: p, size: s, sha256: h))
        }
        return Manifest(kind: kind, version: version, key: key, params: params,
                        inputs: inputs.compactMapValues(\.stringValue), files: parsed,
                        seconds: j["seconds"]?.doubleValue ?? 0, resumed: j["resumed"] == .bool(true),
                        blobs: (j["blobs"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    /// Deletes the temporaries of interrupted atomic writes (`AtomicFile.isTemporary`)
    /// anywhere under `folder`.
    public static func removeTemporaries(in folder: URL) throws {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return }
        var stray: [String] = []
        for case let path as String in walker where AtomicFile.isTemporary((path as NSString).lastPathComponent) {
            stray.append(path)
        }
        for path in stray {
            let url = folder.appendingPathComponent(path)
            guard unlink(url.path) == 0 || errno == ENOENT else {
                throw PipelineError.io("\(url.path): cannot remove: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Lists and hashes every file under `folder` (except manifest.json), sorted.
    public static func scanFiles(in folder: URL) throws -> [File] {
        var out: [File] = []
        let base = folder.resolvingSymlinksInPath().path
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey]) else { return [] }
        for case let url as URL in walker {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard values.isRegularFile == true else { continue }
            let path = String(url.resolvingSymlinksInPath().path.dropFirst(base.count + 1))
            if path == "manifest.json" { continue }
            out.append(File(path: path, size: values.fileSize ?? 0, sha256: try SHA256.hex(fileAt: url)))
        }
        return out.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
    }
}
