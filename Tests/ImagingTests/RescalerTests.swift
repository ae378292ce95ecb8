import Imaging
import XCTest

/// pad / stretch geometry, upscale, background.
final class RescalerTests: XCTestCase {
    func testPadCentresWideImageAsBand() {
        let black = GrayImage(width: 200, height: 100, fill: 0)
        let out = black.rescaled(toSquare: 64, fit: .pad)
        XCTAssertEqual(out.width, 64)
        XCTAssertEqual(out.height, 64)
        assertGeometry(RescaleGeometry(width: 200, height: 100, side: 64, fit: .pad, upscale: true), 64, 32, 0, 16)
        // A 64x32 black band at rows 16..<48, white elsewhere.
        for y in 0..<64 {
            let expected: UInt8 = (16..<48).contains(y) ? 0 : 255
            XCTAssertEqual(Set(rows(out)[y]), [expected], "row \(y)")
        }
    }

    func testPadTallImageAndOddMargins() {
        let out = GrayImage(width: 3, height: 6, fill: 0).rescaled(toSquare: 5, fit: .pad)
        // 3x6 into 5: width round(2.5) = 3 (half up), height 5; offset x = (5 - 3) / 2 = 1.
        assertGeometry(RescaleGeometry(width: 3, height: 6, side: 5, fit: .pad, upscale: true), 3, 5, 1, 0)
        XCTAssertEqual(rows(out), [[UInt8]](repeating: [255, 0, 0, 0, 255], count: 5))
        // Odd margin: the extra pixel goes right / bottom.
        assertGeometry(RescaleGeometry(width: 3, height: 1, side: 4, fit: .pad, upscale: false), 3, 1, 0, 1)
    }

    func testPadSizeRounding() {
        func size(_ w: Int, _ h: Int, _ side: Int) -> [Int] {
            let g = RescaleGeometry(width: w, height: h, side: side, fit: .pad, upscale: true)
            return [g.scaledWidth, g.scaledHeight]
        }
        XCTAssertEqual(size(3, 2, 2), [2, 1])      // 4/3 rounds down
        XCTAssertEqual(size(5, 2, 4), [4, 2])      // 1.6 rounds up
        XCTAssertEqual(size(4, 3, 2), [2, 2])      // 1.5: half up
        XCTAssertEqual(size(4, 1, 2), [2, 1])      // 0.5: half up
        XCTAssertEqual(size(1000, 1, 64), [64, 1]) // 0.064: at least one pixel
        XCTAssertEqual(size(299, 300, 299), [298, 299])  // 298.0033
        XCTAssertEqual(size(10, 20, 64), [32, 64]) // upscaled
    }

    func testNoUpscaleKeepsSmallImagesAndCentresThem() {
        var object = GrayImage(width: 10, height: 20, fill: 0)
        object[3, 4] = 77
        let out = object.rescaled(toSquare: 64, fit: .pad, upscale: false)
        let placement = RescaleGeometry(width: 10, height: 20, side: 64, fit: .pad, upscale: false)
        assertGeometry(placement, 10, 20, 27, 22)
        for y in 0..<64 {
            for x in 0..<64 {
                let inside = (27..<37).contains(x) && (22..<42).contains(y)
                let expected: UInt8 = inside ? object[x - 27, y - 22] : 255
                XCTAssertEqual(out[x, y], expected, "(\(x), \(y))")
            }
        }
        // Larger images still shrink.
        assertGeometry(RescaleGeometry(width: 200, height: 30, side: 64, fit: .pad, upscale: false), 64, 10, 0, 27)
        // upscale: true enlarges the same object to 32x64.
        assertGeometry(RescaleGeometry(width: 10, height: 20, side: 64, fit: .pad, upscale: true), 32, 64, 16, 0)
    }

    func testStretchCoversTheSquare() {
        let out = GrayImage(width: 200, height: 100, fill: 0).rescaled(toSquare: 64, fit: .stretch)
        XCTAssertEqual(out.pixels, [UInt8](repeating: 0, count: 64 * 64))
        let small = GrayImage(width: 10, height: 20, fill: 0).rescaled(toSquare: 64, fit: .stretch)
        XCTAssertEqual(small.pixels, [UInt8](repeating: 0, count: 64 * 64))
        // Without upscale only the longer-than-side axis changes, the rest is centred.
        assertGeometry(RescaleGeometry(width: 200, height: 20, side: 64, fit: .stretch, upscale: false), 64, 20, 0, 22)
    }

    func testStretchShrinksOneAxisAndEnlargesTheOther() {
        // 8 wide x 2 high gradient -> 4 x 4: x area-averaged in pairs, y bilinear (flat rows here).
        let image = GrayImage(width: 8, height: 2, pixels: [0, 10, 20, 30, 40, 50, 60, 70,
                                                            0, 10, 20, 30, 40, 50, 60, 70])
        let out = image.rescaled(toSquare: 4, fit: .stretch)
        XCTAssertEqual(rows(out), [[UInt8]](repeating: [5, 25, 45, 65], count: 4))
    }

