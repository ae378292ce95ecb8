import Linalg

/// The per-epoch summaries: class centroids from reference embeddings (a fixed sample of
/// training images), then on the evaluation embeddings (validation) the mean cluster size,
/// the mean centroid distance and the nearest-centroid accuracy. Distances are Euclidean;
/// arithmetic in Double.
public struct CentroidSummary: Equatable, Sendable {
    /// Mean over classes of the mean distance of a class's evaluation points to its centroid.
    public var meanClusterSize: Double
    /// Mean distance over all unordered pairs of centroids.
    public var meanCentroidDistance: Double
    /// Fraction of evaluation points whose nearest centroid is their class's (ties: lower class).
    public var nearestCentroidAccuracy: Double

    /// - Parameters:
    ///   - reference: (R, D) embeddings the centroids are computed from, with `referenceLabels`.
    ///   - evaluation: (E, D) embeddings summarised, with `evaluationLabels`; points of classes
    ///     without a centroid are skipped.
    public static func compute(reference: Matrix, referenceLabels: [Int], evaluation: Matrix, evaluationLabels: [Int]) -> CentroidSummary {
        let d = reference.cols
        let classes = Array(Set(referenceLabels)).sorted()
        var position: [Int: Int] = [:]
        for (i, c) in classes.enumerated() { position[c] = i }
        var centroids = [Double](repeating: 0, count: classes.count * d)
        var counts = [Int](repeating: 0, count: classes.count)
        for (r, label) in referenceLabels.enumerated() {
            let k = position[label]!
            counts[k] += 1
            for j in 0..<d { centroids[k * d + j] += Double(reference[r, j]) }
        }
        for k in classes.indices { for j in 0..<d { centroids[k * d + j] /= Double(max(counts[k], 1)) } }

        func distance(_ e: Int, _ k: Int) -> Double {
            var s = 0.0
            for j in 0..<d {
                let t = Double(evaluation[e, j]) - centroids[k * d + j]
                s += t * t
            }
            return s.squareRoot()
        }
        var sizeSum = [Double](repeating: 0, count: classes.count)
        var sizeCount = [Int](repeating: 0, count: classes.count)
        var correct = 0, total = 0
        for (e, label) in evaluationLabels.enumerated() {
            guard let own = position[label] else { continue }
            var best = 0, bestD = Double.infinity
            for k in classes.indices {
                let dk = distance(e, k)
                if dk < bestD { bestD = dk; best = k }
                if k == own { sizeSum[k] += dk; sizeCount[k] += 1 }
            }
            if best == own { correct += 1 }
            total += 1
        }
        let present = classes.indices.filter { sizeCount[$0] > 0 }
        let meanSize = present.isEmpty ? Double.nan : present.reduce(0.0) { $0 + sizeSum[$1] / Double(sizeCount[$1]) } / Double(present.count)
        var pairSum = 0.0, pairs = 0
        for a in classes.indices {
            for b in (a + 1)..<max(classes.count, a + 1) {
                var s = 0.0
                for j in 0..<d {
                    let t = centroids[a * d + j] - centroids[b * d + j]
                    s += t * t
                }
                pairSum += s.squareRoot()
                pairs += 1
            }
        }
        return CentroidSummary(meanClusterSize: meanSize,
                               meanCentroidDistance: pairs == 0 ? .nan : pairSum / Double(pairs),
                               nearestCentroidAccuracy: total == 0 ? .nan : Double(correct) / Double(total))
    }
}
