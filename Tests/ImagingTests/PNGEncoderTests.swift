import Foundation
import Imaging
import TestSupport
import XCTest

final class PNGEncoderTests: XCTestCase {
    private let image = GrayImage(width: 7, height: 5, pixels: pseudoRandomBytes(35, seed: 11))

    func testGreyRoundTrip() throws {
        let data = try PNGEncoder.encode(image)
        XCTAssertEqual(ImageFormat.detect(data), .png)
        XCTAssertEqual(try ImageDecoder.decodeGray(data: data, name: "rt.png"), image)
        let one = GrayImage(width: 1, height: 1, fill: 42)
        XCTAssertEqual(try ImageDecoder.decodeGray(data: PNGEncoder.encode(one), name: "one.png"), one)
    }

    func testRGBARoundTripDecodesToCompositedGrey() throws {
        let pixels: [UInt8] = [255, 0, 0, 255, /**/ 0, 0, 0, 128, /**/ 10, 20, 30, 0,
                               200, 100, 50, 255, /**/ 0, 255, 0, 255, /**/ 255, 255, 255, 1]
        let data = try PNGEncoder.encodeRGBA(width: 3, height: 2, pixels: pixels)
        let grey = try ImageDecoder.decodeGray(data: data, name: "rgba.png")
        // red 76; black at alpha 128 -> 127; transparent -> 255; 124; green 150; white 255.
        XCTAssertEqual(grey.pixels, [76, 127, 255, 124, 150, 255])
    }

    func testEncodingIsDeterministicWithOnlyCriticalChunks() throws {
        let a = try PNGEncoder.encode(image)
        let b = try PNGEncoder.encode(GrayImage(width: 7, height: 5, pixels: image.pixels))
        XCTAssertEqual(a, b)
        XCTAssertEqual(chunkTypes(a), ["IHDR", "IDAT", "IEND"])
        let rgba = [UInt8](repeating: 9, count: 4 * 4 * 4)
        XCTAssertEqual(try PNGEncoder.encodeRGBA(width: 4, height: 4, pixels: rgba),
                       try PNGEncoder.encodeRGBA(width: 4, height: 4, pixels: rgba))
    }

    func testInvalidInputThrows() {
        guard case .encodingFailed? = expectImagingError(try PNGEncoder.encodeRGBA(width: 2, height: 2, pixels: [1, 2, 3]))
        else { return XCTFail("expected encodingFailed") }
        guard case .encodingFailed? = expectImagingError(try PNGEncoder.encode(GrayImage(width: 0, height: 3, pixels: [])))
        else { return XCTFail("expected encodingFailed") }
    }

    func testAtomicWrite() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let url = folder.appending("out.png")
        try PNGEncoder.write(GrayImage(width: 3, height: 3, fill: 0), to: url)
        try PNGEncoder.write(image, to: url)  // replaces the first file
        XCTAssertEqual(try Data(contentsOf: url), try PNGEncoder.encode(image))
        XCTAssertEqual(try ImageDecoder.decodeGray(contentsOf: url), image)
        try PNGEncoder.writeRGBA(width: 1, height: 1, pixels: [0, 0, 0, 255], to: folder.appending("rgba.png"),
                                 sync: false)
        // No temporary files are left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["out.png", "rgba.png"])
    }

    func testWriteUnderARegularFileFailsCleanly() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try Data([1]).write(to: folder.appending("plain"))
        let url = folder.appending("plain/out.png")
        let error = expectImagingError(try PNGEncoder.write(image, to: url))
        XCTAssertEqual(error, .writeFailed(file: url.path, reason: "File exists"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["plain"])
    }

    func testWriteCreatesMissingFoldersAndReplacesWhole() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let url = folder.appending("missing/out.png")
        try PNGEncoder.write(image, to: url)
        try PNGEncoder.write(image, to: url, sync: false)
        XCTAssertEqual(try Data(contentsOf: url), try PNGEncoder.encode(image))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.appending("missing").path), ["out.png"])
    }

    /// Chunk types of a PNG, in order.
    private func chunkTypes(_ data: Data) -> [String] {
        let bytes = [UInt8](data)
        var types: [String] = []
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            types.append(String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self))
            offset += 12 + length
        }
        return types
    }
}
