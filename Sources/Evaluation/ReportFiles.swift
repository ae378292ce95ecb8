import Foundation
import Clustering
import Storage

/// The per-row and per-cluster CSV files of an evaluator's folder (`svm/`, `kmeans/`,
/// the snapshot folder), and writing a classifier's three files at once.
public enum ReportFiles {
    /// A predicted class's name: `Unknown` for `ClusterMapping.unknown`.
    static func name(_ label: Int, _ classNames: [String]) -> String {
        label == ClusterMapping.unknown ? ConfusionMatrix.unknownName : classNames[label]
    }

    /// `predictions.csv`: columns `row,path,true,predicted`: the row index in the split's
    /// embeddings, the image path (empty when `paths` is nil), and the true and predicted
    /// class names.
    public static func predictionsCSV(truth: [Int], predicted: [Int], classNames: [String], paths: [String]? = nil) -> String {
        precondition(truth.count == predicted.count, "predictions: \(truth.count) vs \(predicted.count)")
        precondition(paths == nil || paths!.count == truth.count, "predictions: \(paths!.count) paths for \(truth.count) rows")
        let rows = truth.indices.map { i in
            [String(i), paths?[i] ?? "", classNames[truth[i]], name(predicted[i], classNames)]
        }
        return CSV.render(header: ["row", "path", "true", "predicted"], rows: rows)
    }

    /// `mapping.csv`: columns `cluster,class,assigned,count,size`: each cluster index, the
    /// class name it maps to, whether the mapping rule picked it (`false`: the rule's
    /// fallback, see `ClusterMapping`), how many points of the split the mapping was fitted
    /// on are in the cluster and of that class (`count`), and in the cluster at all (`size`).
    public static func mappingCSV(_ mapping: ClusterMapping, classNames: [String]) -> String {
        let rows = mapping.classOfCluster.indices.map { c in
            [String(c), name(mapping.classOfCluster[c], classNames), mapping.assigned[c] ? "true" : "false",
             String(mapping.matchedCount(cluster: c)), String(mapping.size(cluster: c))]
        }
        return CSV.render(header: ["cluster", "class", "assigned", "count", "size"], rows: rows)
    }

    /// `tsne.csv`: columns `row,path,class,x,y` for n x 2 row-major coordinates.
    public static func tsneCSV(_ coordinates: [Float], labels: [Int], classNames: [String], paths: [String]? = nil) -> String {
        precondition(coordinates.count == 2 * labels.count, "tsne: \(coordinates.count) coordinates for \(labels.count) rows")
        let rows = labels.indices.map { i in
            [String(i), paths?[i] ?? "", classNames[labels[i]],
             ReportNumber.format(coordinates[2 * i]), ReportNumber.format(coordinates[2 * i + 1])]
        }
        return CSV.render(header: ["row", "path", "class", "x", "y"], rows: rows)
    }

    /// Writes `tsne.csv` (see `tsneCSV`) to `url` atomically.
    public static func writeTSNE(_ coordinates: [Float], labels: [Int], classNames: [String], paths: [String]? = nil,
                                 to url: URL) throws {
        try AtomicFile.write(tsneCSV(coordinates, labels: labels, classNames: classNames, paths: paths), to: url)
    }

    /// Writes `classification_report.csv`, `confusion.csv` and `predictions.csv` of a
    /// classifier into `folder` (created if missing; each file written atomically).
    /// - Returns: the report, for summary figures.
    @discardableResult
    public static func writeClassifier(truth: [Int], predicted: [Int], classNames: [String], paths: [String]? = nil,
                                       to folder: URL) throws -> ClassificationReport {
        let confusion = ConfusionMatrix(truth: truth, predicted: predicted, classCount: classNames.count)
        let report = ClassificationReport(confusion)
        try AtomicFile.write(report.csv(classNames: classNames), to: folder.appendingPathComponent("classification_report.csv"))
        try AtomicFile.write(confusion.csv(classNames: classNames), to: folder.appendingPathComponent("confusion.csv"))
        try AtomicFile.write(predictionsCSV(truth: truth, predicted: predicted, classNames: classNames, paths: paths),
                             to: folder.appendingPathComponent("predictions.csv"))
        return report
    }
}
