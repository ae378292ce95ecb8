import Imaging
import XCTest

/// Exact values of the area-averaging (shrink) and bilinear (enlarge) filters.
final class ResamplerTests: XCTestCase {
    func testCheckerboardShrinksToItsMeanRoundedHalfUp() {
        let board = GrayImage(width: 2, height: 2, pixels: [0, 255, 255, 0])
        // Mean 127.5 rounds half up to 128.
        XCTAssertEqual(board.resized(width: 1, height: 1).pixels, [128])
        XCTAssertEqual(GrayImage(width: 2, height: 2, pixels: [0, 0, 0, 1]).resized(width: 1, height: 1).pixels, [0])
        XCTAssertEqual(GrayImage(width: 2, height: 2, pixels: [0, 0, 1, 1]).resized(width: 1, height: 1).pixels, [1])
    }

    func testFourByFourToTwoByTwoAveragesBlocks() {
        let image = GrayImage(width: 4, height: 4, pixels: [
            0, 4, 100, 100,
            8, 12, 100, 101,
            255, 255, 10, 20,
            255, 254, 30, 41,
        ])
        // Block means: 6, 100.25 -> 100, 254.75 -> 255, 25.25 -> 25.
        XCTAssertEqual(image.resized(width: 2, height: 2).pixels, [6, 100, 255, 25])
    }

    func testNonIntegerShrinkUsesFractionalCoverage() {
        let weights = ResampleWeights(sourceLength: 3, targetLength: 2)
        XCTAssertEqual(weights.filter, .area)
        XCTAssertEqual(weights.taps(0).map(\.index), [0, 1])
        XCTAssertEqual(weights.taps(0).map(\.weight), [Float(2.0 / 3), Float(1.0 / 3)])
        XCTAssertEqual(weights.taps(1).map(\.index), [1, 2])
        XCTAssertEqual(weights.taps(1).map(\.weight), [Float(1.0 / 3), Float(2.0 / 3)])
        // [0, 90, 255] -> [2/3 0 + 1/3 90, 1/3 90 + 2/3 255] = [30, 200].
        XCTAssertEqual(GrayImage(width: 3, height: 1, pixels: [0, 90, 255]).resized(width: 2, height: 1).pixels, [30, 200])
        // Same along y.
        XCTAssertEqual(GrayImage(width: 1, height: 3, pixels: [0, 90, 255]).resized(width: 1, height: 2).pixels, [30, 200])
        // 5 -> 2: each output covers 2.5 pixels: weights 0.4, 0.4, 0.2 | 0.2, 0.4, 0.4.
        let five = ResampleWeights(sourceLength: 5, targetLength: 2)
        XCTAssertEqual(five.taps(0).map(\.index), [0, 1, 2])
        XCTAssertEqual(five.taps(0).map(\.weight), [0.4, 0.4, 0.2])
        XCTAssertEqual(five.taps(1).map(\.index), [2, 3, 4])
        XCTAssertEqual(five.taps(1).map(\.weight), [0.2, 0.4, 0.4])
        // [10, 20, 30, 40, 250] -> [4 + 8 + 6 = 18, 6 + 16 + 100 = 122].
        XCTAssertEqual(GrayImage(width: 5, height: 1, pixels: [10, 20, 30, 40, 250]).resized(width: 2, height: 1).pixels,
                       [18, 122])
    }

