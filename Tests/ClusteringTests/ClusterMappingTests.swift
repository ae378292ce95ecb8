import XCTest
@testable import Clustering

final class ClusterMappingTests: XCTestCase {
    /// Builds labels from a cluster x class count table.
    private func labels(_ table: [[Int]]) -> (clusters: [Int], classes: [Int]) {
        var clusters: [Int] = [], classes: [Int] = []
        for (c, row) in table.enumerated() {
            for (k, n) in row.enumerated() {
                clusters += Array(repeating: c, count: n)
                classes += Array(repeating: k, count: n)
            }
        }
        return (clusters, classes)
    }

    func testMajorityOverwritesEarlierClasses() {
        // rows: clusters 0..3, columns: classes 0..3.
        // class 0 -> cluster 0 (5), class 1 -> cluster 0 (6, overwrites class 0),
        // class 2 -> cluster 2 (4), class 3 -> cluster 2 (4 vs 4 in cluster 3? no: 9) overwrites class 2.
        let table = [[5, 6, 0, 0],
                     [1, 2, 1, 0],
                     [0, 0, 4, 9],
                     [3, 0, 3, 1]]
        let (clusters, classes) = labels(table)
        let mapping = ClusterMapping.majority(clusters: clusters, classes: classes, clusterCount: 4, classCount: 4)
        // Picked: cluster 0 -> 1 (class 1 overwrote class 0), cluster 2 -> 3 (class 3 overwrote class 2).
        // Never picked: clusters 1 and 3 are Unknown, as the original labelled them.
        XCTAssertEqual(mapping.classOfCluster, [1, ClusterMapping.unknown, 3, ClusterMapping.unknown])
        XCTAssertEqual(mapping.assigned, [true, false, true, false])
        // Classes 0 and 2 are never predicted: recall 0, as in the original study.
        XCTAssertFalse(mapping.predict(clusters).contains(2))
        XCTAssertFalse(mapping.predict(clusters).contains(0))
        XCTAssertEqual(mapping.matchedCount(cluster: 1), 0)
        XCTAssertEqual(mapping.size(cluster: 1), 4)
    }

    func testMajorityTieGoesToLowestCluster() {
        let table = [[2, 0],
                     [2, 3]]
        let (clusters, classes) = labels(table)
        let mapping = ClusterMapping.majority(clusters: clusters, classes: classes, clusterCount: 2, classCount: 2)
        // class 0 ties between clusters 0 and 1 -> cluster 0; class 1 -> cluster 1.
        XCTAssertEqual(mapping.classOfCluster, [0, 1])
        XCTAssertEqual(mapping.assigned, [true, true])
    }

    func testHungarianIsOneToOneAndMaximisesMatches() {
        let table = [[5, 6, 0],
                     [1, 2, 1],
                     [0, 0, 4]]
        let (clusters, classes) = labels(table)
        let mapping = ClusterMapping.hungarian(clusters: clusters, classes: classes, clusterCount: 3, classCount: 3)
        // Best: 0->0 (5) + 1->1 (2) + 2->2 (4) = 11 vs 0->1 (6) + 1->0 (1) + 2->2 (4) = 11: a tie;
        // either is optimal, so check the matched total and bijectivity.
        XCTAssertEqual(Set(mapping.classOfCluster), [0, 1, 2])
        XCTAssertEqual((0..<3).reduce(0) { $0 + mapping.matchedCount(cluster: $1) }, 11)
    }

    func testHungarianMoreClustersThanClasses() {
        let table = [[5, 0],
                     [4, 1],
                     [0, 6]]
        let (clusters, classes) = labels(table)
        let mapping = ClusterMapping.hungarian(clusters: clusters, classes: classes, clusterCount: 3, classCount: 2)
        XCTAssertEqual(mapping.classOfCluster, [0, 0, 1])
        XCTAssertEqual(mapping.assigned, [true, false, true])
    }
}
