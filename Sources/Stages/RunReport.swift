import Charts
import Foundation
import Pipeline
import Storage

/// Writes a run folder's `report.html` from the files already in it (plots, CSVs,
/// summary.json, experiment.yaml) and the run's stage table. Written by the runner, not by a
/// stage, because the stage table (computed / cached / resumed) belongs to this run alone.
enum RunReport {
    static func write(_ folder: RunFolder, experimentYAML: String, records: [StageRecord], provenance: [(String, String)]) throws {
        let fm = FileManager.default
        func exists(_ path: String) -> Bool { fm.fileExists(atPath: folder.url.appendingPathComponent(path).path) }
        func figure(_ caption: String, _ path: String) -> ReportFigure? { exists(path) ? ReportFigure(caption: caption, path: path) : nil }
        func table(_ caption: String, _ path: String) throws -> ReportTable? {
            guard exists(path) else { return nil }
            return try ReportTable(caption: caption, csv: String(contentsOf: folder.url.appendingPathComponent(path), encoding: .utf8))
        }
        let summary = folder.summary
        var metricRows: [[String]] = []
        let epochs = (summary?["epochs"]?.objectValue ?? [:]).keys.compactMap(Int.init).sorted()
        let names = Set(epochs.flatMap { summary?["epochs"]?[String($0)]?.objectValue?.keys.map { $0 } ?? [] }).sorted()
        for name in names {
            metricRows.append([name] + epochs.map { e in
                summary?["epochs"]?[String(e)]?[name]?.doubleValue.map { String(format: "%.4f", $0) } ?? "–"
            })
        }
        for (name, value) in (summary?["baseline"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            metricRows.append([name + " (raw pixels)"] + epochs.map { _ in value.doubleValue.map { String(format: "%.4f", $0) } ?? "–" })
        }
        let metrics = ReportTable(caption: "Metrics per snapshot epoch", header: ["metric"] + epochs.map { "epoch \($0)" }, rows: metricRows)
        let figures = [
            figure("Train and validation loss, learning rate", "plots/loss.png"),
            figure("Accuracy per snapshot", "plots/accuracy.png"),
            figure("Mean cluster size", "plots/cluster_size.png"),
            figure("Mean centroid distance", "plots/centroid_distance.png"),
            figure("t-SNE over the snapshot epochs", "plots/tsne.gif"),
        ].compactMap { $0 }
        var snapshots: [ReportSnapshot] = []
        for e in epochs {
            let p = "epoch-\(e)/"
            snapshots.append(ReportSnapshot(epoch: e, figures: [
                figure("Nearest-centroid confusion (validation)", p + "confusion.png"),
                figure("Centroid distances, cluster sizes on the diagonal", p + "centroids.png"),
                figure("t-SNE of the validation embeddings", p + "tsne.png"),
                figure("Most confused pair", p + "confused_pair.png"),
                figure("SVM confusion (test)", p + "svm/confusion.png"),
                figure("k-means confusion (test)", p + "kmeans/confusion.png"),
            ].compactMap { $0 }, tables: try [
                table("Nearest-centroid classification report", p + "classification_report.csv"),
                table("SVM classification report", p + "svm/classification_report.csv"),
                table("k-means classification report", p + "kmeans/classification_report.csv"),
                table("k-means cluster-to-class mapping", p + "kmeans/mapping.csv"),
                table("Zero-shot figures", p + "zeroshot/summary.csv"),
            ].compactMap { $0 }))
        }
        let content = ReportContent(
            title: "krill run \(folder.label)", subtitle: "", provenance: provenance, experimentYAML: experimentYAML,
            metrics: metrics, figures: figures, snapshots: snapshots,
            stages: records.map { ReportStageRow(node: $0.node, kind: $0.kind, state: $0.state.rawValue, seconds: $0.seconds) })
        try folder.write(try ReportPage.render(content), to: "report.html")
    }
}
