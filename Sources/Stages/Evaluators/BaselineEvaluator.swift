import Datasets
import Evaluation
import Experiment
import Foundation
import Linalg
import Pipeline
import Storage
import SVM

/// `baseline`: what the pixels alone give, on the same splits as the evaluators: a
/// nearest-centroid classifier (centroids from the training split) tested on validation,
/// and the SVM of `evaluate.svm` fitted on its `fit_on` split (at most
/// `evaluate.baseline_svm_rows` of its rows) and tested on `test_on`, with pixels as features
/// (ink 1 - p/255, one value per pixel). Pixels stream through in blocks, except the SVM's
/// fit rows (libsvm needs them all). Published under `baseline/`.
struct BaselineStage: ParameterizedStage {
    struct Parameters: StageParameters {
        /// The SVM of `evaluate.svm`, when it is on.
        var svm: SVMSettings?
        /// At most this many fit rows for the SVM (nil: all); only with the SVM on.
        var svmRows: Int?
        var seed: Int
        enum CodingKeys: String, CodingKey {
            case svm = "evaluate.svm"
            case svmRows = "evaluate.baseline_svm_rows"
            case seed
        }
    }

    let kind = "baseline"
    /// 2: balanced accuracy in the reports.
    /// 3: the SVM's pairs of classes trained side by side, kernels precomputed per pair.
    /// 4: the whole kernel matrix up to 6,000 fit rows again (per pair above); pixels stream.
    let version = 4
    let parameters: Parameters
    let source: String
    var inputs: [String] { [source, "split"] }
    /// At most `limit` of `rows` (all when nil or enough), drawn per class in proportion to
    /// its share (largest remainders, ties to the lower class; at least one row of every
    /// class when the limit allows), each class's rows drawn without replacement from a seeded
    /// stream; kept in their original order.
    static func sample(_ rows: [Int], labels: (Int) -> Int, atMost limit: Int?, seed: UInt64) -> [Int] {
        guard let limit, rows.count > limit else { return rows }
        let byClass = Dictionary(grouping: rows, by: labels)
        let classes = byClass.keys.sorted()
        // Quotas: floor of the proportional share, then the largest remainders.
        var quota: [Int: Int] = [:]
        var remainders: [(Double, Int)] = []
        for c in classes {
            let exact = Double(limit) * Double(byClass[c]!.count) / Double(rows.count)
            quota[c] = Int(exact)
            remainders.append((exact - Double(Int(exact)), c))
        }
        var left = limit - quota.values.reduce(0, +)
        for (_, c) in remainders.sorted(by: { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }) where left > 0 {
            quota[c]! += 1
            left -= 1
        }
        // A class with a quota of 0 takes one row from the largest quota, when that leaves it one.
        for c in classes where quota[c] == 0 {
            if let donor = classes.max(by: { quota[$0]! < quota[$1]! }), quota[donor]! > 1 {
                quota[donor]! -= 1
                quota[c] = 1
            }
        }
        var chosen = Set<Int>()
        for c in classes {
            let members = byClass[c]!
            var random = RandomStream(seed: seed, "baseline-svm-rows", c)
            chosen.formUnion(random.sample(quota[c]!, from: members.count).map { members[$0] })
        }
        return rows.filter { chosen.contains($0) }
    }

    /// Rows of pixels per block: a multiple of the blocks in which the nearest-centroid and
    /// SVM predictions run their GEMMs (128 and 512 rows), so that predicting block by block
    /// gives the same labels as predicting all rows at once.
    static let blockRows = 1024
    func publishedPath(of file: String) -> String? { "baseline/\(file)" }

    init(_ c: PlanContext) throws {
        var p = try Parameters.decode(c.experiment)
        if !c.values.enabled("evaluate.svm") { p.svm = nil; p.svmRows = nil }
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
        /// Ink features (1 - p/255, rows x d) and class indices of `rows`.
        func features(_ rows: ArraySlice<Int>) -> (x: [Float], labels: [Int]) {
            var x = [Float](repeating: 0, count: rows.count * d)
            for (i, r) in rows.enumerated() {
                let p = store.pixels(r)
                for j in 0..<d { x[i * d + j] = 1 - Float(p[j]) / 255 }
            }
            return (x, rows.map { index[store.labels[$0]]! })
        }
        /// The features of `rows`, `blockRows` at a time: no split's pixels are ever all in
        /// memory as floats (at 250,000 images the training split's would be 3 GiB).
        func blocks(_ rows: [Int], _ visit: (_ x: [Float], _ labels: [Int]) -> Void) {
            var start = 0
            while start < rows.count {
                let end = min(start + Self.blockRows, rows.count)
                let block = features(rows[start..<end])
                visit(block.x, block.labels)
                start = end
            }
        }
        /// Predictions for `rows`, block by block, with their true classes.
        func predictions(_ rows: [Int], _ predict: (_ x: [Float], _ n: Int) -> [Int]) -> (truth: [Int], predicted: [Int]) {
            var truth: [Int] = [], predicted: [Int] = []
            blocks(rows) { x, labels in
                truth += labels
                predicted += predict(x, labels.count)
            }
            return (truth, predicted)
        }
        func rows(_ name: SplitName) -> [Int] {
            switch name {
            case .train: return split.train
            case .test: return split.test
            case .validation: return split.validation
            }
        }
        var metrics: [String: Double] = [:]
        let centroid = NearestCentroid(ClassCentroids(classCount: seen.count, dimensions: d) { visit in
            blocks(split.train) { x, labels in visit(x, labels) }
        })
        let validation = predictions(split.validation) { centroid.predict($0, n: $1) }
        let folder = context.work.appendingPathComponent("nearest_centroid")
        let report = try ReportFiles.writeClassifier(truth: validation.truth, predicted: validation.predicted, classNames: names,
                                                     paths: split.validation.map { store.paths[$0] }, to: folder)
        metrics["raw_nearest_centroid_accuracy"] = report.accuracy
        metrics["raw_nearest_centroid_balanced_accuracy"] = report.balancedAccuracy
        if let svm = parameters.svm {
            // libsvm needs the whole fit split; the test split streams.
            let fitRows = Self.sample(rows(svm.fitOn), labels: { index[store.labels[$0]]! }, atMost: parameters.svmRows,
                                      seed: UInt64(parameters.seed))
            let testRows = rows(svm.testOn)
            let fit = features(fitRows[...])
            let model = try SVMModel.fit(x: fit.x, n: fit.labels.count, d: d, labels: fit.labels, config: try svm.config())
            let test = predictions(testRows) { model.predict($0, n: $1) }
            let svmReport = try ReportFiles.writeClassifier(truth: test.truth, predicted: test.predicted,
                                                            classNames: names, paths: testRows.map { store.paths[$0] },
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
