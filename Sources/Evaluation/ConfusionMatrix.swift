import Storage

/// A confusion matrix: rows are true classes, columns predicted classes, over the class
/// indices 0..<classCount (scikit-learn's `confusion_matrix(y_true, y_pred, labels=range(k))`).
public struct ConfusionMatrix: Sendable, Equatable {
    public let classCount: Int
    /// `counts[t * classCount + p]`: points of true class t predicted as p.
    public let counts: [Int]

    /// - Precondition: labels in 0..<classCount, equal lengths.
    public init(truth: [Int], predicted: [Int], classCount: Int) {
        precondition(truth.count == predicted.count, "confusion: \(truth.count) true vs \(predicted.count) predicted labels")
        var counts = [Int](repeating: 0, count: classCount * classCount)
        for (t, p) in zip(truth, predicted) {
            precondition(t >= 0 && t < classCount && p >= 0 && p < classCount, "confusion: label out of 0..<\(classCount)")
            counts[t * classCount + p] += 1
        }
        self.classCount = classCount
        self.counts = counts
    }

    public subscript(truth: Int, predicted: Int) -> Int { counts[truth * classCount + predicted] }

    /// Points per true class (row sums).
    public var support: [Int] { (0..<classCount).map { t in (0..<classCount).reduce(0) { $0 + self[t, $1] } } }
    /// Points per predicted class (column sums).
    public var predictedCounts: [Int] { (0..<classCount).map { p in (0..<classCount).reduce(0) { $0 + self[$1, p] } } }
    public var total: Int { counts.reduce(0, +) }
    public var correct: Int { (0..<classCount).reduce(0) { $0 + self[$1, $1] } }
    /// Fraction of points on the diagonal (0 for no points).
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// `confusion.csv`: header `true\predicted,<class names...>`, then one row per true
    /// class: its name and its counts per predicted class (pandas:
    /// `read_csv(path, index_col=0)` gives the square table).
    public func csv(classNames: [String]) -> String {
        precondition(classNames.count == classCount, "confusion: \(classNames.count) names for \(classCount) classes")
        let rows = (0..<classCount).map { t in [classNames[t]] + (0..<classCount).map { String(self[t, $0]) } }
        return CSV.render(header: ["true\\predicted"] + classNames, rows: rows)
    }
}
