import Clustering

/// The nearest-centroid classifier: class centroids from one split (e.g. training),
/// each point of another split (e.g. validation) labelled with the class of the nearest
/// centroid in Euclidean distance. Classes without points in the fitting split are
/// never predicted; ties go to the lower class index.
public struct NearestCentroid: Sendable {
    public let summary: ClassCentroids

    public init(_ summary: ClassCentroids) { self.summary = summary }

    /// Fits centroids on n x d row-major embeddings with classes 0..<classCount.
    public init(fit x: [Float], n: Int, d: Int, labels: [Int], classCount: Int) {
        self.summary = ClassCentroids(x, n: n, d: d, labels: labels, classCount: classCount)
    }

    /// The predicted class of each of the n rows of `x` (n x d).
    public func predict(_ x: [Float], n: Int) -> [Int] {
        let d = summary.dimensions
        precondition(x.count == n * d, "nearest centroid: \(x.count) values for \(n) x \(d)")
        let present = (0..<summary.classCount).filter { summary.counts[$0] > 0 }
        guard n > 0, !present.isEmpty else { return [Int](repeating: 0, count: n) }
        var centers = [Float](repeating: 0, count: present.count * d)
        for (r, c) in present.enumerated() {
            for j in 0..<d { centers[r * d + j] = summary.centroids[c * d + j] }
        }
        let nearest = x.withUnsafeBufferPointer { xb in
            centers.withUnsafeBufferPointer { cb in
                SquaredDistances.nearest(xb.baseAddress!, n: n, d: d, centers: cb.baseAddress!, k: present.count).labels
            }
        }
        return nearest.map { present[$0] }
    }
}
