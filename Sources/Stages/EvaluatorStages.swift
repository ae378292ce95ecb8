import Clustering
import Evaluation
import Experiment
import Foundation
import Pipeline
import SVM
import TSNE
import Storage

/// Writes the small `metrics.json` every evaluator leaves for the report's summary.
func writeMetrics(_ metrics: [String: Double], to folder: URL) throws {
    try AtomicFile.write(JSONValue.object(metrics.mapValues { .double($0) }).pretty, to: folder.appendingPathComponent("metrics.json"))
}

/// The seen classes and two splits of an embed stage's output, restricted to those classes:
/// what an evaluator fitted on one split and tested on another reads.
enum FitTestSets {
    typealias Rows = (values: [Float], n: Int, labels: [Int], paths: [String])

    static func load(_ folder: URL, fitOn: String, testOn: String) throws -> (classes: [String], fit: Rows, test: Rows, d: Int) {
        let classes = try ClassList.read(folder).seen
        let fitSet = try EmbeddingSet.read(split: fitOn, from: folder)
        let test = try EmbeddingSet.read(split: testOn, from: folder).restricted(to: classes)
        return (classes, fitSet.restricted(to: classes), test, fitSet.d)
    }
}

/// `summarize@e`: centroid geometry of the validation embeddings (`centroids.csv`: distances
/// between class centroids, cluster sizes on the diagonal) and the nearest-centroid
/// classifier with centroids from the training sample, applied to validation
/// (`confusion.csv`, `classification_report.csv`, `predictions.csv`).
struct SummarizeStage: Stage {
    let kind = "summarize"
    let version = 1
    let epoch: Int
    var inputs: [String] { ["embed@\(epoch)"] }
    var params: JSONValue { .object(["epoch": .int(epoch)]) }
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
        try writeMetrics(["nearest_centroid_accuracy": summary.nearestCentroidAccuracy, "nearest_centroid_macro_f1": summary.report.macro.f1,
                          "mean_cluster_size": summary.meanClusterSize, "mean_centroid_distance": summary.meanCentroidDistance],
                         to: context.work)
    }
}

/// `svm@e`: libsvm C-SVC fitted on `fit_on`, tested on `test_on` (`svm/` files).
struct SVMStage: Stage {
    let kind = "svm"
    let version = 1
    let epoch: Int
    let values: ResolvedValues
    var inputs: [String] { ["embed@\(epoch)"] }
    var params: JSONValue { values.params(ResolvedValues.paths(under: "evaluate.svm."), extra: ["epoch": .int(epoch)]) }
    func publishedPath(of file: String) -> String? { "epoch-\(epoch)/svm/\(file)" }

    /// `evaluate.svm` as libsvm parameters.
    static func config(_ values: ResolvedValues) -> SVMConfig {
        let gamma: SVMConfig.Gamma
        switch values.value("evaluate.svm.gamma") {
        case .string(let word): gamma = SVMConfig.Gamma(word) ?? .scale
        default: gamma = .value(values.double("evaluate.svm.gamma"))
        }
        return SVMConfig(kernel: SVMConfig.Kernel(rawValue: values.string("evaluate.svm.kernel")) ?? .poly,
                         C: values.double("evaluate.svm.C"), gamma: gamma, coef0: values.double("evaluate.svm.coef0"),
                         degree: values.int("evaluate.svm.degree"))
    }

    func run(_ context: StageContext) throws {
        let (classes, fit, test, d) = try FitTestSets.load(context.input("embed@\(epoch)").folder,
                                                            fitOn: values.string("evaluate.svm.fit_on"),
                                                            testOn: values.string("evaluate.svm.test_on"))
        context.progress.status("svm@\(epoch): fitting on \(fit.n) points")
        let model = try SVMModel.fit(x: fit.values, n: fit.n, d: d, labels: fit.labels, config: SVMStage.config(values))
        let predicted = model.predict(test.values, n: test.n)
        let report = try ReportFiles.writeClassifier(truth: test.labels, predicted: predicted, classNames: classes,
                                                     paths: test.paths, to: context.work)
        try writeMetrics(["svm_accuracy": report.accuracy, "svm_macro_f1": report.macro.f1], to: context.work)
    }
}

/// `kmeans@e`: k-means on `fit_on`, clusters mapped to classes (Hungarian on the fit split,
/// or the original's majority rule on the test split), tested on `test_on` (`kmeans/` files).
struct KMeansStage: Stage {
    let kind = "kmeans"
    let version = 1
    let epoch: Int
    let values: ResolvedValues
    var inputs: [String] { ["embed@\(epoch)"] }
    var params: JSONValue { values.params(ResolvedValues.paths(under: "evaluate.kmeans.") + ["seed"], extra: ["epoch": .int(epoch)]) }
    func publishedPath(of file: String) -> String? { "epoch-\(epoch)/kmeans/\(file)" }

