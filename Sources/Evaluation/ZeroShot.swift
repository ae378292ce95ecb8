import Foundation
import Clustering
import Linalg
import Storage

/// Zero-shot evaluation: how well embeddings of classes the network never trained on
/// separate. For one set of embeddings (the unseen classes, or the seen ones for
/// contrast):
/// (a) few-shot nearest centroid: `shots` labelled points per class (drawn at random)
///     are that class's centroid, every other point of the set is classified by the
///     nearest centroid; repeated over `draws` seeded draws, mean and population standard
///     deviation (numpy's default, ddof 0) of the accuracy reported;
/// (b) k-means with one cluster per class on the whole set: NMI and ARI against the
///     classes, and the accuracy of the Hungarian (one-to-one) mapping fitted on the
///     same set (the set has no separate fitting split).
public enum ZeroShot {
    public struct Config: Sendable, Equatable {
        /// Labelled examples per class used as its centroid. A class with no more than
        /// `shots` points uses all but one of them (at least one).
        public var shots: Int
        /// Independent draws of the shots.
        public var draws: Int
        /// k-means parameters (`clusters` is replaced by the set's class count).
        public var kmeans: KMeansConfig
        /// Draw r of set s uses `RandomStream(seed: seed, "zeroshot", s, r)`.
        public var seed: UInt64

        public init(shots: Int = 5, draws: Int = 20, kmeans: KMeansConfig? = nil, seed: UInt64 = 0) {
            self.shots = shots
            self.draws = draws
            self.kmeans = kmeans ?? KMeansConfig(clusters: 1, algorithm: .lloyd, restarts: 10, seed: seed)
            self.seed = seed
        }
    }

    public struct Figures: Sendable, Equatable {
        /// The set's name (`unseen`, `seen`).
        public let set: String
        public let classes: Int
        public let points: Int
        public let shots: Int
        /// Nearest-centroid accuracy of each draw.
        public let accuracies: [Double]
        public let accuracyMean: Double
        public let accuracyStd: Double
        public let nmi: Double
        public let ari: Double
        /// Accuracy of k-means with the Hungarian mapping.
        public let kmeansAccuracy: Double
    }

    /// Evaluates one set of n x d row-major embeddings with classes 0..<classCount.
    public static func evaluate(set name: String, _ x: [Float], n: Int, d: Int, labels: [Int], classCount: Int,
                                config: Config) -> Figures {
        precondition(x.count == n * d && labels.count == n, "zero-shot: shape mismatch")
        var members = [[Int]](repeating: [], count: classCount)
        for (i, c) in labels.enumerated() { members[c].append(i) }
        let present = (0..<classCount).filter { !members[$0].isEmpty }
        var accuracies: [Double] = []
        for r in 0..<config.draws {
            var random = RandomStream(seed: config.seed, "zeroshot", name, r)
            var isShot = [Bool](repeating: false, count: n)
            var centroids = [Float](repeating: 0, count: present.count * d)
            for (p, c) in present.enumerated() {
                let pool = members[c]
                let take = max(1, min(config.shots, pool.count - 1))
                let picks = random.sample(take, from: pool.count).map { pool[$0] }
                var sums = [Double](repeating: 0, count: d)
                for i in picks {
                    isShot[i] = true
                    for j in 0..<d { sums[j] += Double(x[i * d + j]) }
                }
                for j in 0..<d { centroids[p * d + j] = Float(sums[j] / Double(take)) }
            }
            let queries = (0..<n).filter { !isShot[$0] }
            guard !queries.isEmpty else { continue }
            var qx = [Float](repeating: 0, count: queries.count * d)
            for (q, i) in queries.enumerated() { for j in 0..<d { qx[q * d + j] = x[i * d + j] } }
            let nearest = qx.withUnsafeBufferPointer { qb in
                centroids.withUnsafeBufferPointer { cb in
                    SquaredDistances.nearest(qb.baseAddress!, n: queries.count, d: d, centers: cb.baseAddress!, k: present.count).labels
                }
            }
            let correct = zip(queries, nearest).filter { labels[$0.0] == present[$0.1] }.count
            accuracies.append(Double(correct) / Double(queries.count))
        }
        let mean = accuracies.isEmpty ? 0 : accuracies.reduce(0, +) / Double(accuracies.count)
        let std = accuracies.isEmpty ? 0 : (accuracies.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(accuracies.count)).squareRoot()

        var kmeans = config.kmeans
        kmeans.clusters = min(max(1, present.count), n)
        let model = KMeans.fit(x, n: n, d: d, config: kmeans)
        let mapping = ClusterMapping.hungarian(clusters: model.labels, classes: labels, clusterCount: kmeans.clusters, classCount: classCount)
        let predicted = mapping.predict(model.labels)
        let kmeansAccuracy = n == 0 ? 0 : Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(n)
        return Figures(set: name, classes: present.count, points: n, shots: config.shots, accuracies: accuracies,
                       accuracyMean: mean, accuracyStd: std,
                       nmi: ClusterMetrics.nmi(labels, model.labels), ari: ClusterMetrics.ari(labels, model.labels),
                       kmeansAccuracy: kmeansAccuracy)
    }

    /// `zeroshot/summary.csv`: columns
    /// `set,classes,points,shots,draws,nc_accuracy_mean,nc_accuracy_std,kmeans_nmi,kmeans_ari,kmeans_accuracy`,
    /// one row per evaluated set (e.g. `unseen`, then `seen`).
    public static func summaryCSV(_ sets: [Figures]) -> String {
        let rows = sets.map { f in
            [f.set, String(f.classes), String(f.points), String(f.shots), String(f.accuracies.count),
             ReportNumber.format(f.accuracyMean), ReportNumber.format(f.accuracyStd),
             ReportNumber.format(f.nmi), ReportNumber.format(f.ari), ReportNumber.format(f.kmeansAccuracy)]
        }
        return CSV.render(header: ["set", "classes", "points", "shots", "draws", "nc_accuracy_mean", "nc_accuracy_std",
                                   "kmeans_nmi", "kmeans_ari", "kmeans_accuracy"], rows: rows)
    }

    /// `zeroshot/draws.csv`: columns `set,draw,accuracy`: the nearest-centroid accuracy of every draw.
    public static func drawsCSV(_ sets: [Figures]) -> String {
        let rows = sets.flatMap { f in f.accuracies.enumerated().map { [f.set, String($0.offset), ReportNumber.format($0.element)] } }
        return CSV.render(header: ["set", "draw", "accuracy"], rows: rows)
    }

    /// Writes `summary.csv` and `draws.csv` into `folder` (e.g. `epoch-<e>/zeroshot/`).
    public static func write(_ sets: [Figures], to folder: URL) throws {
        try AtomicFile.write(summaryCSV(sets), to: folder.appendingPathComponent("summary.csv"))
        try AtomicFile.write(drawsCSV(sets), to: folder.appendingPathComponent("draws.csv"))
    }
}
