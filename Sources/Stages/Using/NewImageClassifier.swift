import Evaluation
import Foundation
import Storage
import SVM

/// Classifies embeddings of new images with a run's SVM or its nearest-centroid classifier
/// (`krill classify`), optionally calling `unknown` what lies far from every class.
public struct NewImageClassifier {
    public enum Method: String, CaseIterable, Sendable {
        /// The run's SVM (libsvm's one-vs-one vote).
        case svm
        /// The nearest class centroid (centroids of the run's training sample).
        case centroid
    }

    /// One image's result.
    public struct Prediction: Equatable, Sendable {
        /// The class, or `unknown`.
        public let predicted: String
        public let score: Double
        public let second: String
        public let secondScore: Double
    }

    public static let unknown = "unknown"

    public let method: Method
    public let classes: [String]
    let centroids: ClassCentroids
    let svm: SVMPredictor?

    /// - Parameters:
    ///   - classes, centroids: the run's seen classes and their centroids (`TrainedRun.centroids`).
    ///   - svm: the run's SVM, for `.svm`.
    public init(method: Method, classes: [String], centroids: ClassCentroids, svm: SVMPredictor?) {
        precondition(method == .centroid || svm != nil, "the svm method needs the run's SVM")
        self.method = method
        self.classes = classes
        self.centroids = centroids
        self.svm = svm
    }

    /// Euclidean distance of each of the n rows to each class centroid divided by that
    /// class's cluster size (n x k, row-major; +inf for a class without centroid).
    func relativeDistances(_ x: [Float], n: Int) -> [Double] {
        let d = centroids.dimensions, k = classes.count
        var out = [Double](repeating: .infinity, count: n * k)
        for i in 0..<n {
            for c in 0..<k where centroids.counts[c] > 0 {
                var s = 0.0
                for j in 0..<d {
                    let t = Double(x[i * d + j]) - Double(centroids.centroids[c * d + j])
                    s += t * t
                }
                let size = centroids.sizes[c]
                out[i * k + c] = size > 0 ? s.squareRoot() / size : (s == 0 ? 0 : .infinity)
            }
        }
        return out
    }

    /// The predictions for n x D embeddings.
    ///
    /// - `svm`: `predicted` is the SVM's class (exactly what the run's svm stage predicts for
    ///   the same image), `score` the share of its k - 1 one-vs-one contests it won,
    ///   `second` the class with the next most wins.
    /// - `centroid`: `predicted` is the nearest centroid's class (exactly the run's
    ///   nearest-centroid prediction), `score` the distance to it in units of that class's
    ///   cluster size (the mean distance of its training members to it: 1 is a typical
    ///   member, lower is closer), `second` the next nearest class in those units.
    ///
    /// With `unknownBeyond` X, an image farther than X cluster sizes from every centroid is
    /// `unknown`: its `score` is the smallest relative distance, `second` the class the
    /// method would have given and `second_score` that class's score.
    public func classify(_ x: [Float], n: Int, unknownBeyond: Double? = nil) -> [Prediction] {
        let k = classes.count
        let relative = relativeDistances(x, n: n)
        var out: [Prediction] = []
        out.reserveCapacity(n)
        switch method {
        case .svm:
            let votes = svm!.vote(x, n: n)
            let total = Double(max(k - 1, 1))
            for (i, v) in votes.enumerated() {
                out.append(Prediction(predicted: classes[v.best], score: Double(v.bestVotes) / total,
                                      second: v.second.map { classes[$0] } ?? "", secondScore: Double(v.secondVotes) / total))
            }
        case .centroid:
            let predicted = NearestCentroid(centroids).predict(x, n: n)
            for i in 0..<n {
                let best = predicted[i]
                var second = -1
                for c in 0..<k where c != best && centroids.counts[c] > 0 {
                    if second < 0 || relative[i * k + c] < relative[i * k + second] { second = c }
                }
                out.append(Prediction(predicted: classes[best], score: relative[i * k + best],
                                      second: second >= 0 ? classes[second] : "", secondScore: second >= 0 ? relative[i * k + second] : .infinity))
            }
        }
        guard let limit = unknownBeyond else { return out }
        return out.enumerated().map { i, p in
            let nearest = (0..<k).map { relative[i * k + $0] }.min() ?? .infinity
            guard nearest > limit else { return p }
            return Prediction(predicted: NewImageClassifier.unknown, score: nearest, second: p.predicted, secondScore: p.score)
        }
    }

    /// `predictions.csv`: `path,predicted,score,second,second_score`, one row per image.
    public static func csv(paths: [String], predictions: [Prediction]) -> String {
        CSV.render(header: ["path", "predicted", "score", "second", "second_score"], rows: zip(paths, predictions).map { path, p in
            [path, p.predicted, ReportNumber.format(p.score), p.second, ReportNumber.format(p.secondScore)]
        })
    }

    /// Predicted counts per class, most first (ties by name), with their shares.
    public static func summary(_ predictions: [Prediction]) -> [(name: String, count: Int, share: Double)] {
        var counts: [String: Int] = [:]
        for p in predictions { counts[p.predicted, default: 0] += 1 }
        let n = Double(max(predictions.count, 1))
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { ($0.key, $0.value, Double($0.value) / n) }
    }
}
