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
        func text(_ x: JSONValue?) -> String { x?.doubleValue.map { String(format: "%.4f", $0) } ?? "–" }
        // Each evaluator's metrics in its declared order; anything else after them.
        let declared = Evaluators.all.flatMap { d in d.metrics.map { (d, $0) } }
        let present = Set(epochs.flatMap { summary?["epochs"]?[String($0)]?.objectValue?.keys.map { $0 } ?? [] })
            .union((summary?["baseline"]?.objectValue ?? [:]).keys)
        for (d, m) in declared where present.contains(m.name) {
            let row = d.scope == .run ? epochs.map { _ in text(summary?["baseline"]?[m.name]) }
                                      : epochs.map { text(summary?["epochs"]?[String($0)]?[m.name]) }
            metricRows.append(["\(m.label) (\(m.name))"] + row)
        }
        for name in present.subtracting(declared.map(\.1.name)).sorted() {
            metricRows.append([name] + epochs.map { text(summary?["epochs"]?[String($0)]?[name] ?? summary?["baseline"]?[name]) })
        }
        let metrics = ReportTable(caption: "Metrics per snapshot epoch", header: ["metric"] + epochs.map { "epoch \($0)" }, rows: metricRows)
        var figures = [
            figure("Train and validation loss, learning rate", "plots/loss.png"),
            figure("Accuracy. Monitor: every epoch, centroids of 32 training images per class; snapshot: 200 per class", "plots/accuracy.png"),
            figure("Mean cluster size (monitor every epoch, and at snapshots)", "plots/cluster_size.png"),
            figure("Mean centroid distance (monitor every epoch, and at snapshots)", "plots/centroid_distance.png"),
        ].compactMap { $0 }
        for d in Evaluators.all {
            figures += d.runFigures.compactMap { figure($0.caption, $0.path) }
            if d.scope == .run { figures += d.figures.compactMap { figure($0.caption, $0.path) } }
        }
        var snapshots: [ReportSnapshot] = []
        for e in epochs {
            let p = "epoch-\(e)/"
            let snapshotEvaluators = Evaluators.all.filter { $0.scope == .snapshot }
            snapshots.append(ReportSnapshot(
                epoch: e,
                figures: snapshotEvaluators.flatMap(\.figures).compactMap { figure($0.caption, p + $0.path) },
                tables: try snapshotEvaluators.flatMap(\.tables).compactMap { try table($0.caption, p + $0.path) }))
        }
        let content = ReportContent(
            title: "krill run \(folder.label)", subtitle: "", provenance: provenance, experimentYAML: experimentYAML,
            metrics: metrics, figures: figures, snapshots: snapshots,
            stages: records.map { ReportStageRow(node: $0.node, kind: $0.kind, state: $0.state.rawValue, seconds: $0.seconds) })
        try folder.write(try ReportPage.render(content), to: "report.html")
    }
}
