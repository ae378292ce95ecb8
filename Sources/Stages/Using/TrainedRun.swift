import ConvNet
import Evaluation
import Foundation
import Imaging
import Pipeline
import Storage
import SVM

/// A finished run, opened to put its model to work (`krill embed`, `classify`, `export`):
/// how it rescaled its images, and its network, SVM and class centroids at one epoch, read
/// from the stage outputs its `run.json` names in the cache.
public struct TrainedRun {
    public let folder: RunFolder
    public let store: ArtifactStore
    /// The epoch used: the run's last unless chosen.
    public let epoch: Int
    /// Epochs evaluated in full (they have an SVM and centroids).
    public let snapshots: [Int]
    /// The last epoch of the run.
    public let lastEpoch: Int
    /// The run's rescaling, exactly as its source stage applied it.
    public let rescaler: Rescaler
    /// The source stage's `rescale` settings, as JSON (for export metadata).
    public let rescaleSettings: JSONValue
    /// node -> (kind, key) of every stage of the run.
    let stages: [String: (kind: String, key: String)]

    /// A problem opening a run or one of its outputs; the message says what to do.
    public struct Problem: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Opens a run (a folder, `NAME`, `NAME@n` or `NAME~k`; see `RunFolder.resolve`).
    /// - Parameter epoch: nil for the last epoch.
    public init(_ reference: String, store: ArtifactStore, epoch: Int? = nil) throws {
        folder = try RunFolder.resolve(reference, in: store)
        self.store = store
        guard let record = folder.record else {
            throw Problem(description: "\(folder.url.path): no run.json (an unfinished or foreign run folder)")
        }
        var stages: [String: (kind: String, key: String)] = [:]
        var sourceParams: JSONValue?
        for entry in record["stages"]?.arrayValue ?? [] {
            guard let node = entry["node"]?.stringValue, let kind = entry["kind"]?.stringValue, let key = entry["key"]?.stringValue else { continue }
            stages[node] = (kind, key)
            if node == "synth" || node == "rescale" { sourceParams = entry["params"] }
        }
        guard !stages.isEmpty, let rescale = sourceParams?["rescale"] else {
            throw Problem(description: "\(folder.label): run.json lists no stages (written by an older krill); rerun its experiment to use this model")
        }
        self.stages = stages
        rescaleSettings = rescale
        let settings: RescaleSettings
        do {
            settings = try JSONDecoder().decode(RescaleSettings.self, from: Data(rescale.canonical.utf8))
        } catch {
            throw Problem(description: "\(folder.label): unreadable rescale settings in run.json: \(error)")
        }
        rescaler = settings.rescaler
        let trainEpochs = stages.keys.compactMap { $0.hasPrefix("train@") ? Int($0.dropFirst(6)) : nil }
        guard let last = trainEpochs.max() else { throw Problem(description: "\(folder.label): the run has no training stage") }
        lastEpoch = last
        snapshots = stages.keys.compactMap { $0.hasPrefix("embed@") ? Int($0.dropFirst(6)) : nil }.sorted()
        let chosen = epoch ?? last
        guard (1...last).contains(chosen) else {
            throw Problem(description: "\(folder.label) trained epochs 1-\(last); there is no epoch \(chosen)")
        }
        self.epoch = chosen
    }

    /// The committed output of `node`.
    func output(_ node: String) throws -> CommittedStage {
        guard let (kind, key) = stages[node] else {
            throw Problem(description: "\(folder.label) has no stage \(node)")
        }
        guard let committed = store.lookup(kind: kind, key: key) else {
            let experiment = folder.record?["experiment"]?.stringValue ?? "its experiment file"
            throw Problem(description: "\(folder.label): \(node) is no longer in the cache (krill gc removed it); `krill run \(experiment)` recomputes it")
        }
        return committed
    }

    /// The network after `epoch`.
    public func network() throws -> Network {
        try WeightsFile.read(output("train@\(epoch)").file(TrainEpochStage.weightsFile)).network
    }

    /// `epoch`, checked to be a snapshot (where the evaluators ran), for what needs one.
    func snapshotEpoch(for what: String) throws -> Int {
        guard snapshots.contains(epoch) else {
            throw Problem(description: "\(what) exists only for the snapshot epochs of \(folder.label) (\(snapshots.map(String.init).joined(separator: ", "))), not epoch \(epoch); add it to training.snapshots and rerun")
        }
        return epoch
    }

    /// The SVM the run fitted at `epoch` (class names attached).
    public func svm() throws -> SVMPredictor {
        let e = try snapshotEpoch(for: "an SVM")
        guard stages["svm@\(e)"] != nil else {
            throw Problem(description: "\(folder.label) did not fit an SVM (evaluate.svm is off); use --with centroid")
        }
        let url = try output("svm@\(e)").file(SVMStage.modelFile)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw Problem(description: "\(folder.label): its SVM was fitted by an older krill that did not save the model; rerun its experiment (only the svm stages run again)")
        }
        let predictor = try SVMPredictor(decoding: [UInt8](data))
        guard !predictor.names.isEmpty else { throw Problem(description: "\(url.path): the saved SVM has no class names") }
        return predictor
    }

    /// The class centroids at `epoch`: the seen classes' means over the training sample the
    /// run embedded (the centroids of its nearest-centroid classifier), with their sizes.
    public func centroids() throws -> (classes: [String], centroids: ClassCentroids) {
        let e = try snapshotEpoch(for: "class centroids")
        let folder = try output("embed@\(e)").folder
        let classes = try ClassList.read(folder).seen
        let train = try EmbeddingSet.read(split: "train", from: folder)
        let points = train.restricted(to: classes)
        return (classes, ClassCentroids(points.values, n: points.n, d: train.d, labels: points.labels, classCount: classes.count))
    }
}
