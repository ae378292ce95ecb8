import Datasets
import Experiment
import Foundation
import Pipeline
import Storage

/// An experiment's DAG, as planned.
public struct ExperimentPlan {
    public let graph: StageGraph
    /// The node holding the image store (`synth` or `rescale`).
    public let source: String
    /// Snapshot epochs evaluated in full, ascending (the last epoch always).
    public let snapshots: [Int]
    /// The fingerprint memo used for the sources, for the executor to reuse.
    public let memo: FingerprintMemo
}

/// `data.source`.
public enum DataSource: String, Codable, CaseIterable, Sendable {
    case synthetic, folders, ecotaxa, zooscannet
}

/// Turns a resolved experiment into the DAG: a source (`synth` or `rescale`), `split`,
/// the chain of training epochs `train@1` ... `train@E`, per snapshot epoch `embed@e` and the snapshot evaluators, the run-wide
/// evaluators, and `report`. Every stage's parameters are decoded here, before anything
/// reads the data, so a value a stage does not know is a plan error naming its position
/// and nothing is read or written.
public enum Planner {
    /// Builds the graph. For folder or table data this lists and fingerprints the source
    /// (through `memo`, so an unchanged tree reads no image content).
    /// - Throws: `ConfigErrors` for a value a stage cannot use; `DatasetError` for an
    ///   unusable data folder (missing, empty class).
    public static func plan(_ experiment: ResolvedExperiment, memo: FingerprintMemo) throws -> ExperimentPlan {
        let v = experiment.values
        let dataSource = try DataSourceSetting.decode(experiment).source
        let source = dataSource == .synthetic ? "synth" : "rescale"
        var nodes: [(String, any Stage)] = []

        if dataSource == .synthetic { nodes.append((source, SynthStage(parameters: try .decode(experiment)))) }
        nodes.append(("split", SplitStage(parameters: try .decode(experiment), source: source)))
        let epochs = v.int("training.epochs")
        let snapshots = Array(Set(v.ints("training.snapshots").filter { $0 <= epochs } + [epochs])).sorted()
        let model = try ModelOnly.decode(experiment).model.normalized
        let pretrained = try pretrainedWeights(experiment, model: model, memo: memo)
        if model.frozen {
            var settings = model
            settings.weights = pretrained.map { "sha256:" + $0.sha256 }
            nodes.append(("features", try FeaturesStage(experiment: experiment, source: source, model: settings, pretrained: pretrained?.url)))
        }
        for e in 1...epochs {
            nodes.append(("train@\(e)", try TrainEpochStage(experiment: experiment, epoch: e, source: source, isLast: e == epochs,
                                                            pretrained: pretrained)))
        }
        var planned: [String] = [], runWide: [String] = []
        for e in snapshots {
            nodes.append(("embed@\(e)", try EmbedStage(experiment: experiment, epoch: e, source: source, weights: "train@\(e)")))
            for descriptor in Evaluators.all where descriptor.scope == .snapshot {
                guard let stage = try descriptor.plan(PlanContext(experiment: experiment, epoch: e, source: source)) else { continue }
                nodes.append((descriptor.node(epoch: e), stage))
                if !planned.contains(descriptor.kind) { planned.append(descriptor.kind) }
            }
        }
        for descriptor in Evaluators.all where descriptor.scope == .run {
            guard let stage = try descriptor.plan(PlanContext(experiment: experiment, epoch: 0, source: source)) else { continue }
            nodes.append((descriptor.node(epoch: 0), stage))
            runWide.append(descriptor.kind)
        }
        nodes.append(("report", ReportStage(parameters: .init(snapshots: snapshots, evaluators: planned, runWide: runWide),
                                            source: source, history: "train@\(epochs)")))

        // Only now is the data read: a folder or table source is listed and fingerprinted.
        var graph = StageGraph()
        let usesSets = v.string("split.from") == SplitSource.set.rawValue
        if let listing = try DataSourceListing.listing(v) {
            if usesSets && !listing.hasSets { throw setlessSplit(experiment) }
            graph.add(source, try RescaleStage(experiment: experiment, listing: listing,
                                               fingerprint: try RescaleStage.fingerprint(listing, memo: memo)))
        } else if usesSets {
            throw setlessSplit(experiment)
        }
        for (name, stage) in nodes { graph.add(name, stage) }
        return ExperimentPlan(graph: graph, source: source, snapshots: snapshots, memo: memo)
    }

    /// `model.weights`, hashed (through the memo: an unchanged file is not read again).
    /// - Throws: a config error at `model.weights` when the file is missing.
    static func pretrainedWeights(_ experiment: ResolvedExperiment, model: ModelSettings, memo: FingerprintMemo) throws -> (url: URL, sha256: String)? {
        guard model.resnet != nil, let path = experiment.values.value("model.weights").stringValue else { return nil }
        let url = URL(fileURLWithPath: path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ConfigErrors([Diagnostic(experiment.mark(of: "model.weights"),
                "model.weights: no such file '\(path)' (relative to \(FileManager.default.currentDirectoryPath)); docs/convnet.md says how to make one from torchvision")])
        }
        let sha = try memo.sha256(of: url)
        try memo.save()
        return (url, sha)
    }

    /// `split.from: set` on a source without a set column.
    static func setlessSplit(_ experiment: ResolvedExperiment) -> ConfigErrors {
        ConfigErrors([Diagnostic(experiment.mark(of: "split.from"),
            "split.from: set needs a data set with its own split: data.source zooscannet with a 'set' column in taxa.csv, or ecotaxa with data.ecotaxa.set_column")])
    }
}

/// `model`, decoded like every stage parameter.
struct ModelOnly: StageParameters {
    var model: ModelSettings
}

/// `data.source`, decoded like every stage parameter (a plan error if unknown).
struct DataSourceSetting: StageParameters {
    var source: DataSource
    enum CodingKeys: String, CodingKey {
        case source = "data.source"
    }
}
