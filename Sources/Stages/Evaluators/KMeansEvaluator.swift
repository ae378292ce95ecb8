import Clustering
import Evaluation
import Experiment
import Foundation
import Pipeline
import Storage

/// `kmeans@e`: k-means on `fit_on`, clusters mapped to classes (Hungarian on the fit split,
/// or the original's majority rule on the test split), tested on `test_on` (`kmeans/` files).
struct KMeansStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var epoch: Int
        var seed: Int
        var kmeans: Settings

        struct Settings: Codable, Hashable, Sendable {
            var clusters: NumberOrWord
            var algorithm: KMeansConfig.Algorithm
            var nInit: Int
            var fitOn: SplitName
            var testOn: SplitName
            var mapping: MappingRule
            /// Mini-batch only; nil for the default (1024), so that files written before
            /// the key existed keep their keys.
            var batchSize: Int?
            enum CodingKeys: String, CodingKey {
                case clusters, algorithm, mapping
                case batchSize = "batch_size"
                case nInit = "n_init"
                case fitOn = "fit_on"
                case testOn = "test_on"
            }
        }

        enum CodingKeys: String, CodingKey {
            case epoch, seed
            case kmeans = "evaluate.kmeans"
        }
    }

    static let defaultBatchSize = 1024
    let kind = "kmeans"
    /// 2: balanced accuracy in the report.
    /// 3: mini-batch `n_init` as scikit-learn's: seedings scored on a validation subset, one run.
    let version = 3
    let parameters: Parameters
    var epoch: Int { parameters.epoch }
    var inputs: [String] { ["embed@\(epoch)"] }
    func publishedPath(of file: String) -> String? { "epoch-\(epoch)/kmeans/\(file)" }

    init(_ c: PlanContext) throws {
        var p = try Parameters.decode(c.experiment, facts: ["epoch": .int(c.epoch)])
        if p.kmeans.batchSize == KMeansStage.defaultBatchSize { p.kmeans.batchSize = nil }
        parameters = p
        _ = try parameters.kmeans.clusters.word(in: ["classes"], path: "evaluate.kmeans.clusters")
    }

    func run(_ context: StageContext) throws {
        let s = parameters.kmeans
        let (classes, fit, test, d) = try FitTestSets.load(context.input("embed@\(epoch)").folder, fitOn: s.fitOn.rawValue, testOn: s.testOn.rawValue)
        var k = classes.count
        if case .number(let n) = s.clusters { k = Int(n) }
        let config = KMeansConfig(clusters: k, algorithm: s.algorithm, restarts: s.nInit,
                                  batchSize: s.batchSize ?? KMeansStage.defaultBatchSize, seed: UInt64(parameters.seed))
        let majority = s.mapping == .majority
        let result = KMeansEvaluation.run(fit: fit.values, n: fit.n, d: d, labels: fit.labels,
                                          test: test.values, testCount: test.n, testLabels: test.labels,
                                          classCount: classes.count, config: config,
                                          mapping: s.mapping, mappingOn: majority ? .test : .fit)
        try result.write(to: context.work, testLabels: test.labels, classNames: classes, paths: test.paths)
        try writeMetrics(["kmeans_accuracy": result.report.accuracy, "kmeans_balanced_accuracy": result.report.balancedAccuracy,
                          "kmeans_macro_f1": result.report.macro.f1,
                          "kmeans_nmi": result.nmi, "kmeans_ari": result.ari, "kmeans_inertia": result.model.inertia],
                         to: context.work)
    }
}

extension Evaluators {
    static let kmeans = EvaluatorDescriptor(
        kind: "kmeans", group: "evaluate.kmeans",
        plan: { c in c.values.enabled("evaluate.kmeans") ? try KMeansStage(c) : nil },
        metrics: [MetricDescriptor("kmeans_accuracy", "k-means accuracy (mapped clusters)", headline: true, split: .key("evaluate.kmeans.test_on")),
                  MetricDescriptor("kmeans_balanced_accuracy", "k-means balanced accuracy", split: .key("evaluate.kmeans.test_on")),
                  MetricDescriptor("kmeans_macro_f1", "k-means macro F1", split: .key("evaluate.kmeans.test_on")),
                  MetricDescriptor("kmeans_nmi", "k-means NMI", headline: true, split: .key("evaluate.kmeans.test_on")),
                  MetricDescriptor("kmeans_ari", "k-means ARI", split: .key("evaluate.kmeans.test_on")),
                  MetricDescriptor("kmeans_inertia", "k-means inertia", split: .key("evaluate.kmeans.fit_on"), higherIsBetter: false)],
        accuracySeries: [("kmeans_accuracy", "k-means")],
        figures: [FigureDescriptor("k-means confusion (test)", "kmeans/confusion.png")],
        tables: [TableDescriptor("k-means classification report", "kmeans/classification_report.csv"),
                 TableDescriptor("k-means cluster-to-class mapping", "kmeans/mapping.csv")],
        draw: { d in try drawConfusion(d, "kmeans", title: "k-means confusion, test, epoch \(d.epoch)") })
}
