import XCTest
import Clustering
@testable import SVM
@testable import Evaluation

/// krill's figures against scikit-learn's on the committed fixture.
final class SklearnExactnessTests: XCTestCase {
    let f = Fixture.shared

    func testClassificationReportMatchesSklearn() {
        let report = ClassificationReport(truth: f.labels, predicted: f.predicted, classCount: 4)
        let ref = f.reference["report"] as! [String: Any]
        let classes = ref["classes"] as! [[String: Double]]
        for c in 0..<4 {
            XCTAssertEqual(report.classes[c].precision, classes[c]["precision"]!, accuracy: 1e-6, "class \(c)")
            XCTAssertEqual(report.classes[c].recall, classes[c]["recall"]!, accuracy: 1e-6, "class \(c)")
            XCTAssertEqual(report.classes[c].f1, classes[c]["f1-score"]!, accuracy: 1e-6, "class \(c)")
            XCTAssertEqual(Double(report.classes[c].support), classes[c]["support"]!)
        }
        XCTAssertEqual(report.classes[3].precision, 0, "zero division gives 0")
        XCTAssertEqual(report.accuracy, ref["accuracy"] as! Double, accuracy: 1e-6)
        XCTAssertEqual(report.balancedAccuracy, f.reference["balanced_accuracy"] as! Double, accuracy: 1e-12)
        for (row, key) in [(report.macro, "macro"), (report.weighted, "weighted")] {
            let r = ref[key] as! [String: Double]
            XCTAssertEqual(row.precision, r["precision"]!, accuracy: 1e-6, key)
            XCTAssertEqual(row.recall, r["recall"]!, accuracy: 1e-6, key)
            XCTAssertEqual(row.f1, r["f1-score"]!, accuracy: 1e-6, key)
            XCTAssertEqual(Double(row.support), r["support"]!)
        }
    }

    func testConfusionMatrixMatchesSklearn() {
        let confusion = ConfusionMatrix(truth: f.labels, predicted: f.predicted, classCount: 4)
        let ref = (f.reference["confusion"] as! [[Int]]).flatMap { $0 }
        XCTAssertEqual(confusion.counts, ref)
    }

    func testNMIAndARIMatchSklearn() {
        XCTAssertEqual(ClusterMetrics.nmi(f.labels, f.clusters), f.reference["nmi"] as! Double, accuracy: 1e-6)
        XCTAssertEqual(ClusterMetrics.ari(f.labels, f.clusters), f.reference["ari"] as! Double, accuracy: 1e-6)
    }

    func testSVCPredictionsEqualSklearn() throws {
        let test = f.split(fit: false)
        var checked = Set<String>()
        for cfg in f.reference["svc"] as! [[String: Any]] {
            let name = cfg["name"] as! String
            let train = f.split(fit: true, imbalanced: cfg["imbalanced"] as? Bool ?? false)
            let weight: SVMConfig.ClassWeight = (cfg["class_weight"] as? String) == "balanced" ? .balanced : .none
            checked.insert(weight.rawValue)
            let gamma: SVMConfig.Gamma
            if let g = cfg["gamma"] as? Double { gamma = .value(g) } else { gamma = SVMConfig.Gamma(cfg["gamma"] as! String)! }
            for limit in [0, 6000] {  // libsvm evaluating kernels itself, then the precomputed kernel matrix
                let config = SVMConfig(kernel: SVMConfig.Kernel(rawValue: cfg["kernel"] as! String)!, C: cfg["C"] as! Double,
                                       gamma: gamma, coef0: cfg["coef0"] as! Double, degree: cfg["degree"] as! Int,
                                       precomputedKernelLimit: limit, classWeight: weight)
                let model = try SVMModel.fitKeepingLibsvmModels(x: train.x, n: train.n, d: f.d, labels: train.labels, config: config)
                XCTAssertEqual(model.usesPrecomputedKernel, limit > 0)
                XCTAssertEqual(model.gamma, cfg["gamma_value"] as! Double, accuracy: 1e-12 * model.gamma, name)
                XCTAssertEqual(model.predict(test.x, n: test.n), cfg["predictions"] as! [Int], "\(name) limit \(limit)")
                XCTAssertEqual(model.predictWithLibsvm(test.x, n: test.n), cfg["predictions"] as! [Int], "libsvm \(name) limit \(limit)")
                // The saved predictor predicts the same, bit for bit, after a round trip.
                let saved = try SVMPredictor(decoding: model.predictor.named(["a", "b", "c", "d"]).encoded())
                XCTAssertEqual(saved, model.predictor.named(["a", "b", "c", "d"]))
                XCTAssertEqual(saved.predict(test.x, n: test.n), cfg["predictions"] as! [Int], "saved \(name)")
            }
        }
        XCTAssertEqual(checked, ["none", "balanced"])
    }

    /// The vote behind each prediction: the winner has the most one-vs-one wins, the
    /// runner-up the next most, and the k (k - 1) / 2 pairings are all counted.
    func testSVMVotesRankTheClasses() throws {
        let train = f.split(fit: true), test = f.split(fit: false)
        let model = try SVMModel.fit(x: train.x, n: train.n, d: f.d, labels: train.labels, config: SVMConfig(kernel: .rbf))
        let votes = model.predictor.vote(test.x, n: test.n)
        XCTAssertEqual(votes.map(\.best), model.predict(test.x, n: test.n))
        for v in votes {
            XCTAssertNotEqual(v.second, v.best)
            XCTAssertGreaterThanOrEqual(v.bestVotes, v.secondVotes)
            XCTAssertLessThanOrEqual(v.bestVotes, 3)
            XCTAssertLessThanOrEqual(v.bestVotes + v.secondVotes, 2 * 3 - 1, "their own pairing goes to only one of them")
        }
        XCTAssert(votes.contains { $0.bestVotes == 3 }, "some row wins every pairing")
        XCTAssertThrowsError(try SVMPredictor(decoding: Array("KRSVM001".utf8) + [1, 0, 0, 0, 0, 0, 0, 0, 0x7B]))
        XCTAssertThrowsError(try SVMPredictor(decoding: Array(model.predictor.encoded().dropLast())))
    }

    func testNearestCentroidMatchesSklearn() {
        let train = f.split(fit: true), test = f.split(fit: false)
        let classifier = NearestCentroid(fit: train.x, n: train.n, d: f.d, labels: train.labels, classCount: 4)
        XCTAssertEqual(classifier.predict(test.x, n: test.n), f.reference["nearest_centroid"] as! [Int])
    }

    func testKMeansInertiaNotAboveSklearn() {
        let ref = f.reference["kmeans"] as! [String: Any]
        let sklearn = ref["inertia_min"] as! Double
        for seed in UInt64(0)..<3 {
            let lloyd = KMeans.fit(f.x, n: f.n, d: f.d, config: KMeansConfig(clusters: 4, algorithm: .lloyd, restarts: 10, seed: seed))
            XCTAssertLessThanOrEqual(lloyd.inertia, sklearn * 1.01, "lloyd seed \(seed)")
            let mini = KMeans.fit(f.x, n: f.n, d: f.d, config: KMeansConfig(clusters: 4, algorithm: .minibatch, restarts: 10, seed: seed))
            XCTAssertLessThanOrEqual(mini.inertia, sklearn * 1.01, "minibatch seed \(seed)")
        }
    }
}
