import XCTest
import Linalg
import TestSupport
@testable import TSNE

/// The approximate neighbour search against the exact one: recall, the shape of its answer,
/// and determinism across thread counts.
final class ApproximateNeighborsTests: XCTestCase {
    /// 6,000 points in 16 dimensions (12 Gaussian clusters), k = 30, leaves of at most 256
    /// points: 32 leaves per tree, so the trees and the refinement both matter.
    static let n = 6000, d = 16, k = 30
    static let data = TSNETests.clusters(k: 12, per: 500, d: d, separation: 1.5, seed: 21).x
    static let small = ApproximateNeighbors.Parameters(trees: 3, leafSize: 256, refinements: 1, fanout: 10)

    func testRecallAgainstExactAndTheRefinementRaisesIt() {
        let exact = NearestNeighbors.exact(Self.data, n: Self.n, d: Self.d, k: Self.k)
        var unrefined = Self.small
        unrefined.refinements = 0
        let before = ApproximateNeighbors.recall(
            ApproximateNeighbors.search(Self.data, n: Self.n, d: Self.d, k: Self.k, seed: 1, parameters: unrefined), exact: exact)
        let after = ApproximateNeighbors.recall(
            ApproximateNeighbors.search(Self.data, n: Self.n, d: Self.d, k: Self.k, seed: 1, parameters: Self.small), exact: exact)
        XCTAssertGreaterThan(after, 0.9, "recall with one refinement round")
        XCTAssertGreaterThan(after, before + 0.02, "refinement: \(before) -> \(after)")
        XCTAssertLessThan(before, 1, "trees alone should miss some neighbours here, or the test shows nothing")
    }

    func testRowsAreSortedDistinctExactDistancesWithoutSelf() {
        let n = Self.n, d = Self.d, k = Self.k, x = Self.data
        let nn = ApproximateNeighbors.search(x, n: n, d: d, k: k, seed: 3, parameters: Self.small)
        var worst: Float = 0
        for i in 0..<n {
            let row = nn.indices[(i * k)..<((i + 1) * k)].map(Int.init)
            XCTAssertEqual(Set(row).count, k, "row \(i) repeats a neighbour")
            XCTAssertFalse(row.contains(i), "row \(i) lists itself")
            for t in 0..<k {
                var s = 0.0
                for c in 0..<d { let v = Double(x[i * d + c]) - Double(x[row[t] * d + c]); s += v * v }
                worst = max(worst, abs(nn.squaredDistances[i * k + t] - Float(s)))
                if t > 0 { XCTAssertLessThanOrEqual(nn.squaredDistances[i * k + t - 1], nn.squaredDistances[i * k + t]) }
            }
        }
        XCTAssertEqual(worst, 0, "largest difference from the Double distance")
    }

    func testOneLeafIsTheExactSearch() {
        // Fewer points than a leaf holds: every tree is one leaf, searched by brute force.
        let n = 400
        let x = Array(Self.data[0..<(n * Self.d)])
        let exact = NearestNeighbors.exact(x, n: n, d: Self.d, k: Self.k)
        let approximate = ApproximateNeighbors.search(x, n: n, d: Self.d, k: Self.k, seed: 5,
                                                      parameters: .init(trees: 1, leafSize: 1024, refinements: 0))
        XCTAssertEqual(approximate.indices, exact.indices)
        XCTAssertEqual(approximate.squaredDistances, exact.squaredDistances)
    }

    func testSameBitsOnOneAndTwoThreadsAndSeedsMatter() {
        let one = ApproximateNeighbors.search(Self.data, n: Self.n, d: Self.d, k: Self.k, seed: 7, parameters: Self.small, threads: 1)
        let two = ApproximateNeighbors.search(Self.data, n: Self.n, d: Self.d, k: Self.k, seed: 7, parameters: Self.small, threads: 2)
        XCTAssertEqual(one, two)
        var unrefined = Self.small
        unrefined.refinements = 0
        let a = ApproximateNeighbors.search(Self.data, n: Self.n, d: Self.d, k: Self.k, seed: 7, parameters: unrefined)
        let b = ApproximateNeighbors.search(Self.data, n: Self.n, d: Self.d, k: Self.k, seed: 8, parameters: unrefined)
        XCTAssertNotEqual(a.indices, b.indices, "another seed draws other trees")
    }

    func testExactSearchSameBitsOnOneAndTwoThreads() {
        let one = NearestNeighbors.exact(Self.data, n: Self.n, d: Self.d, k: Self.k, threads: 1)
        let two = NearestNeighbors.exact(Self.data, n: Self.n, d: Self.d, k: Self.k, threads: 2)
        XCTAssertEqual(one, two)
    }

    func testAutoSwitchesAtTheThreshold() {
        let threshold = TSNEConfig.NeighborMethod.approximateThreshold
        XCTAssertEqual(TSNEConfig.NeighborMethod.auto.resolved(points: threshold - 1), .exact)
        XCTAssertEqual(TSNEConfig.NeighborMethod.auto.resolved(points: threshold), .approximate)
        XCTAssertEqual(TSNEConfig.NeighborMethod.exact.resolved(points: 10 * threshold), .exact)
        XCTAssertEqual(TSNEConfig.NeighborMethod.approximate.resolved(points: 10), .approximate)
    }
}
