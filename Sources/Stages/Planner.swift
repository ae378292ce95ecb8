import Datasets
import Experiment
import Foundation
import Pipeline
import Storage

/// Turns a resolved experiment into the DAG of DESIGN.md ("Stages and the DAG").
public struct ExperimentPlan {
    public let graph: StageGraph
    /// The node holding the image store (`synth` or `rescale`).
    public let source: String
    /// Snapshot epochs evaluated in full, ascending (the last epoch always).
    public let snapshots: [Int]
    /// The fingerprint memo used for the sources, for the executor to reuse.
    public let memo: FingerprintMemo
}

public enum Planner {
    /// Builds the graph. For class-folder data this scans and fingerprints the source
    /// (through `memo`, so an unchanged tree reads no image content).
    /// - Throws: `DatasetError` for an unusable data folder (missing, empty class).
    public static func plan(_ experiment: ResolvedExperiment, memo: FingerprintMemo) throws -> ExperimentPlan {
        let v = experiment.values
        var graph = StageGraph()
        let source: String
        if v.string("data.source") == "synthetic" {
            source = "synth"
            graph.add(source, SynthStage(values: v))
        } else {
            source = "rescale"
            let root = URL(fileURLWithPath: v.string("data.folders.root"))
            let wanted = v.value("data.folders.classes").listValue?.compactMap(\.stringValue)
            var scan = try ClassFolderScan.scan(root: root, classes: wanted)
            if let cap = v.optionalInt("data.folders.max_per_class") { scan = scan.capped(maxPerClass: cap, seed: v.seed) }
            graph.add(source, RescaleStage(values: v, scan: scan, fingerprint: try RescaleStage.fingerprint(scan, memo: memo)))
        }
        graph.add("split", SplitStage(values: v, source: source))
        let epochs = v.int("training.epochs")
        let snapshots = Array(Set(v.ints("training.snapshots").filter { $0 <= epochs } + [epochs])).sorted()
        graph.add("train", TrainStage(values: v, source: source, snapshots: snapshots))
        var evaluators: [Int: [String]] = [:]
        let zeroShot = v.enabled("evaluate.zeroshot") && !v.strings("split.unseen_classes").isEmpty
        for e in snapshots {
            graph.add("embed@\(e)", EmbedStage(epoch: e, source: source, seed: v.seed))
            var nodes: [String] = []
            func add(_ name: String, _ stage: any Stage) {
                graph.add("\(name)@\(e)", stage)
                nodes.append("\(name)@\(e)")
            }
            if v.bool("evaluate.summaries") { add("summarize", SummarizeStage(epoch: e)) }
            if v.enabled("evaluate.tsne") { add("tsne", TSNEStage(epoch: e, values: v)) }
            if v.enabled("evaluate.svm") { add("svm", SVMStage(epoch: e, values: v)) }
            if v.enabled("evaluate.kmeans") { add("kmeans", KMeansStage(epoch: e, values: v)) }
            if zeroShot { add("zeroshot", ZeroShotStage(epoch: e, values: v)) }
            evaluators[e] = nodes
        }
        var extra: [String] = []
        if v.bool("evaluate.baseline") {
            graph.add("baseline", BaselineStage(values: v, source: source))
            extra.append("baseline")
        }
        graph.add("report", ReportStage(source: source, snapshots: snapshots, evaluators: evaluators, runWide: extra))
        return ExperimentPlan(graph: graph, source: source, snapshots: snapshots, memo: memo)
    }
}
