import XCTest
import Clustering
import Storage
import TestSupport
@testable import Evaluation

final class SummaryTests: XCTestCase {
    func testCentroidsSizesAndDistances() {
        // class 0: (0,0),(2,0) -> centroid (1,0), size 1; class 1: (1,3),(1,5),(1,4) -> (1,4), size 2/3.
        let x: [Float] = [0, 0, 1, 3, 2, 0, 1, 5, 1, 4]
        let summary = ClassCentroids(x, n: 5, d: 2, labels: [0, 1, 0, 1, 1], classCount: 3)
        XCTAssertEqual(summary.centroids, [1, 0, 1, 4, 0, 0])
        XCTAssertEqual(summary.counts, [2, 3, 0])
        XCTAssertEqual(summary.sizes[0], 1, accuracy: 1e-12)
        XCTAssertEqual(summary.sizes[1], 2.0 / 3.0, accuracy: 1e-12)
        XCTAssertEqual(summary.distance(0, 1), 4, accuracy: 1e-12)
        XCTAssertEqual(summary.meanSize, (1 + 2.0 / 3.0) / 2, accuracy: 1e-12)
        XCTAssertEqual(summary.meanCentroidDistance, 4, accuracy: 1e-12)
        XCTAssertEqual(summary.csv(classNames: ["a", "b", "c"]), """
        class,a,b,c
        a,1.0,4.0,1.0
        b,4.0,0.6666666666666666,4.123105625617661
        c,1.0,4.123105625617661,0.0

        """)
    }

    func testNearestCentroidFromOneSplitAppliedToAnother() {
        let train: [Float] = [0, 0, 0, 2, 10, 0, 10, 2]
        let classifier = NearestCentroid(fit: train, n: 4, d: 2, labels: [0, 0, 2, 2], classCount: 3)
        // Class 1 has no training points: never predicted.
        XCTAssertEqual(classifier.predict([1, 1, 9, 1, 5.5, 1, -3, 0], n: 4), [0, 2, 2, 0])
    }

    func testZeroShotOnSeparatedAndOverlappingSets() {
        let (x, labels) = SyntheticEmbeddings.generate(points: 600, dimensions: 32, classes: 6, seed: 3)
        let config = ZeroShot.Config(shots: 5, draws: 8, seed: 9)
        let figures = ZeroShot.evaluate(set: "unseen", x, n: 600, d: 32, labels: labels, classCount: 6, config: config)
        XCTAssertEqual(figures.accuracies.count, 8)
        XCTAssertGreaterThan(figures.accuracyMean, 0.8)
        XCTAssertGreaterThan(figures.nmi, 0.7)
        XCTAssertGreaterThan(figures.kmeansAccuracy, 0.8)
        XCTAssertEqual(figures, ZeroShot.evaluate(set: "unseen", x, n: 600, d: 32, labels: labels, classCount: 6, config: config))
        let mean = figures.accuracies.reduce(0, +) / 8
        XCTAssertEqual(figures.accuracyMean, mean, accuracy: 1e-12)
        XCTAssertGreaterThan(figures.accuracyStd, 0)
        let csv = ZeroShot.summaryCSV([figures])
        XCTAssertTrue(csv.hasPrefix("set,classes,points,shots,draws,nc_accuracy_mean,nc_accuracy_std,kmeans_nmi,kmeans_ari,kmeans_accuracy\nunseen,6,600,5,8,"))
        XCTAssertEqual(try CSV.parse(ZeroShot.drawsCSV([figures])).count, 9)
    }

    func testSyntheticEmbeddingsAreSeededAndUnitLength() {
        let a = SyntheticEmbeddings.generate(points: 100, dimensions: 16, classes: 5, seed: 1)
        XCTAssertEqual(a.x, SyntheticEmbeddings.generate(points: 100, dimensions: 16, classes: 5, seed: 1).x)
        XCTAssertNotEqual(a.x, SyntheticEmbeddings.generate(points: 100, dimensions: 16, classes: 5, seed: 2).x)
        XCTAssertEqual(a.labels, (0..<100).map { $0 % 5 })
        for i in 0..<100 {
            let norm = (0..<16).reduce(Float(0)) { $0 + a.x[i * 16 + $1] * a.x[i * 16 + $1] }
            XCTAssertEqual(norm, 1, accuracy: 1e-5)
        }
    }

    func testNPYReadsNumpyAndRoundTrips() throws {
        let fromNumpy = try NPY.read(Fixture.url("small.npy"))
        XCTAssertEqual(fromNumpy.rows, 3)
        XCTAssertEqual(fromNumpy.cols, 2)
        XCTAssertEqual(fromNumpy.values, [1.5, -2, 0.25, 3e-8, 1e30, -0.0])
        let bytes = NPY.encode(fromNumpy.values, rows: 3, cols: 2)
        XCTAssertEqual(bytes, try Data(contentsOf: Fixture.url("small.npy")), "byte-identical to numpy.save")
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let values = (0..<(70 * 3)).map { Float($0) * 0.5 - 7 }
        try NPY.write(values, rows: 70, cols: 3, to: dir.appending("e.npy"))
        let back = try NPY.read(dir.appending("e.npy"))
        XCTAssertEqual(back.values, values)
        XCTAssertEqual(back.rows, 70)
        XCTAssertThrowsError(try NPY.decode(Data([1, 2, 3]), source: "bad.npy"))
    }
}

final class SnapshotSummaryTests: XCTestCase {
    func testSummaryUsesTrainingCentroidsOnValidation() throws {
        let (x, labels) = SyntheticEmbeddings.generate(points: 540, dimensions: 16, classes: 6, seed: 5)
        let n = 270
        let summary = SnapshotSummary(train: Array(x[0..<(n * 16)]), trainCount: n, trainLabels: Array(labels[0..<n]),
                                      validation: Array(x[(n * 16)...]), validationCount: n, validationLabels: Array(labels[n...]),
                                      dimensions: 16, classCount: 6)
        let expected = NearestCentroid(fit: Array(x[0..<(n * 16)]), n: n, d: 16, labels: Array(labels[0..<n]), classCount: 6)
            .predict(Array(x[(n * 16)...]), n: n)
        XCTAssertEqual(summary.predicted, expected)
        XCTAssertEqual(summary.validation.counts, [Int](repeating: 45, count: 6))
        XCTAssertEqual(summary.nearestCentroidAccuracy, summary.confusion.accuracy)
        XCTAssertGreaterThan(summary.meanCentroidDistance, 0)
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try summary.write(to: dir.url, validationLabels: Array(labels[n...]), classNames: (0..<6).map { "c\($0)" })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(),
                       ["centroids.csv", "classification_report.csv", "confusion.csv", "predictions.csv"])
        let centroids = try CSV.parse(String(contentsOf: dir.appending("centroids.csv"), encoding: .utf8))
        XCTAssertEqual(centroids[0], ["class", "c0", "c1", "c2", "c3", "c4", "c5"])
        XCTAssertEqual(Double(centroids[1][1])!, summary.validation.sizes[0])
    }
}
