import XCTest
import Linalg
import SVM
@testable import Evaluation

/// The paths that stream rows in blocks (the raw-pixel baseline: centroids from the
/// training split, predictions for validation and test, 1,024 rows at a time) against the
/// same computations on all rows at once: the same bits.
final class BlockwiseTests: XCTestCase {
    /// n rows of d features in `classes` overlapping classes.
    static func data(n: Int, d: Int, classes: Int, seed: UInt64) -> (x: [Float], labels: [Int]) {
        var random = RandomStream(seed: seed, "blockwise")
        var x: [Float] = [], labels: [Int] = []
        for i in 0..<n {
            let c = (i * 7 + i / 3) % classes
            labels.append(c)
            for j in 0..<d { x.append((j % classes == c ? 0.8 : 0) + random.uniform()) }
        }
        return (x, labels)
    }

    /// Calls `visit` with consecutive blocks of `size` rows.
    static func blocks(_ x: [Float], _ labels: [Int], d: Int, size: Int, _ visit: ([Float], [Int]) -> Void) {
        var start = 0
        while start < labels.count {
            let end = min(start + size, labels.count)
            visit(Array(x[(start * d)..<(end * d)]), Array(labels[start..<end]))
            start = end
        }
    }

    func testCentroidsFromBlocksEqualCentroidsFromAllRows() {
        let (x, labels) = Self.data(n: 2500, d: 30, classes: 9, seed: 1)
        let whole = ClassCentroids(x, n: 2500, d: 30, labels: labels, classCount: 10)  // class 9 has no rows
        for size in [1, 7, 1024] {
            let streamed = ClassCentroids(classCount: 10, dimensions: 30) { visit in
                Self.blocks(x, labels, d: 30, size: size) { visit($0, $1) }
            }
            XCTAssertEqual(streamed, whole, "blocks of \(size)")
        }
        XCTAssertEqual(whole.counts[9], 0)
    }

    func testNearestCentroidAndSVMPredictionsByBlocksEqualAllRows() throws {
        let d = 40
        let (fitX, fitLabels) = Self.data(n: 600, d: d, classes: 6, seed: 2)
        let (x, labels) = Self.data(n: 3000, d: d, classes: 6, seed: 3)  // 2 full blocks of 1,024 and a partial one
        let centroid = NearestCentroid(fit: fitX, n: 600, d: d, labels: fitLabels, classCount: 6)
        let svm = try SVMModel.fit(x: fitX, n: 600, d: d, labels: fitLabels, config: SVMConfig(kernel: .poly, C: 1))
        var byCentroid: [Int] = [], bySVM: [Int] = []
        Self.blocks(x, labels, d: d, size: 1024) { block, rows in
            byCentroid += centroid.predict(block, n: rows.count)
            bySVM += svm.predict(block, n: rows.count)
        }
        XCTAssertEqual(byCentroid, centroid.predict(x, n: 3000))
        XCTAssertEqual(bySVM, svm.predict(x, n: 3000))
        XCTAssertEqual(Set(bySVM).count, 6, "every class predicted somewhere, or the comparison shows little")
    }
}
