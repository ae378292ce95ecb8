import XCTest
import Linalg
@testable import Clustering

final class KMeansTests: XCTestCase {
    /// k well-separated Gaussian blobs in d dimensions, `per` points each, interleaved.
    static func blobs(k: Int, per: Int, d: Int, spread: Float, seed: UInt64) -> (x: [Float], labels: [Int]) {
        var random = RandomStream(seed: seed, "blobs")
        let centres = (0..<(k * d)).map { _ in random.normal() * 10 }
        var x: [Float] = [], labels: [Int] = []
        for i in 0..<(k * per) {
            let c = i % k
            labels.append(c)
            for j in 0..<d { x.append(centres[c * d + j] + spread * random.normal()) }
        }
        return (x, labels)
    }

    func testNearestMatchesBruteForce() {
        var random = RandomStream(seed: 3, "nearest")
        let n = 300, d = 13, k = 7
        let x = (0..<(n * d)).map { _ in random.normal() }
        let c = (0..<(k * d)).map { _ in random.normal() }
        let (labels, dist) = x.withUnsafeBufferPointer { xb in
            c.withUnsafeBufferPointer { cb in SquaredDistances.nearest(xb.baseAddress!, n: n, d: d, centers: cb.baseAddress!, k: k) }
        }
        for i in 0..<n {
            var best = 0
            var bestD = Double.infinity
            for j in 0..<k {
                let dd = x.withUnsafeBufferPointer { xb in c.withUnsafeBufferPointer { cb in
                    SquaredDistances.exact(xb.baseAddress! + i * d, cb.baseAddress! + j * d, d: d) } }
                if dd < bestD { bestD = dd; best = j }
            }
            XCTAssertEqual(Double(dist[i]), bestD, accuracy: 1e-4 * max(1, bestD))
            if labels[i] != best {
                // Only a near-tie may differ in Float.
                let alt = x.withUnsafeBufferPointer { xb in c.withUnsafeBufferPointer { cb in
                    SquaredDistances.exact(xb.baseAddress! + i * d, cb.baseAddress! + labels[i] * d, d: d) } }
                XCTAssertEqual(alt, bestD, accuracy: 1e-4 * max(1, bestD))
            }
        }
    }

    func testNearestDoesNotDependOnThreadCount() {
        var random = RandomStream(seed: 4, "threads")
        let n = 1000, d = 9, k = 11
        let x = (0..<(n * d)).map { _ in random.normal() }
        let c = (0..<(k * d)).map { _ in random.normal() }
        let runs = [1, 2, 3].map { threads in
            x.withUnsafeBufferPointer { xb in
                c.withUnsafeBufferPointer { cb in
                    SquaredDistances.nearest(xb.baseAddress!, n: n, d: d, centers: cb.baseAddress!, k: k, threads: threads)
                }
            }
        }
        for r in runs.dropFirst() {
            XCTAssertEqual(r.labels, runs[0].labels)
            XCTAssertEqual(r.distances, runs[0].distances)
        }
    }

    func testLloydRecoversSeparatedBlobsAndIsDeterministic() {
        let (x, truth) = Self.blobs(k: 6, per: 50, d: 10, spread: 0.5, seed: 11)
        let config = KMeansConfig(clusters: 6, algorithm: .lloyd, restarts: 4, seed: 42)
        let a = KMeans.fit(x, n: 300, d: 10, config: config)
        let b = KMeans.fit(x, n: 300, d: 10, config: config)
        XCTAssertEqual(a, b)
        XCTAssertEqual(ClusterMetrics.ari(truth, a.labels), 1, accuracy: 1e-12)
        XCTAssertEqual(a.predict(x, n: 300), a.labels)
        var other = config
        other.seed = 43
        XCTAssertEqual(ClusterMetrics.ari(truth, KMeans.fit(x, n: 300, d: 10, config: other).labels), 1, accuracy: 1e-12)
    }

    func testMiniBatchRecoversSeparatedBlobsAndIsDeterministic() {
        let (x, truth) = Self.blobs(k: 5, per: 400, d: 8, spread: 0.5, seed: 12)
        let config = KMeansConfig(clusters: 5, algorithm: .minibatch, restarts: 3, batchSize: 256, seed: 1)
        let a = KMeans.fit(x, n: 2000, d: 8, config: config)
        XCTAssertEqual(a, KMeans.fit(x, n: 2000, d: 8, config: config))
        XCTAssertEqual(ClusterMetrics.ari(truth, a.labels), 1, accuracy: 1e-12)
        let lloyd = KMeans.fit(x, n: 2000, d: 8, config: KMeansConfig(clusters: 5, restarts: 3, seed: 1))
        XCTAssertLessThanOrEqual(a.inertia, lloyd.inertia * 1.01)
    }

    func testEmptyClusterTakesFarthestPoint() {
        var labels = [0, 0, 0, 1, 1]
        let distances: [Float] = [1, 9, 2, 3, 0.5]
        Lloyd.relocateEmpty(labels: &labels, distances: distances, k: 3)
        XCTAssertEqual(labels, [0, 2, 0, 1, 1])
    }

    func testDuplicatePointsStillGiveKClusters() {
        // 10 copies of 3 distinct points, k = 3: k-means++ must find all three.
        var x: [Float] = []
        for i in 0..<30 { x += [Float(i % 3) * 5, 1] }
        let r = KMeans.fit(x, n: 30, d: 2, config: KMeansConfig(clusters: 3, restarts: 2, seed: 5))
        XCTAssertEqual(r.inertia, 0, accuracy: 1e-9)
        XCTAssertEqual(Set(r.labels).count, 3)
    }
}
