@testable import Charts
import Imaging
import XCTest

final class ScatterAndGridTests: XCTestCase {
    func testLegendHasOneEntryPerClassInsideTheImageBesideThePlot() throws {
        let s = Gallery.tsne27()
        try s.validate()
        let l = s.layout()
        XCTAssertEqual(l.legendEntryRects.count, 27)
        let image = Rect(x: 0, y: 0, width: l.size.width, height: l.size.height)
        for r in l.legendEntryRects {
            XCTAssertTrue(image.contains(r), "legend entry \(r) outside")
            XCTAssertFalse(r.intersects(l.plotRect), "legend entry \(r) over the data")
        }
        XCTAssertEqual(Set(l.legendEntryRects.map(\.minX)).count, 1, "27 classes fit in one column")
    }

    func testManyClassesGetSeveralLegendColumns() throws {
        let names = (0..<93).map { "taxon \($0)" }
        let t = Fixtures.tsne(classes: 93, perClass: 5)
        let s = ScatterPlot(x: t.x, y: t.y, classes: t.classes, classNames: names)
        let l = s.layout()
        XCTAssertEqual(l.legendEntryRects.count, 93)
        XCTAssertGreaterThan(Set(l.legendEntryRects.map(\.minX)).count, 1)
        let image = Rect(x: 0, y: 0, width: l.size.width, height: l.size.height)
        XCTAssertTrue(l.legendEntryRects.allSatisfy { image.contains($0) })
        for (i, a) in l.legendEntryRects.enumerated() {
            for b in l.legendEntryRects[(i + 1)...] { XCTAssertFalse(a.intersects(b)) }
        }
    }

    func testClassNumbersSitAtTheMedians() {
        let s = ScatterPlot(x: [0, 1, 2, 10, 11, 100], y: [0, 1, 5, 0, 0, 0], classes: [0, 0, 0, 1, 1, 1],
                            classNames: ["a", "b", "c"])
        let m = s.classMedians()
        XCTAssertEqual(m[0], Point(1, 1))
        XCTAssertEqual(m[1], Point(11, 0))
        XCTAssertNil(m[2])
    }

    func testBadClassIndexIsRejected() {
        let s = ScatterPlot(x: [0], y: [0], classes: [3], classNames: ["a"])
        XCTAssertThrowsError(try s.validate())
    }

    func testPaletteStaysDistinguishableForThirtyClasses() {
        let colors = Array(Palette.categorical.prefix(30))
        XCTAssertEqual(Set(colors.map(\.hexString)).count, 30)
        var smallest = Double.infinity, pair = (0, 0)
        for i in 0..<30 {
            for j in (i + 1)..<30 where colors[i].deltaE(colors[j]) < smallest {
                smallest = colors[i].deltaE(colors[j])
                pair = (i, j)
            }
        }
        XCTAssertGreaterThan(smallest, 25, "colours \(pair.0) and \(pair.1) are only \(smallest) apart (CIE76)")
        // Visible on white: none lighter than L* 75.
        for (i, c) in colors.enumerated() { XCTAssertLessThan(c.lab.l, 75, "colour \(i) too light") }
        XCTAssertGreaterThanOrEqual(Palette.categorical.count, 40)
    }

    func testMostConfusedPair() {
        let m = [[50, 2, 9], [3, 40, 1], [8, 0, 60]]
        let p = ConfusedPair.mostConfused(in: m)
        XCTAssertEqual(p, ConfusedPair(first: 0, second: 2, firstAsSecond: 9, secondAsFirst: 8))
        XCTAssertEqual(p?.total, 17)
        // Ties go to the smallest pair; no confusion gives nil.
        XCTAssertEqual(ConfusedPair.mostConfused(in: [[1, 1, 0], [0, 1, 1], [0, 0, 1]])?.first, 0)
        XCTAssertEqual(ConfusedPair.mostConfused(in: [[1, 1, 0], [0, 1, 1], [0, 0, 1]])?.second, 1)
        XCTAssertNil(ConfusedPair.mostConfused(in: [[5, 0], [0, 5]]))
        XCTAssertNil(ConfusedPair.mostConfused(in: [[5]]))
        XCTAssertNil(ConfusedPair.mostConfused(in: [[5, 1], [1]]))
    }

    func testImageGridCaptionsTheClassesAndPlacesEveryImage() {
        let g = Gallery.confusedPair(columns: 5)
        let l = g.layout()
        XCTAssertEqual(l.cellRects.map(\.count), [5, 5])
        XCTAssertTrue(l.captions[0].contains("Creseis"), l.captions[0])
        XCTAssertTrue(l.captions[1].contains("Oithonidae"), l.captions[1])
        let image = Rect(x: 0, y: 0, width: l.size.width, height: l.size.height)
        for r in l.cellRects.flatMap({ $0 }) + l.captionRects { XCTAssertTrue(image.contains(r)) }
        // Non-square images keep their aspect ratio.
        let tall = GrayImage(width: 10, height: 40, fill: 0)
        let grid = ImageGrid(rows: [ImageGrid.Row(caption: "tall", images: [tall])], cellSize: 80)
        let canvas = Canvas.measuring()
        let placed = canvas.image(tall, fitting: grid.layout().cellRects[0][0])
        XCTAssertEqual(placed.height / placed.width, 4, accuracy: 1e-9)
    }
}
