import Charts
import Evaluation
import Experiment
import Foundation
import Imaging
import Pipeline
import Storage

/// `summarize@e`: centroid geometry of the validation embeddings (`centroids.csv`: distances
/// between class centroids, cluster sizes on the diagonal) and the nearest-centroid
/// classifier with centroids from the training sample of `embed` (up to 200 images per
/// class), applied to validation (`confusion.csv`, `classification_report.csv`,
/// `predictions.csv`).
///
/// These are the snapshot figures. `history.csv`'s `monitor_*` columns are the per-epoch
/// monitor computed during training from a smaller sample (32 images per class): the
/// same quantities, estimated more cheaply, under other names.
struct SummarizeStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var epoch: Int
    }

    let kind = "summarize"
    /// 2: balanced accuracy in the report.
    let version = 2
    let parameters: Parameters
    var epoch: Int { parameters.epoch }
    var inputs: [String] { ["embed@\(epoch)"] }
    func publishedPath(of file: String) -> String? { "epoch-\(epoch)/\(file)" }

    func run(_ context: StageContext) throws {
        let folder = context.input("embed@\(epoch)").folder
        let classes = try ClassList.read(folder).seen
        let trainSet = try EmbeddingSet.read(split: "train", from: folder), validationSet = try EmbeddingSet.read(split: "validation", from: folder)
        let train = trainSet.restricted(to: classes), validation = validationSet.restricted(to: classes)
        let summary = SnapshotSummary(train: train.values, trainCount: train.n, trainLabels: train.labels,
                                      validation: validation.values, validationCount: validation.n, validationLabels: validation.labels,
                                      dimensions: validationSet.d, classCount: classes.count)
        try summary.write(to: context.work, validationLabels: validation.labels, classNames: classes, paths: validation.paths)
        try writeMetrics(["nearest_centroid_accuracy": summary.nearestCentroidAccuracy,
                          "nearest_centroid_balanced_accuracy": summary.report.balancedAccuracy,
                          "nearest_centroid_macro_f1": summary.report.macro.f1,
                          "mean_cluster_size": summary.meanClusterSize, "mean_centroid_distance": summary.meanCentroidDistance],
                         to: context.work)
    }
}

extension Evaluators {
    static let summarize = EvaluatorDescriptor(
        kind: "summarize", group: "evaluate.summaries",
        plan: { c in
            c.values.bool("evaluate.summaries")
                ? SummarizeStage(parameters: try .decode(c.experiment, facts: ["epoch": .int(c.epoch)])) : nil
        },
        metrics: [
            MetricDescriptor("nearest_centroid_accuracy", "nearest-centroid accuracy (validation)", headline: true, split: .fixed("validation")),
            MetricDescriptor("nearest_centroid_balanced_accuracy", "nearest-centroid balanced accuracy (validation)", split: .fixed("validation")),
            MetricDescriptor("nearest_centroid_macro_f1", "nearest-centroid macro F1 (validation)", split: .fixed("validation")),
            MetricDescriptor("mean_cluster_size", "mean cluster size (validation)", split: .fixed("validation"), higherIsBetter: false),
            MetricDescriptor("mean_centroid_distance", "mean centroid distance (validation)", split: .fixed("validation")),
        ],
        accuracySeries: [("nearest_centroid_accuracy", "nearest centroid \(TrainingCurves.snapshot)")],
        figures: [
            FigureDescriptor("Nearest-centroid confusion (validation)", "confusion.png"),
            FigureDescriptor("Centroid distances, cluster sizes on the diagonal", "centroids.png"),
            FigureDescriptor("Most confused pair", "confused_pair.png"),
        ],
        tables: [TableDescriptor("Nearest-centroid classification report", "classification_report.csv")],
        draw: { d in
            let confusion = try LabelledMatrix(d.output.file("confusion.csv"))
            try Heatmap.confusion(counts: confusion.counts, labels: confusion.labels,
                                  title: "Nearest-centroid confusion, validation, epoch \(d.epoch)")
                .write(to: d.file("confusion.png"))
            let centroids = try LabelledMatrix(d.output.file("centroids.csv"))
            try Heatmap.centroids(distances: centroids.values, labels: centroids.labels,
                                  title: "Centroid distances (cluster sizes on the diagonal), epoch \(d.epoch)")
                .write(to: d.file("centroids.png"))
            if let pair = ConfusedPair.mostConfused(in: confusion.counts) {
                let (store, split) = try d.data.load()
                func images(_ c: Int) -> [GrayImage] {
                    split.validation.filter { store.classes[store.labels[$0]] == confusion.labels[c] }.prefix(8).map { store.image($0) }
                }
                try ImageGrid.confusedPair(pair, classNames: confusion.labels, firstImages: images(pair.first),
                                           secondImages: images(pair.second))
                    .write(to: d.file("confused_pair.png"))
            }
        })
}
