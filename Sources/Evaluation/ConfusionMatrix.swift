import Clustering
import Storage

/// A confusion matrix is a contingency table of (true class, predicted class) over the
/// class indices 0..<classCount, rows true and columns predicted (scikit-learn's
/// `confusion_matrix(y_true, y_pred, labels=range(k))`). When some point is predicted
/// `ClusterMapping.unknown` (a k-means cluster no class claimed), one more column,
/// `Unknown`, counts them: they are on no diagonal, so they count as errors.
public typealias ConfusionMatrix = Contingency

extension Contingency {
    /// The name of the `Unknown` column and prediction.
    public static let unknownName = "Unknown"

    /// The confusion matrix of `truth` against `predicted`.
    /// - Precondition: truth in 0..<classCount, predicted in 0..<classCount or
    ///   `ClusterMapping.unknown`, equal lengths.
    public init(truth: [Int], predicted: [Int], classCount: Int) {
        if predicted.contains(ClusterMapping.unknown) {
            self.init(truth, predicted.map { $0 == ClusterMapping.unknown ? classCount : $0 }, aCount: classCount, bCount: classCount + 1)
        } else {
            self.init(truth, predicted, aCount: classCount, bCount: classCount)
        }
    }

    /// Whether the last column counts `Unknown` predictions.
    public var hasUnknownColumn: Bool { bCount == aCount + 1 }

    /// Classes of a square confusion matrix.
    public var classCount: Int { aCount }
    /// Points per true class (row sums).
    public var support: [Int] { rowSums }
    /// Points per predicted class (column sums).
    public var predictedCounts: [Int] { columnSums }
    /// Points on the diagonal.
    public var correct: Int { (0..<min(aCount, bCount)).reduce(0) { $0 + self[$1, $1] } }
    /// Fraction of points on the diagonal (0 for no points).
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// `confusion.csv`: header `true\predicted,<class names...>[,Unknown]`, then one row per
    /// true class: its name and its counts per predicted class (pandas:
    /// `read_csv(path, index_col=0)` gives the table).
    public func csv(classNames: [String]) -> String {
        precondition(classNames.count == aCount && (aCount == bCount || hasUnknownColumn),
                     "confusion: \(classNames.count) names for \(aCount)x\(bCount)")
        let rows = (0..<aCount).map { t in [classNames[t]] + (0..<bCount).map { String(self[t, $0]) } }
        return CSV.render(header: ["true\\predicted"] + classNames + (hasUnknownColumn ? [Contingency.unknownName] : []), rows: rows)
    }
}
