@testable import Charts
import XCTest

final class LineChartTests: XCTestCase {
    func testLegendHasOneEntryPerSeriesAndCoversNoData() throws {
        for chart in [Gallery.loss(), Gallery.clusterSizes(), Gallery.accuracy()] {
            let l = chart.layout()
            XCTAssertEqual(l.legendEntryRects.count, chart.series.count)
            let legend = try XCTUnwrap(l.legendRect)
            XCTAssertTrue(Rect(x: 0, y: 0, width: chart.width, height: chart.height).contains(legend))
            let right = l.rightY ?? l.y
            let samples = LineChartLayout.samples(chart.series, x: l.x, y: l.y, right: right)
            XCTAssertEqual(samples.filter { legend.contains($0) }.count, 0, "legend of '\(chart.title)' covers data")
        }
    }

    func testLegendMovesOutsideWhenEveryCornerHasData() {
        // Noise filling the whole plot: no free corner.
        var rng = Fixtures.Random(9)
        let xs = (0..<400).map { Double($0) }
        let chart = LineChart(series: [
            LineSeries(name: "a", x: xs, y: xs.map { _ in rng.uniform() }),
            LineSeries(name: "b", x: xs, y: xs.map { _ in rng.uniform() }),
        ])
        let l = chart.layout()
        XCTAssertTrue(l.legendOutside)
        XCTAssertFalse(l.legendRect!.intersects(l.plotRect))
        XCTAssertLessThanOrEqual(l.legendRect!.maxX, chart.width)
    }

    func testSecondAxisIsLogarithmicWithTicksAndLabelsInside() {
        let chart = Gallery.loss()
        let l = chart.layout()
        XCTAssertNotNil(l.rightY)
        XCTAssertEqual(l.rightY?.scale, .log)
        XCTAssertGreaterThanOrEqual(l.rightTicks.count, 2)
        XCTAssertTrue(l.rightTickLabels.contains("10⁻³"), "\(l.rightTickLabels)")
        let image = Rect(x: 0, y: 0, width: chart.width, height: chart.height)
        for r in l.xTickLabelRects + l.yTickLabelRects + l.rightTickLabelRects + [l.xLabelRect!, l.yLabelRect!, l.rightYLabelRect!] {
            XCTAssertTrue(image.contains(r), "\(r) outside")
        }
        XCTAssertEqual(l.xTicks, [5, 10, 15, 20, 25, 30])
        // Tick labels of one axis do not overlap.
        for (a, b) in zip(l.xTickLabelRects, l.xTickLabelRects.dropFirst()) { XCTAssertLessThan(a.maxX, b.minX) }
    }

    func testNaNBreaksTheLineWithoutCrashing() throws {
        let chart = LineChart(series: [LineSeries(name: "gappy", values: [1, 2, .nan, 4, 5])])
        XCTAssertNoThrow(try chart.pngData())
        let empty = LineChart(series: [LineSeries(name: "none", values: [])])
        XCTAssertNoThrow(try empty.pngData())
        let constant = LineChart(series: [LineSeries(name: "lr", values: [0.001, 0.001], axis: .right)], rightYScale: .log)
        XCTAssertGreaterThanOrEqual(constant.layout().rightTicks.count, 2)
    }
}

final class ValidationTests: XCTestCase {
    func testRenderingRejectsInputThatCannotBeDrawn() {
        XCTAssertThrowsError(try LineChart(series: [LineSeries(name: "a", x: [1, 2], y: [1])]).pngData())
        XCTAssertThrowsError(try LineChart(series: [], yScale: .log, yRange: 0...1).svgData())
        XCTAssertThrowsError(try Heatmap(values: [], rowLabels: [], columnLabels: []).pngData())
        XCTAssertThrowsError(try ScatterPlot(x: [1], y: [], classes: [0], classNames: ["a"]).pngData())
        XCTAssertThrowsError(try ImageGrid(rows: []).pngData())
    }
}
