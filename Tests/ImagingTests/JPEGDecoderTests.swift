import Foundation
import Imaging
import TestSupport
import XCTest

final class JPEGDecoderTests: XCTestCase {
    /// 16x16 grey, flat 8x8 blocks 0, 255 / 100, 200, quality 100: within 1 of the source.
    func testGreyJPEG() throws {
        let image = try Fixture.decode("grey.jpg")
        XCTAssertEqual(image.width, 16)
        XCTAssertEqual(image.height, 16)
        let expected: [Float] = (0..<256).map { i in
            let (x, y) = (i % 16, i / 16)
            return [[0, 255], [100, 200]][y / 8][x / 8]
        }
        expectClose(image.pixels.map(Float.init), expected, tolerance: 1)
    }

    /// The same RGB picture as JPEG and PNG decodes to the same grey (JPEG: within 1),
    /// because the PNG path uses libjpeg's own RGB -> grey formula.
    func testRGBJPEGAgreesWithPNGOfSamePicture() throws {
        let jpeg = try Fixture.decode("rgb.jpg")
        let png = try Fixture.decode("rgb_blocks.png")
        XCTAssertEqual(jpeg.width, png.width)
        XCTAssertEqual(jpeg.height, png.height)
        // Block greys: (200,100,50) -> 124, (10,200,90) -> 131, white 255, (30,60,240) -> 72.
        XCTAssertEqual([png[0, 0], png[8, 0], png[0, 8], png[8, 8]], [124, 131, 255, 72])
        expectClose(jpeg.pixels.map(Float.init), png.pixels.map(Float.init), tolerance: 1)
    }

    func testProgressiveJPEGMatchesBaseline() throws {
        let progressive = try Fixture.decode("progressive.jpg")
        let baseline = try Fixture.decode("texture.jpg")
        XCTAssertEqual(progressive.width, 64)
        XCTAssertEqual(progressive.height, 64)
        // Same picture, same quality: only rounding of the two codings differs.
        expectClose(progressive.pixels.map(Float.init), baseline.pixels.map(Float.init), tolerance: 2)
    }

    func testTextureJPEGIsCloseToItsSource() throws {
        let image = try Fixture.decode("texture.jpg")
        let source: [Float] = (0..<(64 * 64)).map { i in
            let (x, y) = (Double(i % 64), Double(i / 64))
            return Float(Int((sin(x / 3) * cos(y / 5) + 1) * 127.5))
        }
        // Quality 90 on a smooth texture: small error everywhere.
        expectClose(image.pixels.map(Float.init), source, tolerance: 12)
    }
}
