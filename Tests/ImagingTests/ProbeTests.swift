import Foundation
import Imaging
import TestSupport
import XCTest

final class ProbeTests: XCTestCase {
    func testFormatDetectionByMagicBytes() throws {
        XCTAssertEqual(ImageFormat.detect(try Fixture.data("grey8.png")), .png)
        XCTAssertEqual(ImageFormat.detect(try Fixture.data("grey.jpg")), .jpeg)
        XCTAssertNil(ImageFormat.detect(Data("GIF89a".utf8)))
        XCTAssertNil(ImageFormat.detect(Data([0xFF, 0xD8])))
        XCTAssertNil(ImageFormat.detect(Data()))
        XCTAssertEqual(ImageFormat(magic: [0xFF, 0xD8, 0xFF, 0xE0]), .jpeg)
        XCTAssertEqual(ImageFormat.png.description, "PNG")
        XCTAssertEqual(ImageFormat.jpeg.fileExtensions, ["jpg", "jpeg", "jpe", "jfif"])
    }

    func testProbeReportsSizes() throws {
        for (name, format, width, height) in [("grey8.png", ImageFormat.png, 5, 3), ("interlaced.png", .png, 9, 7),
                                              ("texture.jpg", .jpeg, 64, 64), ("progressive.jpg", .jpeg, 64, 64),
                                              ("rgb.jpg", .jpeg, 16, 16)] {
            let header = try ImageDecoder.probe(data: Fixture.data(name), name: name)
            XCTAssertEqual(header.format, format, name)
            XCTAssertEqual(header.width, width, name)
            XCTAssertEqual(header.height, height, name)
            let (f, w, h) = try ImageDecoder.probe(contentsOf: Fixture.url(name))
            XCTAssertTrue(f == format && w == width && h == height, name)
        }
    }

    /// The probe reads headers only: a JPEG cut in its scan data still probes.
    func testProbeDoesNotDecodePixels() throws {
        let data = try Fixture.data("texture.jpg")
        let header = try ImageDecoder.probe(data: data.prefix(data.count * 3 / 4), name: "cut.jpg")
        XCTAssertTrue(header == (.jpeg, 64, 64))
        let png = try Fixture.data("grey16.png")
        XCTAssertTrue(try ImageDecoder.probe(data: png.prefix(33), name: "p.png") == (.png, 5, 3))
    }

    func testProbeErrors() throws {
        XCTAssertEqual(expectImagingError(try ImageDecoder.probe(data: Data("hello".utf8), name: "t.txt")),
                       .notAnImage(file: "t.txt"))
        XCTAssertEqual(expectImagingError(try ImageDecoder.probe(data: Data(), name: "e.png")), .emptyFile(file: "e.png"))
        let png = try Fixture.data("grey8.png")
        XCTAssertEqual(expectImagingError(try ImageDecoder.probe(data: png.prefix(20), name: "s.png")),
                       .truncated(file: "s.png", format: .png, detail: "PNG header cut short"))
        var bad = [UInt8](png)
        bad[17] ^= 1  // width changes, CRC no longer matches
        XCTAssertEqual(expectImagingError(try ImageDecoder.probe(data: Data(bad), name: "b.png")),
                       .corrupt(file: "b.png", format: .png, detail: "IHDR: CRC error"))
        let jpeg = try Fixture.data("grey.jpg")
        XCTAssertEqual(expectImagingError(try ImageDecoder.probe(data: jpeg.prefix(100), name: "s.jpg")),
                       .truncated(file: "s.jpg", format: .jpeg, detail: "Premature end of JPEG file"))
    }

    /// A JPEG whose frame header follows more than `probePrefixBytes` of metadata: the
    /// probe reads the whole file after the prefix turns out too short.
    func testProbeOfFileWithLargeMetadataReadsFurther() throws {
        let jpeg = [UInt8](try Fixture.data("grey.jpg"))
        var bytes: [UInt8] = [0xFF, 0xD8]
        for marker: UInt8 in [0xE1, 0xE2] {  // two APPn segments of 65,000 payload bytes
            let length = 65_002
            bytes += [0xFF, marker, UInt8(length >> 8), UInt8(length & 0xFF)] + [UInt8](repeating: 0x41, count: 65_000)
        }
        bytes += jpeg.dropFirst(2)
        XCTAssertGreaterThan(bytes.count, ImageDecoder.probePrefixBytes)
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let url = folder.appending("big-metadata.jpg")
        try Data(bytes).write(to: url)
        let header = try ImageDecoder.probe(contentsOf: url)
        XCTAssertTrue(header == (.jpeg, 16, 16))
        XCTAssertEqual(try ImageDecoder.decodeGray(contentsOf: url), try Fixture.decode("grey.jpg"))
    }

    func testProbeOfMissingFileNamesIt() throws {
        let url = URL(fileURLWithPath: "/nonexistent/krill/a.png")
        XCTAssertEqual(expectImagingError(try ImageDecoder.probe(contentsOf: url)),
                       .unreadable(file: "/nonexistent/krill/a.png", reason: "No such file or directory"))
    }
}
