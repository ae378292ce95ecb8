import Charts
import XCTest

/// Each chart type rendered from fixed data, compared byte for byte with the committed
/// PNGs in Snapshots/ (small charts, to keep the repository small).
final class SnapshotTests: XCTestCase {
    func testConfusionHeatmap() throws {
        try assertSnapshot(Gallery.confusion6(), named: "heatmap-confusion6")
    }

    func testCentroidHeatmapWithDiagonalScale() throws {
        try assertSnapshot(Gallery.centroids6(), named: "heatmap-centroids6")
    }

    func testLossChartWithLogLearningRateAxis() throws {
        try assertSnapshot(Gallery.loss(width: 480, height: 320), named: "line-loss")
    }

    func testSweepMetricAgainstCategories() throws {
        try assertSnapshot(Gallery.sweepMetric(), named: "line-sweep-categories")
    }

    func testScatterPlot() throws {
        try assertSnapshot(Gallery.tsne6(), named: "scatter-tsne6")
    }

    func testImageGrid() throws {
        try assertSnapshot(Gallery.confusedPair(columns: 4, cellSize: 64), named: "image-grid")
    }
}
