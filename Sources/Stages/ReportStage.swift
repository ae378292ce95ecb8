import Charts
import Datasets
import Foundation
import Imaging
import Pipeline
import Storage
import TSNE

/// `report`: gathers every snapshot's `metrics.json` into `summary.json`
/// (`{"epochs": {"<e>": {metric: value}}, "headline": {...last snapshot...},
/// "baseline": {...raw pixels...}, "final_epoch": E}`) and draws every figure of the run:
/// `plots/loss.png`, `plots/cluster_size.png`, `plots/centroid_distance.png`,
/// `plots/accuracy.png`, `plots/tsne.gif`, and per snapshot `epoch-<e>/confusion.png`,
/// `centroids.png`, `tsne.png`, `confused_pair.png`, `svm/confusion.png`,
/// `kmeans/confusion.png`. Its paths are the run folder's.
struct ReportStage: Stage {
    let kind = "report"
    let version = 1
    let source: String
    let snapshots: [Int]
    /// Evaluator nodes per snapshot epoch.
    let evaluators: [Int: [String]]
    /// Nodes evaluated once per run (the raw-pixel baseline), whose metrics go to `baseline`.
    let runWide: [String]
    var inputs: [String] { [source, "split", "train"] + snapshots.flatMap { evaluators[$0] ?? [] } + runWide }
    var params: JSONValue { .object(["snapshots": .array(snapshots.map { .int($0) })]) }
    func publishedPath(of file: String) -> String? { file }

