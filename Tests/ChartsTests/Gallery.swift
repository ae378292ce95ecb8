import Charts
import Foundation

/// The example charts the tests render, shared by the snapshot, geometry and gallery tests.
enum Gallery {
    static func confusion27() -> Heatmap {
        Heatmap.confusion(counts: Fixtures.confusion(classes: 27), labels: Fixtures.taxa27,
                          title: "Nearest-centroid confusion, validation, epoch 30")
    }

    static func confusion6() -> Heatmap {
        Heatmap.confusion(counts: Fixtures.confusion(classes: 6, perClass: 100, seed: 3), labels: Fixtures.taxa6,
                          title: "SVM confusion, test, epoch 5")
    }

    static func centroids27() -> Heatmap {
        Heatmap.centroids(distances: Fixtures.centroids(classes: 27), labels: Fixtures.taxa27,
                          title: "Class centroids, validation, epoch 30")
    }

    static func centroids6() -> Heatmap {
        Heatmap.centroids(distances: Fixtures.centroids(classes: 6, seed: 2), labels: Fixtures.taxa6,
                          title: "Class centroids, epoch 5")
    }

    static func loss(width: Double = 640, height: Double = 400) -> LineChart {
        let h = Fixtures.history()
        return LineChart(series: [
            LineSeries(name: "train loss", values: h.train, color: Palette.color(0)),
            LineSeries(name: "validation loss", values: h.validation, color: Palette.color(1)),
            LineSeries(name: "learning rate", values: h.lr, color: .gray(0.45), axis: .right, dashed: true, stepped: true),
        ], title: "Loss per epoch", xLabel: "epoch", yLabel: "triplet loss", rightYLabel: "learning rate",
        rightYScale: .log, integerX: true, width: width, height: height)
    }

    static func clusterSizes() -> LineChart {
        let n = 30
        let size = (1...n).map { 0.6 * exp(-Double($0) / 8) + 0.2 }
        let distance = (1...n).map { 0.9 + 0.5 * (1 - exp(-Double($0) / 6)) }
        return LineChart(series: [
            LineSeries(name: "mean cluster size", values: size, marker: .circle),
            LineSeries(name: "mean centroid distance", values: distance, marker: .square),
        ], title: "Cluster size and centroid distance", xLabel: "epoch", yLabel: "distance (embedding units)",
        integerX: true)
    }

    static func accuracy() -> LineChart {
        let epochs: [Double] = [5, 15, 30]
        return LineChart(series: [
            LineSeries(name: "nearest centroid", x: epochs, y: [0.52, 0.66, 0.71], marker: .circle),
            LineSeries(name: "SVM", x: epochs, y: [0.58, 0.71, 0.75], marker: .square),
            LineSeries(name: "k-means (Hungarian)", x: epochs, y: [0.41, 0.57, 0.63], marker: .triangle),
        ], title: "Accuracy per snapshot", xLabel: "epoch", yLabel: "accuracy", yRange: 0...1, integerX: true)
    }

    static func tsne27(spread: Double = 1, title: String = "t-SNE of validation embeddings, epoch 30",
                       bounds: ScatterPlot.Bounds? = nil) -> ScatterPlot {
        let t = Fixtures.tsne(classes: 27, perClass: 100, spread: spread)
        return ScatterPlot(x: t.x, y: t.y, classes: t.classes, classNames: Fixtures.taxa27, title: title, bounds: bounds)
    }

    static func tsne6(spread: Double = 1, title: String = "t-SNE, epoch 5", bounds: ScatterPlot.Bounds? = nil) -> ScatterPlot {
        let t = Fixtures.tsne(classes: 6, perClass: 40, spread: spread)
        return ScatterPlot(x: t.x, y: t.y, classes: t.classes, classNames: Fixtures.taxa6, title: title,
                           bounds: bounds, plotSide: 260)
    }

    /// A metric against the categories of a swept key: a point per seed, the mean joined.
    static func sweepMetric() -> LineChart {
        let variants = ["std_triplet", "semi_hard", "batch_hard", "batch_all"]
        let seeds: [[Double]] = [[0.71, 0.83, 0.69, 0.80], [0.74, 0.85, 0.66, 0.79], [0.70, 0.84, 0.70, 0.82]]
        var series = seeds.enumerated().map { i, v in
            LineSeries(name: "seed \(i + 1)", x: v.indices.map { Double($0) + Double(i - 1) * 0.08 }, y: v, marker: .circle, joined: false)
        }
        series.append(LineSeries(name: "mean", x: [0, 1, 2, 3], y: (0..<4).map { j in seeds.map { $0[j] }.reduce(0, +) / 3 },
                                 color: .gray(0.2), lineWidth: 1.5))
        return LineChart(series: series, title: "svm_accuracy(test) by loss.variant", xLabel: "loss.variant", yLabel: "svm_accuracy",
                         xCategories: variants, width: 480, height: 320)
    }

    static func confusedPair(columns: Int = 6, cellSize: Double = 96) -> ImageGrid {
        let counts = Fixtures.confusion(classes: 27)
        let pair = ConfusedPair.mostConfused(in: counts)!
        let a = (0..<columns).map { Fixtures.plankton(seed: UInt64(100 + $0), elongation: 3) }
        let b = (0..<columns).map { Fixtures.plankton(seed: UInt64(200 + $0), elongation: 1.6, legs: 1) }
        return ImageGrid.confusedPair(pair, classNames: Fixtures.taxa27, firstImages: a, secondImages: b,
                                      cellSize: cellSize, maxColumns: columns)
    }

    /// Every example with a file name, for the gallery test.
    static func all() -> [(String, any Chart)] {
        [("confusion27.png", confusion27()), ("confusion6.png", confusion6()), ("centroids27.png", centroids27()),
         ("centroids6.png", centroids6()), ("loss.png", loss()), ("cluster_size.png", clusterSizes()),
         ("accuracy.png", accuracy()), ("tsne27.png", tsne27()), ("tsne6.png", tsne6()),
         ("confused_pair.png", confusedPair())]
    }
}
