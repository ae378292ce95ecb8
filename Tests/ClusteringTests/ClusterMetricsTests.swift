import XCTest
@testable import Clustering

final class ClusterMetricsTests: XCTestCase {
    func testNMIHandMadeCases() {
        XCTAssertEqual(ClusterMetrics.nmi([0, 0, 1, 1], [1, 1, 0, 0]), 1, accuracy: 1e-12)
        XCTAssertEqual(ClusterMetrics.nmi([0, 0, 0, 0], [0, 1, 2, 3]), 0, accuracy: 1e-12)
        // pred refines truth: MI = H(true) = ln 2, H(pred) = 1.5 ln 2, NMI = 2 / 2.5.
        XCTAssertEqual(ClusterMetrics.nmi([0, 0, 1, 1], [0, 0, 1, 2]), 0.8, accuracy: 1e-12)
        XCTAssertEqual(ClusterMetrics.nmi([3, 3, 3], [7, 7, 7]), 1, accuracy: 1e-12)
    }

    /// scikit-learn's `entropy`: 0 for one label, 1 for none, ln 2 for two equal halves.
    func testEntropyAsScikitLearn() {
        XCTAssertEqual(ClusterMetrics.entropy([5]), 0)
        XCTAssertEqual(ClusterMetrics.entropy([0, 7, 0]), 0)
        XCTAssertEqual(ClusterMetrics.entropy([]), 1)
        XCTAssertEqual(ClusterMetrics.entropy([0, 0]), 1)
        XCTAssertEqual(ClusterMetrics.entropy([3, 3]), log(2), accuracy: 1e-15)
        // -(1/4 ln 1/4 + 3/4 ln 3/4)
        XCTAssertEqual(ClusterMetrics.entropy([1, 3]), -(0.25 * log(0.25) + 0.75 * log(0.75)), accuracy: 1e-15)
    }

    func testARIHandMadeCases() {
        XCTAssertEqual(ClusterMetrics.ari([0, 0, 1, 1], [1, 1, 0, 0]), 1, accuracy: 1e-12)
        XCTAssertEqual(ClusterMetrics.ari([0, 0, 1, 1], [0, 0, 1, 2]), 4.0 / 7.0, accuracy: 1e-12)
        XCTAssertEqual(ClusterMetrics.ari([0, 0, 0, 0], [0, 1, 2, 3]), 0, accuracy: 1e-12)
        XCTAssertEqual(ClusterMetrics.ari([0, 0, 1, 1], [0, 1, 0, 1]), -0.5, accuracy: 1e-12)
    }

    func testMetricsIgnoreLabelValues() {
        let a = [0, 0, 1, 1, 2, 2, 2]
        let b = [5, 5, 9, 1, 1, 1, 9]
        let b2 = b.map { $0 * 10 + 3 }
        XCTAssertEqual(ClusterMetrics.nmi(a, b), ClusterMetrics.nmi(a, b2))
        XCTAssertEqual(ClusterMetrics.ari(a, b), ClusterMetrics.ari(a, b2))
        XCTAssertEqual(ClusterMetrics.nmi(a, b), ClusterMetrics.nmi(b, a), accuracy: 1e-12)
    }
}