    func testBackgroundValueAndColor() {
        let out = GrayImage(width: 4, height: 2, fill: 200).rescaled(toSquare: 4, fit: .pad, background: 0)
        XCTAssertEqual(rows(out), [[0, 0, 0, 0], [200, 200, 200, 200], [200, 200, 200, 200], [0, 0, 0, 0]])
        XCTAssertEqual(GrayImage(width: 4, height: 2, fill: 200).rescaled(toSquare: 4, fit: .pad, background: .black), out)
        let rescaler = Rescaler(side: 4, fit: .pad, upscale: true, background: 0)
        XCTAssertEqual(rescaler.rescale(GrayImage(width: 4, height: 2, fill: 200)), out)
    }

    /// `background: auto`: each image padded with the (lower) median of its border pixels.
    func testBackgroundFromTheBorderMedian() {
        // 4 x 2 on a dark surround: border = every pixel here; values 10 x 5, 200 x 3 -> 10.
        let crop = GrayImage(width: 4, height: 2, pixels: [10, 10, 200, 10, 10, 200, 200, 10])
        XCTAssertEqual(crop.borderMedian, 10)
        let out = Rescaler(side: 4, fit: .pad, upscale: true, background: 255, backgroundFromBorder: true).rescale(crop)
        XCTAssertEqual(rows(out)[0], [10, 10, 10, 10])
        XCTAssertEqual(rows(out)[3], [10, 10, 10, 10])
        // A 3 x 3 image's border is its 8 outer pixels: the centre does not count.
        XCTAssertEqual(GrayImage(width: 3, height: 3, pixels: [50, 50, 50, 60, 0, 60, 70, 70, 70]).borderMedian, 60)
        // Even count: the lower of the two middle values.
        XCTAssertEqual(GrayImage(width: 2, height: 1, pixels: [30, 40]).borderMedian, 30)
        XCTAssertNil(GrayImage(width: 0, height: 0, pixels: []).borderMedian)
        XCTAssertEqual(Rescaler(side: 2, backgroundFromBorder: true).rescale(GrayImage(width: 0, height: 0, pixels: [])).pixels, [255, 255, 255, 255])
    }

    func testEmptyImageGivesBackgroundAndSquareImageIsUnchanged() {
        let empty = GrayImage(width: 0, height: 0, pixels: [])
        XCTAssertEqual(empty.rescaled(toSquare: 3, fit: .pad).pixels, [UInt8](repeating: 255, count: 9))
        let square = GrayImage(width: 6, height: 6, pixels: pseudoRandomBytes(36, seed: 9))
        XCTAssertEqual(square.rescaled(toSquare: 6, fit: .pad), square)
        XCTAssertEqual(square.rescaled(toSquare: 6, fit: .stretch, upscale: false), square)
    }

    func testDownscaledObjectKeepsItsMeanDarkness() {
        // A 300x300 image with a black 150x150 square in the middle: a quarter dark.
        var image = GrayImage(width: 300, height: 300, fill: 255)
        for y in 75..<225 { for x in 75..<225 { image[x, y] = 0 } }
        let out = image.rescaled(toSquare: 64, fit: .pad)
        let mean = out.pixels.reduce(0) { $0 + Double($1) } / Double(out.pixels.count)
        XCTAssertEqual(mean, 255 * 0.75, accuracy: 0.5)
    }

    func testFitModeAndBackgroundParsing() {
        XCTAssertEqual(FitMode(rawValue: "pad"), .pad)
        XCTAssertEqual(FitMode(rawValue: "stretch"), .stretch)
        XCTAssertNil(FitMode(rawValue: "crop"))
        XCTAssertEqual(BackgroundColor(parsing: "white"), .white)
        XCTAssertEqual(BackgroundColor(parsing: " Black "), .black)
        XCTAssertEqual(BackgroundColor(parsing: "128")?.gray, 128)
        XCTAssertEqual(BackgroundColor(parsing: "0"), .black)
        XCTAssertNil(BackgroundColor(parsing: "256"))
        XCTAssertNil(BackgroundColor(parsing: "-1"))
        XCTAssertNil(BackgroundColor(parsing: "grey"))
        for value in [BackgroundColor.white, .black, BackgroundColor(gray: 17)] {
            XCTAssertEqual(BackgroundColor(parsing: value.description), value)
        }
    }

    /// Asserts the scaled size and offset of a placement.
    private func assertGeometry(_ g: RescaleGeometry, _ width: Int, _ height: Int, _ x: Int, _ y: Int,
                                file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual([g.scaledWidth, g.scaledHeight, g.offsetX, g.offsetY], [width, height, x, y],
                       "size and offset", file: file, line: line)
    }
}
