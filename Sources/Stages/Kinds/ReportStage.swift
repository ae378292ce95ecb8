import Charts
import Datasets
import Foundation
import Pipeline
import Storage

/// `report`: gathers every snapshot's `metrics.json` into `summary.json`
/// (`{"epochs": {"<e>": {metric: value}}, "headline": {...last snapshot...},
/// "baseline": {...raw pixels...}, "final_epoch": E}`) and draws every figure of the run:
/// the training curves from `history.csv` (`plots/loss.png`, `plots/cluster_size.png`,
/// `plots/centroid_distance.png`, `plots/accuracy.png`), and whatever each evaluator
/// declares (`EvaluatorDescriptor.figures`, `runFigures`). Its paths are the run folder's.
struct ReportStage: ParameterizedStage {
    struct Parameters: StageParameters {
        /// Snapshot epochs, ascending.
        var snapshots: [Int]
        /// Kinds of the snapshot evaluators planned, in `Evaluators.all` order.
        var evaluators: [String]
        /// Kinds of the run-wide evaluators planned.
        var runWide: [String]
        enum CodingKeys: String, CodingKey {
            case snapshots, evaluators
            case runWide = "run_wide"
        }
    }

    let kind = "report"
    /// 2: history's monitor columns renamed, honest legends, snapshot nearest-centroid series.
    let version = 2
    let parameters: Parameters
    let source: String
    /// The node whose `history.csv` covers every epoch (the last training epoch).
    let history: String
    var inputs: [String] { [source, "split", history] + evaluatorNodes.map(\.node) }
    func publishedPath(of file: String) -> String? { file }

    /// (descriptor, epoch, node) of every evaluator input, snapshot ones epoch by epoch.
    var evaluatorNodes: [(descriptor: EvaluatorDescriptor, epoch: Int, node: String)] {
        var out: [(EvaluatorDescriptor, Int, String)] = []
        for e in parameters.snapshots {
            for kind in parameters.evaluators { if let d = Evaluators.descriptor(kind: kind) { out.append((d, e, d.node(epoch: e))) } }
        }
        for kind in parameters.runWide { if let d = Evaluators.descriptor(kind: kind) { out.append((d, 0, d.node(epoch: 0))) } }
        return out
    }

    func run(_ context: StageContext) throws {
        let out = context.work
        func metrics(_ stage: CommittedStage) throws -> [String: JSONValue] {
            let url = stage.file("metrics.json")
            guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
            return try JSONValue.parse(data, source: url.path).objectValue ?? [:]
        }

        // summary.json
        var epochs: [String: JSONValue] = [:]
        var baseline: [String: JSONValue] = [:]
        for (descriptor, e, node) in evaluatorNodes {
            let m = try metrics(context.input(node))
            if descriptor.scope == .run {
                baseline.merge(m) { a, _ in a }
            } else {
                var current = epochs[String(e)]?.objectValue ?? [:]
                current.merge(m) { a, _ in a }
                epochs[String(e)] = .object(current)
            }
        }
        for e in parameters.snapshots where epochs[String(e)] == nil { epochs[String(e)] = .object([:]) }
        let last = parameters.snapshots.last ?? 0
        try AtomicFile.write(JSONValue.object(["epochs": .object(epochs), "headline": epochs[String(last)] ?? .object([:]),
                                               "baseline": .object(baseline), "final_epoch": .int(last)]).pretty,
                             to: out.appendingPathComponent("summary.json"))

        // Curves over epochs.
        context.progress.status("report: plots")
        let history = try HistoryTable(context.input(self.history).file("history.csv"))
        try TrainingCurves.draw(history, epochs: epochs, baseline: baseline, snapshots: parameters.snapshots, to: out)

        // What each evaluator draws.
        let data = ReportData(store: context.input(source).file("store"), split: context.input("split").file("split.json"))
        var byKind: [String: [(epoch: Int, output: CommittedStage)]] = [:]
        for (descriptor, e, node) in evaluatorNodes {
            let output = context.input(node)
            byKind[descriptor.kind, default: []].append((e, output))
            try descriptor.draw?(ReportDrawing(output: output, epoch: e, report: out, data: data))
        }
        for descriptor in Evaluators.all {
            if let outputs = byKind[descriptor.kind] { try descriptor.drawRun?(RunDrawing(outputs: outputs, report: out)) }
        }
    }
}

/// The training curves of the report, from `history.csv`'s per-epoch figures and the
/// evaluators' snapshot metrics.
enum TrainingCurves {
    /// Legends: the per-epoch monitor (history.csv's `monitor_*` columns: centroids from 32
    /// training images per class) and the snapshot evaluators (200 per class).
    static let monitor = "(monitor)", snapshot = "(snapshot)"

