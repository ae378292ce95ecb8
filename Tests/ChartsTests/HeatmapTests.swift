@testable import Charts
import XCTest

final class HeatmapTests: XCTestCase {
    private func assertInside(_ rects: [Rect], _ size: Size, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let image = Rect(x: 0, y: 0, width: size.width, height: size.height)
        for (i, r) in rects.enumerated() {
            XCTAssertTrue(image.contains(r), "\(what) \(i) at \(r) outside the \(size.width)x\(size.height) image",
                          file: file, line: line)
        }
    }

    func testTwentySevenClassesHaveReadableLabelsInsideTheImage() throws {
        let h = Gallery.confusion27()
        try h.validate()
        let l = h.layout()
        XCTAssertEqual(l.rowLabelRects.count, 27)
        XCTAssertEqual(l.columnLabelRects.count, 27)
        assertInside(l.rowLabelRects, l.size, "row label")
        assertInside(l.columnLabelRects, l.size, "column label")
        XCTAssertTrue(l.columnLabelsRotated, "long names should turn vertical")
        XCTAssertGreaterThanOrEqual(l.labelFont.size, 8.5, "labels too small to read")
        XCTAssertGreaterThanOrEqual(l.cellSide, 16)
        // Neighbouring labels do not overlap, and labels stay off the matrix.
        for (a, b) in zip(l.rowLabelRects, l.rowLabelRects.dropFirst()) { XCTAssertLessThanOrEqual(a.maxY, b.minY + 0.01) }
        for (a, b) in zip(l.columnLabelRects, l.columnLabelRects.dropFirst()) { XCTAssertLessThanOrEqual(a.maxX, b.minX + 0.01) }
        for r in l.rowLabelRects + l.columnLabelRects { XCTAssertFalse(r.intersects(l.matrixRect), "label \(r) over the cells") }
        // The colour bar: present, beside the matrix, with ticks.
        XCTAssertEqual(l.colorBars.count, 1)
        let bar = try XCTUnwrap(l.colorBars.first)
        XCTAssertGreaterThanOrEqual(bar.ticks.count, 3)
        XCTAssertEqual(bar.range, 0...1)
        assertInside([bar.bounds, l.titleRect!, l.rowAxisTitleRect!, l.columnAxisTitleRect!], l.size, "part")
        XCTAssertFalse(bar.bounds.intersects(l.matrixRect))
        XCTAssertNotNil(l.cellFont, "counts should fit in 27-class cells")
    }

    func testLongLabelsAreCutAndManyClassesStillFit() throws {
        let names = (0..<93).map { "taxon_\($0)_with_a_very_long_descriptive_name_indeed" }
        let counts = Fixtures.confusion(classes: 93, perClass: 20)
        let l = Heatmap.confusion(counts: counts, labels: names, title: "93 classes").layout()
        XCTAssertEqual(l.rowLabels.count, 93)
        XCTAssertTrue(l.rowLabels.allSatisfy { $0.hasSuffix("…") })
        for r in l.rowLabelRects { XCTAssertLessThanOrEqual(r.width, 170.01) }
        assertInside(l.rowLabelRects + l.columnLabelRects, l.size, "label")
    }

    func testCentroidMatrixHasItsOwnDiagonalScaleAndBar() throws {
        let h = Gallery.centroids27()
        let l = h.layout()
        XCTAssertEqual(l.colorBars.count, 2)
        XCTAssertEqual(l.colorBars.map(\.title), ["centroid distance", "cluster size"])
        XCTAssertFalse(l.colorBars[0].bounds.intersects(l.colorBars[1].bounds))
        assertInside(l.colorBars.map(\.bounds), l.size, "colour bar")
        // Ranges: off-diagonal distances vs diagonal sizes.
        let d = Fixtures.centroids(classes: 27)
        let diag = (0..<27).map { d[$0][$0] }
        let off = (0..<27).flatMap { i in (0..<27).filter { $0 != i }.map { d[i][$0] } }
        XCTAssertEqual(l.colorBars[1].range, diag.min()!...diag.max()!)
        XCTAssertEqual(l.colorBars[0].range, off.min()!...off.max()!)
        // The pixels: a diagonal cell has the diagonal map's colour, an off-diagonal one the main map's.
        let image = try h.rgbaImage()
        func pixel(_ i: Int, _ j: Int) -> RGB {
            let c = l.cellRect(i, j).center
            let p = image[Int(c.x), Int(c.y)]
            return RGB(Double(p.r) / 255, Double(p.g) / 255, Double(p.b) / 255)
        }
        func expected(_ v: Double, _ bar: ColorBarLayout) -> RGB {
            bar.colorMap.color(at: (v - bar.range.lowerBound) / (bar.range.upperBound - bar.range.lowerBound))
        }
        XCTAssertLessThan(pixel(3, 3).deltaE(expected(d[3][3], l.colorBars[1])), 2)
        XCTAssertLessThan(pixel(3, 4).deltaE(expected(d[3][4], l.colorBars[0])), 2)
    }

    func testTouchingCellsLeaveNoSeams() throws {
        let values = [[Double]](repeating: [Double](repeating: 0.5, count: 9), count: 9)
        let labels = (0..<9).map { "c\($0)" }
        let h = Heatmap(values: values, rowLabels: labels, columnLabels: labels, valueRange: 0...1, cellSize: 23.5)
        let l = h.layout()
        let image = try h.rgbaImage(scale: 1.5)
        let m = l.matrixRect
        let x0 = Int(((m.minX + 2) * 1.5).rounded(.up)), x1 = Int(((m.maxX - 2) * 1.5).rounded(.down))
        let y0 = Int(((m.minY + 2) * 1.5).rounded(.up)), y1 = Int(((m.maxY - 2) * 1.5).rounded(.down))
        let reference = image[x0, y0]
        var seams = 0
        for y in y0..<y1 { for x in x0..<x1 where image[x, y] != reference { seams += 1 } }
        XCTAssertEqual(seams, 0, "pixels inside a uniform matrix differ from its colour")
    }

    func testCellTextContrastsWithTheCell() {
        XCTAssertEqual(ColorMap.blues.color(at: 1).contrastingText, .white)
        XCTAssertEqual(ColorMap.blues.color(at: 0).contrastingText, .black)
        XCTAssertEqual(ColorMap.viridis.color(at: 0).contrastingText, .white)
        XCTAssertEqual(ColorMap.viridis.color(at: 1).contrastingText, .black)
    }

    func testConfusionFactoryNormalisesRowsAndLeavesZerosBlank() throws {
        let h = Heatmap.confusion(counts: [[3, 1], [0, 4]], labels: ["a", "b"], title: "t")
        XCTAssertEqual(h.values, [[0.75, 0.25], [0, 1]])
        XCTAssertEqual(h.cellText!, [["3", "1"], ["", "4"]])
        XCTAssertEqual(h.rowAxisTitle, "true")
        XCTAssertEqual(h.columnAxisTitle, "predicted")
    }

    func testMismatchedInputIsRejected() {
        let bad = Heatmap(values: [[1, 2], [3]], rowLabels: ["a", "b"], columnLabels: ["a", "b"])
        XCTAssertThrowsError(try bad.validate())
        let labels = Heatmap(values: [[1, 2], [3, 4]], rowLabels: ["a"], columnLabels: ["a", "b"])
        XCTAssertThrowsError(try labels.validate())
    }
}
