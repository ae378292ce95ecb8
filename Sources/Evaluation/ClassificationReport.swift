import Storage

/// Per-class precision, recall, F1 and support with the accuracy, macro and weighted
/// averages, as scikit-learn's `classification_report(y_true, y_pred, labels=range(k))`
/// computes them. A zero denominator gives 0 (scikit-learn's default `zero_division`
/// warns and uses 0). Classes with no true and no predicted points still get a row
/// (all zeros) and count in the macro average, as with an explicit `labels=` in scikit-learn.
public struct ClassificationReport: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public let precision: Double
        public let recall: Double
        public let f1: Double
        public let support: Int
    }

    /// One row per class, in class order.
    public let classes: [Row]
    public let accuracy: Double
    /// The mean recall over the classes that have points (scikit-learn's
    /// `balanced_accuracy_score`): every class counts the same, however many points it has,
    /// so one large class cannot carry the figure. 0 when no class has points.
    public let balancedAccuracy: Double
    public let macro: Row
    public let weighted: Row
    /// All points.
    public let total: Int

    public init(_ confusion: ConfusionMatrix) {
        let k = confusion.classCount
        let support = confusion.support
        let predicted = confusion.predictedCounts
        var rows: [Row] = []
        for c in 0..<k {
            let tp = Double(confusion[c, c])
            let precision = predicted[c] == 0 ? 0 : tp / Double(predicted[c])
            let recall = support[c] == 0 ? 0 : tp / Double(support[c])
            let denominator = Double(support[c] + predicted[c])
            let f1 = denominator == 0 ? 0 : 2 * tp / denominator
            rows.append(Row(precision: precision, recall: recall, f1: f1, support: support[c]))
        }
        let total = confusion.total
        func average(_ weight: (Int) -> Double) -> (Double, Double, Double) {
            let w = (0..<k).map(weight)
            let sum = w.reduce(0, +)
            guard sum > 0 else { return (0, 0, 0) }
            var p: Double = 0, r: Double = 0, f: Double = 0
            for c in 0..<k {
                p += rows[c].precision * w[c]
                r += rows[c].recall * w[c]
                f += rows[c].f1 * w[c]
            }
            return (p / sum, r / sum, f / sum)
        }
        let m = average { _ in 1 }
        let wt = average { Double(support[$0]) }
        self.classes = rows
        self.accuracy = confusion.accuracy
        let withSupport = (0..<k).filter { support[$0] > 0 }
        self.balancedAccuracy = withSupport.isEmpty ? 0 : withSupport.reduce(0) { $0 + rows[$1].recall } / Double(withSupport.count)
        self.macro = Row(precision: m.0, recall: m.1, f1: m.2, support: total)
        self.weighted = Row(precision: wt.0, recall: wt.1, f1: wt.2, support: total)
        self.total = total
    }

    public init(truth: [Int], predicted: [Int], classCount: Int) {
        self.init(ConfusionMatrix(truth: truth, predicted: predicted, classCount: classCount))
    }

    /// `classification_report.csv`: columns `class,precision,recall,f1,support`, one row per
    /// class, then `accuracy` (precision and recall empty, f1 = accuracy, support = all
    /// points, as scikit-learn's printed report places it), `balanced accuracy` (laid out
    /// the same way), `macro avg`, `weighted avg`.
    public func csv(classNames: [String]) -> String {
        precondition(classNames.count == classes.count, "report: \(classNames.count) names for \(classes.count) classes")
        func cells(_ r: Row) -> [String] {
            [ReportNumber.format(r.precision), ReportNumber.format(r.recall), ReportNumber.format(r.f1), String(r.support)]
        }
        var rows = zip(classNames, classes).map { [$0.0] + cells($0.1) }
        rows.append(["accuracy", "", "", ReportNumber.format(accuracy), String(total)])
        rows.append(["balanced accuracy", "", "", ReportNumber.format(balancedAccuracy), String(total)])
        rows.append(["macro avg"] + cells(macro))
        rows.append(["weighted avg"] + cells(weighted))
        return CSV.render(header: ["class", "precision", "recall", "f1", "support"], rows: rows)
    }
}
