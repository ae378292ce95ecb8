import Datasets
import Evaluation
import Experiment
import Foundation
import Pipeline
import Storage
import SVM

/// `baseline`: what the pixels alone give, on the same splits as the evaluators: a
/// nearest-centroid classifier (centroids from the training split) tested on validation,
/// and the SVM of `evaluate.svm` fitted on its `fit_on` split and tested on `test_on`, with
/// pixels as features (ink 1 - p/255, one value per pixel). Published under `baseline/`.
struct BaselineStage: ParameterizedStage {
    struct Parameters: StageParameters {
        /// The SVM of `evaluate.svm`, when it is on.
        var svm: SVMSettings?
        enum CodingKeys: String, CodingKey {
            case svm = "evaluate.svm"
        }
    }

    let kind = "baseline"
    /// 2: balanced accuracy in the reports.
    /// 3: the SVM's pairs of classes trained side by side, kernels precomputed per pair.
    let version = 3
    let parameters: Parameters
    let source: String
    var inputs: [String] { [source, "split"] }
    func publishedPath(of file: String) -> String? { "baseline/\(file)" }

    init(_ c: PlanContext) throws {
        var p = try Parameters.decode(c.experiment)
        if !c.values.enabled("evaluate.svm") { p.svm = nil }
        p.svm = p.svm?.normalized
        _ = try p.svm?.config()
        parameters = p
        source = c.source
    }

    func run(_ context: StageContext) throws {
        let store = try ImageStore(directory: context.input(source).file("store"))
        let split = try SplitFile.read(context.input("split").file("split.json"))
        let unseen = Set(split.unseen.map { store.labels[$0] })
        let seen = store.classes.indices.filter { !unseen.contains($0) }
        let index = Dictionary(uniqueKeysWithValues: seen.enumerated().map { ($1, $0) })
        let names = seen.map { store.classes[$0] }
        let d = store.side * store.side
        func features(_ rows: [Int]) -> (x: [Float], labels: [Int], paths: [String]) {
            var x = [Float](repeating: 0, count: rows.count * d)
            for (i, r) in rows.enumerated() {
                let p = store.pixels(r)
                for j in 0..<d { x[i * d + j] = 1 - Float(p[j]) / 255 }
            }
            return (x, rows.map { index[store.labels[$0]]! }, rows.map { store.paths[$0] })
        }
        func rows(_ name: SplitName) -> [Int] {
            switch name {
            case .train: return split.train
            case .test: return split.test
            case .validation: return split.validation
            }
        }
        var metrics: [String: Double] = [:]
        let train = features(split.train), validation = features(split.validation)
        let centroid = NearestCentroid(fit: train.x, n: train.labels.count, d: d, labels: train.labels, classCount: seen.count)
        let predicted = centroid.predict(validation.x, n: validation.labels.count)
        let folder = context.work.appendingPathComponent("nearest_centroid")
        let report = try ReportFiles.writeClassifier(truth: validation.labels, predicted: predicted, classNames: names,
                                                     paths: validation.paths, to: folder)
        metrics["raw_nearest_centroid_accuracy"] = report.accuracy
        metrics["raw_nearest_centroid_balanced_accuracy"] = report.balancedAccuracy
        if let svm = parameters.svm {
            let fit = features(rows(svm.fitOn)), test = features(rows(svm.testOn))
            let model = try SVMModel.fit(x: fit.x, n: fit.labels.count, d: d, labels: fit.labels, config: try svm.config())
            let svmReport = try ReportFiles.writeClassifier(truth: test.labels, predicted: model.predict(test.x, n: test.labels.count),
                                                            classNames: names, paths: test.paths,
                                                            to: context.work.appendingPathComponent("svm"))
            metrics["raw_svm_accuracy"] = svmReport.accuracy
            metrics["raw_svm_balanced_accuracy"] = svmReport.balancedAccuracy
        }
        try writeMetrics(metrics, to: context.work)
    }
}

extension Evaluators {
    static let baseline = EvaluatorDescriptor(
        kind: "baseline", scope: .run, group: "evaluate.baseline",
        plan: { c in c.values.bool("evaluate.baseline") ? try BaselineStage(c) : nil },
        metrics: [MetricDescriptor("raw_nearest_centroid_accuracy", "nearest centroid on raw pixels (validation)", split: .fixed("validation")),
                  MetricDescriptor("raw_nearest_centroid_balanced_accuracy", "its balanced accuracy", split: .fixed("validation")),
                  MetricDescriptor("raw_svm_accuracy", "SVM on raw pixels", split: .key("evaluate.svm.test_on")),
                  MetricDescriptor("raw_svm_balanced_accuracy", "its balanced accuracy", split: .key("evaluate.svm.test_on"))],
        accuracySeries: [("raw_svm_accuracy", "SVM on raw pixels")])
}
