@testable import Charts
import TestSupport
import XCTest

/// Deterministic bytes in every format, HiDPI, file writing.
final class OutputTests: XCTestCase {
    func testSameInputGivesIdenticalPNGBytes() throws {
        for (name, chart) in Gallery.all() where !name.contains("27") {
            let a = try chart.pngData(), b = try chart.pngData()
            XCTAssertEqual(a, b, "\(name) differs between two renders")
        }
    }

    func testPNGsCarryNoTimestampOrText() throws {
        let png = try Gallery.accuracy().pngData()
        var chunks: [String] = []
        var offset = 8
        let bytes = [UInt8](png)
        while offset + 8 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            chunks.append(String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self))
            offset += 12 + length
        }
        XCTAssertEqual(chunks.first, "IHDR")
        XCTAssertEqual(chunks.last, "IEND")
        XCTAssertFalse(chunks.contains { ["tIME", "tEXt", "zTXt", "iTXt"].contains($0) }, "\(chunks)")
    }

    func testSVGIsDeterministicAcrossRendersInOneProcess() throws {
        let chart = Gallery.confusedPair(columns: 2, cellSize: 48)  // embeds images: cairo names them by a global counter
        let a = try chart.svgData()
        _ = try Gallery.tsne6().pngData()  // more surfaces in between
        let b = try chart.svgData()
        XCTAssertEqual(a, b)
        let text = String(decoding: a, as: UTF8.self)
        XCTAssertTrue(text.contains("<svg"))
        XCTAssertTrue(text.contains("width=\"\(Int(chart.size.width))px\""), String(text.prefix(300)))
        XCTAssertEqual(try Gallery.loss().svgData(), try Gallery.loss().svgData())
    }

    func testSVGIdsAreRenumberedConsistently() {
        let svg = ##"<g id="surface17"><use xlink:href="#glyph0-3" x="1"/><path clip-path="url(#clip5)"/></g><clipPath id="clip5"/><symbol id="glyph0-3"/><use xlink:href="#surface17"/>"##
        let n = SVGIds.normalized(svg)
        XCTAssertEqual(n, ##"<g id="surface-1"><use xlink:href="#glyph-1" x="1"/><path clip-path="url(#clip-1)"/></g><clipPath id="clip-1"/><symbol id="glyph-1"/><use xlink:href="#surface-1"/>"##)
    }

    func testHiDPIScaleDoublesThePixels() throws {
        let chart = Gallery.accuracy()
        let image = try chart.rgbaImage(scale: 2)
        XCTAssertEqual(image.width, Int(chart.width) * 2)
        XCTAssertEqual(image.height, Int(chart.height) * 2)
    }

    func testWriteChoosesTheFormatFromTheExtension() throws {
        let dir = try TemporaryDirectory("krill-charts")
        defer { dir.remove() }
        try Gallery.accuracy().write(to: dir.appending("plots/accuracy.png"))
        try Gallery.accuracy().write(to: dir.appending("plots/accuracy.svg"))
        let png = try Data(contentsOf: dir.appending("plots/accuracy.png"))
        let svg = try Data(contentsOf: dir.appending("plots/accuracy.svg"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4e, 0x47])
        XCTAssertTrue(String(decoding: svg.prefix(100), as: UTF8.self).hasPrefix("<?xml"))
        let decoded = try RGBAImage(pngData: png)
        XCTAssertEqual(decoded.width, 640)
        XCTAssertEqual(decoded, try Gallery.accuracy().rgbaImage())
    }

    func testPixelDifferenceCount() {
        let a = RGBAImage(width: 2, height: 2, pixels: [UInt8](repeating: 255, count: 16))
        var b = a
        b.pixels[5] = 0
        b.pixels[15] = 0
        XCTAssertEqual(a.differingPixels(from: b), 2)
        XCTAssertEqual(a.differingPixels(from: a), 0)
        XCTAssertNil(a.differingPixels(from: RGBAImage(width: 1, height: 1, pixels: [0, 0, 0, 0])))
    }

    func testTextIsDrawnWithDejaVu() throws {
        // Text extents match DejaVu Sans metrics (advance of "0" is 0.636 em).
        let m = Canvas.measuring().measure("0000000000", font: .regular(10))
        XCTAssertEqual(m.width, 63.6, accuracy: 0.2)
    }
}