    func run(_ context: StageContext) throws {
        let out = context.work
        func node(_ kind: String, _ e: Int) -> CommittedStage? {
            (evaluators[e] ?? []).contains("\(kind)@\(e)") ? context.input("\(kind)@\(e)") : nil
        }
        func metrics(_ stage: CommittedStage) throws -> [String: JSONValue] {
            let url = stage.file("metrics.json")
            guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
            return try JSONValue.parse(data, source: url.path).objectValue ?? [:]
        }

        // summary.json
        var epochs: [String: JSONValue] = [:]
        for e in snapshots {
            var m: [String: JSONValue] = [:]
            for name in evaluators[e] ?? [] { m.merge(try metrics(context.input(name))) { a, _ in a } }
            epochs[String(e)] = .object(m)
        }
        var baseline: [String: JSONValue] = [:]
        for name in runWide { baseline.merge(try metrics(context.input(name))) { a, _ in a } }
        let last = snapshots.last ?? 0
        try AtomicFile.write(JSONValue.object(["epochs": .object(epochs), "headline": epochs[String(last)] ?? .object([:]),
                                               "baseline": .object(baseline), "final_epoch": .int(last)]).pretty,
                             to: out.appendingPathComponent("summary.json"))

        // Curves over epochs.
        context.progress.status("report: plots")
        let history = try HistoryTable(context.input("train").file("history.csv"))
        try LineChart(series: [
            LineSeries(name: "train loss", x: history.epochs, y: history["train_loss"]),
            LineSeries(name: "validation loss", x: history.epochs, y: history["val_loss"]),
            LineSeries(name: "learning rate", x: history.epochs, y: history["lr"], axis: .right, dashed: true, stepped: true),
        ], title: "Loss per epoch", xLabel: "epoch", yLabel: "loss", rightYLabel: "learning rate", integerX: true)
            .write(to: out.appendingPathComponent("plots/loss.png"))
        try LineChart(series: [LineSeries(name: "mean cluster size", x: history.epochs, y: history["mean_cluster_size"], marker: .circle)],
                      title: "Mean cluster size (mean distance to own class centroid)", xLabel: "epoch",
                      yLabel: "distance", integerX: true)
            .write(to: out.appendingPathComponent("plots/cluster_size.png"))
        try LineChart(series: [LineSeries(name: "mean centroid distance", x: history.epochs, y: history["mean_centroid_distance"], marker: .circle)],
                      title: "Mean distance between class centroids", xLabel: "epoch", yLabel: "distance", integerX: true)
            .write(to: out.appendingPathComponent("plots/centroid_distance.png"))
        var accuracy = [LineSeries(name: "nearest centroid (every epoch)", x: history.epochs, y: history["nearest_centroid_accuracy"])]
        for (key, label) in [("svm_accuracy", "SVM"), ("kmeans_accuracy", "k-means"), ("zeroshot_accuracy", "zero-shot (unseen)")] {
            let points = snapshots.compactMap { e in epochs[String(e)]?[key]?.doubleValue.map { (Double(e), $0) } }
            if !points.isEmpty { accuracy.append(LineSeries(name: label, x: points.map(\.0), y: points.map(\.1), marker: .circle)) }
        }
        if let raw = baseline["raw_svm_accuracy"]?.doubleValue, let first = history.epochs.first, let end = history.epochs.last {
            accuracy.append(LineSeries(name: "SVM on raw pixels", x: [first, end], y: [raw, raw], dashed: true))
        }
        try LineChart(series: accuracy, title: "Accuracy", xLabel: "epoch", yLabel: "accuracy", yRange: 0...1, integerX: true)
            .write(to: out.appendingPathComponent("plots/accuracy.png"))

        // Per snapshot.
        let store = try ImageStore(directory: context.input(source).file("store"))
        let split = try SplitFile.read(context.input("split").file("split.json"))
        var frames: [GIFAnimation.TSNEFrame] = []
        var previous: [Float]? = nil
        var frameClasses: [String] = []
        for e in snapshots {
            let folder = "epoch-\(e)/"
            if let s = node("summarize", e) {
                let confusion = try LabelledMatrix(s.file("confusion.csv"))
                try Heatmap.confusion(counts: confusion.counts, labels: confusion.labels,
                                      title: "Nearest-centroid confusion, validation, epoch \(e)")
                    .write(to: out.appendingPathComponent(folder + "confusion.png"))
                let centroids = try LabelledMatrix(s.file("centroids.csv"))
                try Heatmap.centroids(distances: centroids.values, labels: centroids.labels,
                                      title: "Centroid distances (cluster sizes on the diagonal), epoch \(e)")
                    .write(to: out.appendingPathComponent(folder + "centroids.png"))
                if let pair = ConfusedPair.mostConfused(in: confusion.counts) {
                    func images(_ c: Int) -> [GrayImage] {
                        split.validation.filter { store.classes[store.labels[$0]] == confusion.labels[c] }.prefix(8).map { store.image($0) }
                    }
                    try ImageGrid.confusedPair(pair, classNames: confusion.labels, firstImages: images(pair.first),
                                               secondImages: images(pair.second))
                        .write(to: out.appendingPathComponent(folder + "confused_pair.png"))
                }
            }
            for kind in ["svm", "kmeans"] {
                guard let s = node(kind, e) else { continue }
                let confusion = try LabelledMatrix(s.file("confusion.csv"))
                try Heatmap.confusion(counts: confusion.counts, labels: confusion.labels,
                                      title: "\(kind == "svm" ? "SVM" : "k-means") confusion, test, epoch \(e)")
                    .write(to: out.appendingPathComponent(folder + "\(kind)/confusion.png"))
            }
            if let s = node("tsne", e) {
                let layout = try TSNELayout(s.file("tsne.csv"))
                try ScatterPlot(x: layout.x, y: layout.y, classes: layout.classes, classNames: layout.classNames,
                                title: "t-SNE of validation embeddings, epoch \(e)")
                    .write(to: out.appendingPathComponent(folder + "tsne.png"))
                // Each frame is rotated/reflected onto the previous one so the animation does not spin.
                var coordinates = layout.interleaved
                if let previous, previous.count == coordinates.count { coordinates = Procrustes.align(coordinates, to: previous) }
                previous = coordinates
                frameClasses = layout.classNames
                frames.append(.init(epoch: e, x: stride(from: 0, to: coordinates.count, by: 2).map { Double(coordinates[$0]) },
                                    y: stride(from: 1, to: coordinates.count, by: 2).map { Double(coordinates[$0]) },
                                    classes: layout.classes))
            }
        }
        if !frames.isEmpty {
            try GIFAnimation.tsne(frames, classNames: frameClasses).write(to: out.appendingPathComponent("plots/tsne.gif"))
        }
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
    let labels: [String]
    let values: [[Double]]
    var counts: [[Int]] { values.map { $0.map { Int($0) } } }

    init(_ url: URL) throws {
        let rows = try CSV.parse(String(contentsOf: url, encoding: .utf8), source: url.path)
        guard let header = rows.first, rows.count == header.count else {
            throw StorageError.format(path: url.path, reason: "not a square matrix with labels")
        }
        labels = Array(header.dropFirst())
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
