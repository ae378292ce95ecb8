import Foundation
import Imaging
import XCTest

/// Decoding of every PNG colour type and bit depth; expected values follow the formulas in
/// image_codecs.h and are printed by Fixtures/make_fixtures.py.
final class PNGDecoderTests: XCTestCase {
    func testGrey8IsReadAsStored() throws {
        let image = try Fixture.decode("grey8.png")
        XCTAssertEqual(image.width, 5)
        XCTAssertEqual(image.height, 3)
        XCTAssertEqual(rows(image), [[0, 64, 128, 192, 255], [10, 20, 30, 40, 50], [255, 254, 253, 252, 251]])
    }

    func testGrey16IsScaledWithRoundingNotTruncated() throws {
        // 16-bit [[0, 128, 129, 200, 383], [385, 32767, 32768, 65280, 65535], [257, 514, 1000, 40000, 65534]]:
        // round(v * 255 / 65535). Truncation (v >> 8) would give 0 for 200 and 255 for 65280.
        let image = try Fixture.decode("grey16.png")
        XCTAssertEqual(rows(image), [[0, 0, 1, 1, 1], [1, 127, 128, 254, 255], [1, 2, 4, 156, 255]])
    }

    func testLowBitDepthGreyIsExpandedToFullRange() throws {
        XCTAssertEqual(rows(try Fixture.decode("grey1.png")),
                       [[0, 255, 0, 255, 255], [255, 0, 0, 0, 255], [255, 255, 255, 0, 0]])
        XCTAssertEqual(rows(try Fixture.decode("grey2.png")),
                       [[0, 85, 170, 255, 0], [255, 170, 85, 0, 255], [85, 85, 170, 170, 255]])
        XCTAssertEqual(rows(try Fixture.decode("grey4.png")),
                       [[0, 17, 34, 51, 68], [85, 102, 119, 136, 153], [170, 187, 204, 221, 255]])
    }

    func testGreyAlphaIsCompositedOntoWhite() throws {
        // (grey, alpha) -> round((g a + 255 (255 - a)) / 255): (0, 128) -> 127, (0, 0) -> 255.
        XCTAssertEqual(rows(try Fixture.decode("grey_alpha.png")),
                       [[0, 255, 127, 177, 255], [200, 233, 254, 51, 191], [245, 237, 229, 221, 215]])
    }

    func testRGBUsesLibjpegGreyFormula() throws {
        // (19595 R + 38470 G + 7471 B + 32768) >> 16: red 76, green 150, blue 29.
        XCTAssertEqual(rows(try Fixture.decode("rgb.png")),
                       [[76, 150, 29, 255, 0], [124, 18, 128, 226, 179], [2, 89, 138, 31, 105]])
    }

    func testRGBAIsCompositedOntoWhiteThenGrey() throws {
        XCTAssertEqual(rows(try Fixture.decode("rgba.png")),
                       [[76, 255, 142, 255, 55], [124, 18, 255, 255, 225], [225, 216, 214, 150, 167]])
    }

    func testRGBA16IsScaledCompositedAndConverted() throws {
        XCTAssertEqual(rows(try Fixture.decode("rgba16.png")),
                       [[76, 255, 127, 113, 253], [0, 255, 2, 99, 151], [255, 76, 222, 82, 83]])
    }

    func testPaletteWithTransparency() throws {
        // Palette black, white, (200, 100, 50) at alpha 128, (10, 200, 90) at alpha 0.
        XCTAssertEqual(rows(try Fixture.decode("palette.png")),
                       [[0, 255, 189, 255, 0], [255, 189, 255, 0, 255], [189, 255, 0, 255, 189]])
    }

    func testFourBitPaletteWithoutTransparency() throws {
        XCTAssertEqual(rows(try Fixture.decode("palette4.png")),
                       [[0, 255, 124, 131, 0], [255, 124, 131, 0, 255], [124, 131, 0, 255, 124]])
    }

    func testGreyTRNSMakesThatValueWhite() throws {
        // tRNS marks grey 50 as transparent: those pixels become white.
        XCTAssertEqual(rows(try Fixture.decode("grey_trns.png")),
                       [[0, 255, 100, 255, 255], [255, 255, 10, 20, 30], [1, 2, 3, 4, 255]])
    }

    func testInterlacedPNG() throws {
        let image = try Fixture.decode("interlaced.png")
        XCTAssertEqual(image.width, 9)
        XCTAssertEqual(image.height, 7)
        for y in 0..<7 {
            for x in 0..<9 {
                XCTAssertEqual(image[x, y], UInt8((x * 29 + y * 37) % 256), "pixel (\(x), \(y))")
            }
        }
    }

    func testFormatComesFromMagicBytesNotExtension() throws {
        let image = try ImageDecoder.decodeGray(data: Fixture.data("grey8.png"), name: "misnamed.jpg")
        XCTAssertEqual(image.pixels.first, 0)
        XCTAssertEqual(image.width, 5)
    }

    func testDecodeFromURL() throws {
        let image = try ImageDecoder.decodeGray(contentsOf: Fixture.url("rgb.png"))
        XCTAssertEqual(image, try Fixture.decode("rgb.png"))
    }
}
