import Foundation
import Storage

/// Per-class summaries of an embedding split: the class centroids (mean embedding), the
/// cluster sizes (mean Euclidean distance of a class's points to its own centroid, not
/// divided by anything) and the Euclidean distances between centroids. All sums are in
/// Double; centroids are stored as Float.
public struct ClassCentroids: Sendable, Equatable {
    public let classCount: Int
    public let dimensions: Int
    /// classCount x dimensions row-major; a class without points has a zero row.
    public let centroids: [Float]
    /// Points per class.
    public let counts: [Int]
    /// Mean Euclidean distance of each class's points to its centroid (0 without points).
    public let sizes: [Double]

    /// Summarises n x d row-major embeddings with one class (0..<classCount) per row.
    public init(_ x: [Float], n: Int, d: Int, labels: [Int], classCount: Int) {
        precondition(x.count == n * d && labels.count == n, "centroids: shape mismatch")
        self.init(classCount: classCount, dimensions: d) { visit in visit(x, labels) }
    }

    /// Summarises rows that arrive in blocks, without holding them all: `pass(visit)` must
    /// call `visit(x, labels)` for every block (x: rows x d row-major, one class per row),
    /// the same blocks in the same order each time it is called; it is called twice (sums,
    /// then distances to the centroids). The sums run row by row in Double, so any cut
    /// into blocks gives the same bits as all rows at once.
    public init(classCount: Int, dimensions d: Int,
                pass: (_ visit: (_ x: [Float], _ labels: [Int]) -> Void) throws -> Void) rethrows {
        var sums = [Double](repeating: 0, count: classCount * d)
        var counts = [Int](repeating: 0, count: classCount)
        try pass { x, labels in
            precondition(x.count == labels.count * d, "centroids: shape mismatch")
            for (i, c) in labels.enumerated() {
                precondition(c >= 0 && c < classCount, "centroids: label \(c) out of 0..<\(classCount)")
                counts[c] += 1
                for j in 0..<d { sums[c * d + j] += Double(x[i * d + j]) }
            }
        }
        var centroids = [Float](repeating: 0, count: classCount * d)
        for c in 0..<classCount where counts[c] > 0 {
            for j in 0..<d { centroids[c * d + j] = Float(sums[c * d + j] / Double(counts[c])) }
        }
        var sizes = [Double](repeating: 0, count: classCount)
        try pass { x, labels in
            for (i, c) in labels.enumerated() {
                var s: Double = 0
                for j in 0..<d { let t = Double(x[i * d + j]) - Double(centroids[c * d + j]); s += t * t }
                sizes[c] += s.squareRoot()
            }
        }
        for c in 0..<classCount where counts[c] > 0 { sizes[c] /= Double(counts[c]) }
        self.classCount = classCount
        self.dimensions = d
        self.centroids = centroids
        self.counts = counts
        self.sizes = sizes
    }

    /// Euclidean distance between the centroids of classes a and b.
    public func distance(_ a: Int, _ b: Int) -> Double {
        var s: Double = 0
        for j in 0..<dimensions {
            let t = Double(centroids[a * dimensions + j]) - Double(centroids[b * dimensions + j])
            s += t * t
        }
        return s.squareRoot()
    }

    /// classCount x classCount row-major: centroid distances off the diagonal, cluster
    /// sizes on it.
    public var distanceMatrix: [Double] {
        var m = [Double](repeating: 0, count: classCount * classCount)
        for a in 0..<classCount {
            for b in 0..<classCount { m[a * classCount + b] = a == b ? sizes[a] : distance(a, b) }
        }
        return m
    }

    /// Mean cluster size over classes with points.
    public var meanSize: Double {
        let present = (0..<classCount).filter { counts[$0] > 0 }
        return present.isEmpty ? 0 : present.reduce(0) { $0 + sizes[$1] } / Double(present.count)
    }

    /// Mean distance between the centroids of distinct classes with points.
    public var meanCentroidDistance: Double {
        let present = (0..<classCount).filter { counts[$0] > 0 }
        var total: Double = 0, pairs = 0
        for (i, a) in present.enumerated() {
            for b in present[(i + 1)...] { total += distance(a, b); pairs += 1 }
        }
        return pairs == 0 ? 0 : total / Double(pairs)
    }

    /// `centroids.csv`: header `class,<class names...>`, one row per class: its name, then
    /// the distance of its centroid to each class's centroid, with its cluster size (mean
    /// distance of its points to its centroid) on the diagonal.
    public func csv(classNames: [String]) -> String {
        precondition(classNames.count == classCount, "centroids: \(classNames.count) names for \(classCount) classes")
        let m = distanceMatrix
        let rows = (0..<classCount).map { a in [classNames[a]] + (0..<classCount).map { ReportNumber.format(m[a * classCount + $0]) } }
        return CSV.render(header: ["class"] + classNames, rows: rows)
    }
}
