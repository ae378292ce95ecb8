import Foundation
import Storage

/// The `summarize` evaluator of one snapshot epoch: class centroids and cluster sizes of
/// the validation embeddings (`centroids.csv`), and the nearest-centroid classifier with
/// centroids from the training embeddings applied to the validation embeddings
/// (`confusion.csv`, `classification_report.csv`, `predictions.csv`). Out-of-sample on
/// purpose: the original study classified with in-sample centroids.
public struct SnapshotSummary: Sendable {
    /// Centroids, counts and cluster sizes of the validation split.
    public let validation: ClassCentroids
    /// Nearest-centroid class of each validation row (centroids from training).
    public let predicted: [Int]
    public let confusion: ConfusionMatrix
    public let report: ClassificationReport

    /// - Parameters:
    ///   - train: n x d row-major training embeddings and their classes (0..<classCount).
    ///   - validation: m x d row-major validation embeddings and their classes.
    public init(train x: [Float], trainCount n: Int, trainLabels: [Int],
                validation vx: [Float], validationCount m: Int, validationLabels: [Int],
                dimensions d: Int, classCount: Int) {
        let classifier = NearestCentroid(fit: x, n: n, d: d, labels: trainLabels, classCount: classCount)
        let predicted = classifier.predict(vx, n: m)
        let confusion = ConfusionMatrix(truth: validationLabels, predicted: predicted, classCount: classCount)
        self.validation = ClassCentroids(vx, n: m, d: d, labels: validationLabels, classCount: classCount)
        self.predicted = predicted
        self.confusion = confusion
        self.report = ClassificationReport(confusion)
    }

    /// Headline figures for `history.csv` and `summary.json`.
    public var meanClusterSize: Double { validation.meanSize }
    public var meanCentroidDistance: Double { validation.meanCentroidDistance }
    public var nearestCentroidAccuracy: Double { report.accuracy }

    /// Writes `centroids.csv`, `confusion.csv`, `classification_report.csv` and
    /// `predictions.csv` into `folder` (the snapshot's `epoch-<e>/`).
    public func write(to folder: URL, validationLabels: [Int], classNames: [String], paths: [String]? = nil) throws {
        try AtomicFile.write(validation.csv(classNames: classNames), to: folder.appendingPathComponent("centroids.csv"))
        try ReportFiles.writeClassifier(truth: validationLabels, predicted: predicted, classNames: classNames,
                                        paths: paths, to: folder)
    }
}