    func testBilinearEnlargeOfTwoPixelGradient() {
        let weights = ResampleWeights(sourceLength: 2, targetLength: 4)
        XCTAssertEqual(weights.filter, .bilinear)
        // Sample positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
        XCTAssertEqual(weights.taps(0).map(\.index), [0])
        XCTAssertEqual(weights.taps(1).map(\.index), [0, 1])
        XCTAssertEqual(weights.taps(1).map(\.weight), [0.75, 0.25])
        XCTAssertEqual(weights.taps(2).map(\.weight), [0.25, 0.75])
        XCTAssertEqual(weights.taps(3).map(\.index), [1])
        // [0, 255] -> [0, 63.75 -> 64, 191.25 -> 191, 255].
        XCTAssertEqual(GrayImage(width: 2, height: 1, pixels: [0, 255]).resized(width: 4, height: 1).pixels,
                       [0, 64, 191, 255])
        XCTAssertEqual(GrayImage(width: 1, height: 2, pixels: [0, 255]).resized(width: 1, height: 4).pixels,
                       [0, 64, 191, 255])
        // 2 -> 3: positions -1/6 (clamped), 0.5, 7/6 (clamped): [0, 127.5 -> 128, 255].
        XCTAssertEqual(GrayImage(width: 2, height: 1, pixels: [0, 255]).resized(width: 3, height: 1).pixels,
                       [0, 128, 255])
        // A single pixel enlarges to a flat image.
        XCTAssertEqual(GrayImage(width: 1, height: 1, pixels: [77]).resized(width: 3, height: 2).pixels,
                       [UInt8](repeating: 77, count: 6))
    }

    func testFilterIsChosenPerAxis() {
        // 2 wide x 8 high -> 4 x 4: x enlarges (bilinear), y shrinks (area, pairs of rows).
        var pixels: [UInt8] = []
        for y in 0..<8 { pixels += [UInt8(y * 10), UInt8(y * 10 + 100)] }
        let image = GrayImage(width: 2, height: 8, pixels: pixels).resized(width: 4, height: 4)
        // Rows average to [5, 105], [25, 125], [45, 145], [65, 165]; x: a, .75a + .25b, .25a + .75b, b.
        XCTAssertEqual(image.pixels, [5, 30, 80, 105,
                                      25, 50, 100, 125,
                                      45, 70, 120, 145,
                                      65, 90, 140, 165])
    }

    func testSameSizeIsIdentity() {
        let image = GrayImage(width: 5, height: 4, pixels: pseudoRandomBytes(20, seed: 5))
        XCTAssertEqual(image.resized(width: 5, height: 4), image)
        // One axis unchanged: that axis' table is the identity.
        let weights = ResampleWeights(sourceLength: 4, targetLength: 4)
        XCTAssertEqual((0..<4).map { weights.taps($0).map(\.index) }, [[0], [1], [2], [3]])
        XCTAssertEqual((0..<4).flatMap { weights.taps($0).map(\.weight) }, [1, 1, 1, 1])
    }

    func testWeightsSumToOneAndStayInBounds() {
        for source in 1...40 {
            for target in 1...40 {
                let weights = ResampleWeights(sourceLength: source, targetLength: target)
                for j in 0..<target {
                    let taps = weights.taps(j)
                    XCTAssertFalse(taps.isEmpty)
                    XCTAssertTrue(taps.allSatisfy { (0..<source).contains($0.index) && $0.weight > 0 })
                    XCTAssertEqual(taps.reduce(0) { $0 + Double($1.weight) }, 1, accuracy: 1e-5,
                                   "\(source) -> \(target), output \(j)")
                }
            }
        }
    }

    func testFlatImagesStayFlatAtAnySize() {
        for (w, h, tw, th) in [(300, 200, 64, 43), (7, 3, 64, 27), (13, 50, 5, 64), (64, 64, 63, 65)] {
            let out = GrayImage(width: w, height: h, fill: 201).resized(width: tw, height: th)
            XCTAssertEqual(Set(out.pixels), [201], "\(w)x\(h) -> \(tw)x\(th)")
        }
    }

    func testShrinkDoesNotAlias() {
        // Stripes of period 2 shrunk by an odd factor: area averaging gives the mean
        // everywhere (up to edge pixels), point sampling would give 0 or 255.
        var pixels: [UInt8] = []
        for _ in 0..<4 { for x in 0..<99 { pixels.append(x % 2 == 0 ? 0 : 255) } }
        let out = GrayImage(width: 99, height: 4, pixels: pixels).resized(width: 11, height: 1)
        for value in out.pixels { XCTAssertTrue((113...142).contains(value), "\(out.pixels)") }
    }
}
