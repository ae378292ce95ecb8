import Foundation
import Clustering
import Storage

/// The `kmeans` evaluator: cluster one split (`fit_on`), map clusters to classes, and
/// classify another split (`test_on`) by the class of its points' nearest center.
public struct KMeansEvaluation: Sendable {
    /// Which split's labels the cluster-to-class mapping is fitted on.
    public enum MappingSource: String, Sendable {
        /// The split k-means was fitted on (krill's default, no test labels used).
        case fit
        /// The test split itself, as the original study did for its majority mapping.
        case test
    }

    public let model: KMeansResult
    public let mapping: ClusterMapping
    /// Cluster of each test point.
    public let testClusters: [Int]
    /// Mapped class of each test point.
    public let predicted: [Int]
    public let confusion: ConfusionMatrix
    public let report: ClassificationReport
    /// NMI and ARI between the test split's classes and its clusters (no mapping needed).
    public let nmi: Double
    public let ari: Double

    /// - Parameters:
    ///   - fit: n x d row-major embeddings k-means is fitted on, with their classes.
    ///   - test: embeddings classified with the fitted centers (m x d), with their classes.
    ///   - config: k-means parameters (`clusters` is the k to use).
    public static func run(fit x: [Float], n: Int, d: Int, labels: [Int],
                           test tx: [Float], testCount m: Int, testLabels: [Int],
                           classCount: Int, config: KMeansConfig,
                           mapping rule: MappingRule = .hungarian, mappingOn source: MappingSource = .fit) -> KMeansEvaluation {
        let model = KMeans.fit(x, n: n, d: d, config: config)
        let testClusters = model.predict(tx, n: m)
        let mapping: ClusterMapping
        switch source {
        case .fit:
            mapping = ClusterMapping.fit(rule, clusters: model.labels, classes: labels, clusterCount: config.clusters, classCount: classCount)
        case .test:
            mapping = ClusterMapping.fit(rule, clusters: testClusters, classes: testLabels, clusterCount: config.clusters, classCount: classCount)
        }
        let predicted = mapping.predict(testClusters)
        let confusion = ConfusionMatrix(truth: testLabels, predicted: predicted, classCount: classCount)
        return KMeansEvaluation(model: model, mapping: mapping, testClusters: testClusters, predicted: predicted,
                                confusion: confusion, report: ClassificationReport(confusion),
                                nmi: ClusterMetrics.nmi(testLabels, testClusters), ari: ClusterMetrics.ari(testLabels, testClusters))
    }

    /// Writes `classification_report.csv`, `confusion.csv`, `predictions.csv` and
    /// `mapping.csv` into `folder`.
    public func write(to folder: URL, testLabels: [Int], classNames: [String], paths: [String]? = nil) throws {
        try ReportFiles.writeClassifier(truth: testLabels, predicted: predicted, classNames: classNames, paths: paths, to: folder)
        try AtomicFile.write(ReportFiles.mappingCSV(mapping, classNames: classNames), to: folder.appendingPathComponent("mapping.csv"))
    }
}
