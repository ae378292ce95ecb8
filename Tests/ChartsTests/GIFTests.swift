import CGIF
@testable import Charts
import TestSupport
import XCTest

final class GIFTests: XCTestCase {
    private func frames() -> [GIFAnimation.TSNEFrame] {
        [1.6, 1.0, 0.6].enumerated().map { k, spread in
            let t = Fixtures.tsne(classes: 6, perClass: 40, spread: spread)
            return GIFAnimation.TSNEFrame(epoch: [5, 15, 30][k], x: t.x, y: t.y, classes: t.classes)
        }
    }

    func testAnimationDecodesWithFramesSizeDelaysAndLoop() throws {
        let animation = try GIFAnimation.tsne(frames(), classNames: Fixtures.taxa6, plotSide: 240, delay: 90, finalDelay: 200)
        let data = try animation.data()
        XCTAssertEqual(try animation.data(), data, "GIF bytes differ between two encodings")
        let dir = try TemporaryDirectory("krill-gif")
        defer { dir.remove() }
        let url = dir.appending("plots/tsne.gif")
        try animation.write(to: url)

        var error: Int32 = 0
        let gif = try XCTUnwrap(DGifOpenFileName(url.path, &error), "DGifOpenFileName: \(error)")
        defer { DGifCloseFile(gif, &error) }
        XCTAssertEqual(DGifSlurp(gif), GIF_OK)
        XCTAssertEqual(gif.pointee.ImageCount, 3)
        XCTAssertEqual(Int(gif.pointee.SWidth), animation.frames[0].width)
        XCTAssertEqual(Int(gif.pointee.SHeight), animation.frames[0].height)
        XCTAssertEqual(gif.pointee.SColorMap.pointee.ColorCount, 256)
        // The NETSCAPE2.0 loop extension (count 0 = forever) before the first frame.
        let first = gif.pointee.SavedImages[0]
        let blocks = (0..<Int(first.ExtensionBlockCount)).map { first.ExtensionBlocks[$0] }
        let appIndex = try XCTUnwrap(blocks.firstIndex { $0.Function == APPLICATION_EXT_FUNC_CODE })
        let app = blocks[appIndex]
        XCTAssertEqual(String(decoding: UnsafeBufferPointer(start: app.Bytes, count: Int(app.ByteCount)), as: UTF8.self),
                       "NETSCAPE2.0")
        let sub = blocks[appIndex + 1]
        XCTAssertEqual(sub.Function, CONTINUE_EXT_FUNC_CODE)
        XCTAssertEqual(Array(UnsafeBufferPointer(start: sub.Bytes, count: Int(sub.ByteCount))), [1, 0, 0])
        // Delays.
        var delays: [Int32] = []
        for i in 0..<3 {
            var gcb = GraphicsControlBlock()
            XCTAssertEqual(DGifSavedExtensionToGCB(gif, Int32(i), &gcb), GIF_OK)
            delays.append(gcb.DelayTime)
        }
        XCTAssertEqual(delays, [90, 90, 200])
        // Pixels of the first frame match the rendered chart through the palette.
        let image = gif.pointee.SavedImages[0]
        XCTAssertEqual(Int(image.ImageDesc.Width), animation.frames[0].width)
        let indices = animation.palette.quantize(animation.frames[0])
        let decoded = Array(UnsafeBufferPointer(start: image.RasterBits, count: indices.count))
        XCTAssertEqual(decoded, indices)
    }

    func testPaletteHoldsTheScatterColoursAndQuantisesExactly() {
        let p = GIFPalette.standard
        XCTAssertEqual(p.colors.count, 256)
        XCTAssertEqual(p.nearestIndex(255, 255, 255), 0)
        XCTAssertEqual(p.nearestIndex(0, 0, 0), 1)
        for c in Palette.categorical {
            let b = c.bytes
            let i = Int(p.nearestIndex(b.r, b.g, b.b))
            XCTAssertEqual(p.colors[i], [b.r, b.g, b.b])
        }
    }

    func testFramesOfDifferentSizesAreRejected() throws {
        let a = RGBAImage(width: 2, height: 2, pixels: [UInt8](repeating: 255, count: 16))
        let b = RGBAImage(width: 3, height: 2, pixels: [UInt8](repeating: 255, count: 24))
        XCTAssertThrowsError(try GIFAnimation(frames: [a, b]).data())
        XCTAssertThrowsError(try GIFAnimation(frames: []).data())
    }
}