    static func draw(_ history: HistoryTable, epochs: [String: JSONValue], baseline: [String: JSONValue],
                     snapshots: [Int], to out: URL) throws {
        try LineChart(series: [
            LineSeries(name: "train loss", x: history.epochs, y: history["train_loss"]),
            LineSeries(name: "validation loss", x: history.epochs, y: history["val_loss"]),
            LineSeries(name: "learning rate", x: history.epochs, y: history["lr"], axis: .right, dashed: true, stepped: true),
        ], title: "Loss per epoch", xLabel: "epoch", yLabel: "loss", rightYLabel: "learning rate", integerX: true)
            .write(to: out.appendingPathComponent("plots/loss.png"))
        func snapshotSeries(_ metric: String, _ label: String) -> LineSeries? {
            let points = snapshots.compactMap { e in epochs[String(e)]?[metric]?.doubleValue.map { (Double(e), $0) } }
            return points.isEmpty ? nil : LineSeries(name: label, x: points.map(\.0), y: points.map(\.1), marker: .circle)
        }
        try LineChart(series: [LineSeries(name: "mean cluster size \(monitor)", x: history.epochs, y: history["monitor_cluster_size"])]
                      + [snapshotSeries("mean_cluster_size", "mean cluster size \(snapshot)")].compactMap { $0 },
                      title: "Mean cluster size (mean distance to own class centroid), validation", xLabel: "epoch",
                      yLabel: "distance", integerX: true)
            .write(to: out.appendingPathComponent("plots/cluster_size.png"))
        try LineChart(series: [LineSeries(name: "mean centroid distance \(monitor)", x: history.epochs, y: history["monitor_centroid_distance"])]
                      + [snapshotSeries("mean_centroid_distance", "mean centroid distance \(snapshot)")].compactMap { $0 },
                      title: "Mean distance between class centroids", xLabel: "epoch", yLabel: "distance", integerX: true)
            .write(to: out.appendingPathComponent("plots/centroid_distance.png"))
        var accuracy = [LineSeries(name: "nearest centroid \(monitor)", x: history.epochs, y: history["monitor_nc_accuracy"])]
        for descriptor in Evaluators.all {
            for (metric, label) in descriptor.accuracySeries {
                if descriptor.scope == .run {
                    if let value = baseline[metric]?.doubleValue, let first = history.epochs.first, let end = history.epochs.last {
                        accuracy.append(LineSeries(name: label, x: [first, end], y: [value, value], dashed: true))
                    }
                } else if let series = snapshotSeries(metric, label) {
                    accuracy.append(series)
                }
            }
        }
        try LineChart(series: accuracy, title: "Accuracy", xLabel: "epoch", yLabel: "accuracy", yRange: 0...1, integerX: true)
            .write(to: out.appendingPathComponent("plots/accuracy.png"))
    }
}

/// `history.csv` as columns of numbers.
struct HistoryTable {
    let columns: [String: [Double]]
    var epochs: [Double] { columns["epoch"] ?? [] }
    subscript(name: String) -> [Double] { columns[name] ?? [] }

    init(_ url: URL) throws {
        let rows = try CSV.parse(String(contentsOf: url, encoding: .utf8), source: url.path)
        guard let header = rows.first else { throw StorageError.format(path: url.path, reason: "empty") }
        var columns: [String: [Double]] = [:]
        for (i, name) in header.enumerated() { columns[name] = rows.dropFirst().map { Double($0[i]) ?? .nan } }
        self.columns = columns
    }
}

/// A square CSV matrix with class names as first column and header (`confusion.csv`, `centroids.csv`).
struct LabelledMatrix {
    /// Column labels (the header after its first cell).
    let labels: [String]
    /// Row labels (each row's first cell): the column labels, or all but the last when the
    /// matrix has one column more (a confusion matrix with an `Unknown` column).
    let rowLabels: [String]
    let values: [[Double]]
    var counts: [[Int]] { values.map { $0.map { Int($0) } } }

    init(_ url: URL) throws {
        let rows = try CSV.parse(String(contentsOf: url, encoding: .utf8), source: url.path)
        guard let header = rows.first, rows.count == header.count || rows.count == header.count - 1 else {
            throw StorageError.format(path: url.path, reason: "not a square matrix with labels")
        }
        labels = Array(header.dropFirst())
        rowLabels = rows.dropFirst().map { $0.first ?? "" }
        values = rows.dropFirst().map { $0.dropFirst().map { Double($0) ?? .nan } }
    }
}

/// `tsne.csv` (`row,path,class,x,y`) as coordinates and class indices in first-seen order.
struct TSNELayout {
    var x: [Double] = [], y: [Double] = [], classes: [Int] = [], classNames: [String] = []
    /// x0, y0, x1, y1, ... for Procrustes.
    var interleaved: [Float] { zip(x, y).flatMap { [Float($0), Float($1)] } }

    init(_ url: URL) throws {
        let rows = try CSV.parse(String(contentsOf: url, encoding: .utf8), source: url.path)
        var index: [String: Int] = [:]
        for row in rows.dropFirst() where row.count == 5 {
            if index[row[2]] == nil { index[row[2]] = classNames.count; classNames.append(row[2]) }
            classes.append(index[row[2]]!)
            x.append(Double(row[3]) ?? 0)
            y.append(Double(row[4]) ?? 0)
        }
    }
}