    func run(_ context: StageContext) throws {
        let (classes, fit, test, d) = try FitTestSets.load(context.input("embed@\(epoch)").folder,
                                                            fitOn: values.string("evaluate.kmeans.fit_on"),
                                                            testOn: values.string("evaluate.kmeans.test_on"))
        let k = values.value("evaluate.kmeans.clusters").intValue ?? classes.count
        let majority = values.string("evaluate.kmeans.mapping") == "majority"
        let config = KMeansConfig(clusters: k, algorithm: values.string("evaluate.kmeans.algorithm") == "lloyd" ? .lloyd : .minibatch,
                                  restarts: values.int("evaluate.kmeans.n_init"), seed: values.seed)
        let result = KMeansEvaluation.run(fit: fit.values, n: fit.n, d: d, labels: fit.labels,
                                          test: test.values, testCount: test.n, testLabels: test.labels,
                                          classCount: classes.count, config: config,
                                          mapping: majority ? .majority : .hungarian, mappingOn: majority ? .test : .fit)
        try result.write(to: context.work, testLabels: test.labels, classNames: classes, paths: test.paths)
        try writeMetrics(["kmeans_accuracy": result.report.accuracy, "kmeans_macro_f1": result.report.macro.f1,
                          "kmeans_nmi": result.nmi, "kmeans_ari": result.ari, "kmeans_inertia": result.model.inertia],
                         to: context.work)
    }
}

/// `zeroshot@e`: the unseen classes' embeddings: few-shot nearest-centroid accuracy over
/// seeded draws, k-means NMI/ARI/Hungarian accuracy; the same for the seen classes' test
/// embeddings for contrast (`zeroshot/` files).
struct ZeroShotStage: Stage {
    let kind = "zeroshot"
    let version = 1
    let epoch: Int
    let values: ResolvedValues
    var inputs: [String] { ["embed@\(epoch)"] }
    var params: JSONValue { values.params(ResolvedValues.paths(under: "evaluate.zeroshot.") + ["seed"], extra: ["epoch": .int(epoch)]) }
    func publishedPath(of file: String) -> String? { "epoch-\(epoch)/zeroshot/\(file)" }

    func run(_ context: StageContext) throws {
        let folder = context.input("embed@\(epoch)").folder
        let list = try ClassList.read(folder)
        let config = ZeroShot.Config(shots: values.int("evaluate.zeroshot.shots"), draws: values.int("evaluate.zeroshot.repeats"),
                                     seed: values.seed)
        let unseenSet = try EmbeddingSet.read(split: "unseen", from: folder)
        let unseen = unseenSet.restricted(to: list.unseen)
        let seen = try EmbeddingSet.read(split: "test", from: folder).restricted(to: list.seen)
        let figures = [
            ZeroShot.evaluate(set: "unseen", unseen.values, n: unseen.n, d: unseenSet.d, labels: unseen.labels,
                              classCount: list.unseen.count, config: config),
            ZeroShot.evaluate(set: "seen", seen.values, n: seen.n, d: unseenSet.d, labels: seen.labels,
                              classCount: list.seen.count, config: config),
        ]
        try ZeroShot.write(figures, to: context.work)
        try writeMetrics(["zeroshot_accuracy": figures[0].accuracyMean, "zeroshot_accuracy_std": figures[0].accuracyStd,
                          "zeroshot_nmi": figures[0].nmi, "zeroshot_ari": figures[0].ari,
                          "zeroshot_kmeans_accuracy": figures[0].kmeansAccuracy, "seen_fewshot_accuracy": figures[1].accuracyMean],
                         to: context.work)
    }
}

/// `tsne@e`: t-SNE of the validation embeddings (`tsne.csv`: `row,path,class,x,y`). The
/// early-exaggeration phase lasts min(250, iterations / 3) iterations (openTSNE's 250 for
/// the usual 750 iterations). Layouts are aligned across snapshots by the report.
struct TSNEStage: Stage {
    let kind = "tsne"
    let version = 1
    let epoch: Int
    let values: ResolvedValues
    var inputs: [String] { ["embed@\(epoch)"] }
    var params: JSONValue { values.params(ResolvedValues.paths(under: "evaluate.tsne.") + ["seed"], extra: ["epoch": .int(epoch)]) }
    func publishedPath(of file: String) -> String? { file == "metrics.json" ? "epoch-\(epoch)/tsne-metrics.json" : "epoch-\(epoch)/\(file)" }

    func run(_ context: StageContext) throws {
        let folder = context.input("embed@\(epoch)").folder
        let set = try EmbeddingSet.read(split: "validation", from: folder)
        let classes = try ClassList.read(folder).seen
        let points = set.restricted(to: classes)
        let iterations = values.int("evaluate.tsne.iterations")
        let rate: TSNEConfig.LearningRate
        switch values.value("evaluate.tsne.learning_rate") {
        case .string: rate = .auto
        default: rate = .fixed(values.double("evaluate.tsne.learning_rate"))
        }
        let config = TSNEConfig(perplexity: min(values.double("evaluate.tsne.perplexity"), Double(max(1, points.n - 1)) / 3),
                                earlyExaggeration: values.double("evaluate.tsne.early_exaggeration"),
                                earlyExaggerationIterations: min(250, iterations / 3), iterations: iterations,
                                learningRate: rate, seed: values.seed)
        context.progress.status("tsne@\(epoch): \(points.n) points")
        let result = TSNEEmbedding.embed(points.values, n: points.n, d: set.d, config: config)
        try ReportFiles.writeTSNE(result.embedding, labels: points.labels, classNames: classes, paths: points.paths,
                                  to: context.work.appendingPathComponent("tsne.csv"))
        try writeMetrics(["tsne_kl": result.kl], to: context.work)
    }
}
