import Foundation
import Imaging
import TestSupport
import XCTest

/// Bad input: every failure is an `ImagingError` naming the file, never a crash or exit.
final class DecodeErrorTests: XCTestCase {
    private func noisePNG(side: Int = 64) throws -> Data {
        try PNGEncoder.encode(GrayImage(width: side, height: side, pixels: pseudoRandomBytes(side * side, seed: 7)))
    }

    func testTruncatedJPEGNamesFileAndReason() throws {
        let data = try Fixture.data("texture.jpg")
        let error = expectImagingError(try ImageDecoder.decodeGray(data: data.prefix(data.count / 2), name: "data/x/3.jpg"))
        XCTAssertEqual(error, .truncated(file: "data/x/3.jpg", format: .jpeg, detail: "Premature end of JPEG file"))
        XCTAssertEqual(error?.description, "data/x/3.jpg: truncated JPEG (Premature end of JPEG file)")
    }

    func testJPEGCutInItsHeaderOrBeforeEOIIsTruncated() throws {
        let small = try Fixture.data("grey.jpg")
        let header = expectImagingError(try ImageDecoder.decodeGray(data: small.prefix(small.count / 2), name: "a.jpg"))
        XCTAssertEqual(header, .truncated(file: "a.jpg", format: .jpeg, detail: "Premature end of JPEG file"))
        let texture = try Fixture.data("texture.jpg")
        let noEOI = expectImagingError(try ImageDecoder.decodeGray(data: texture.dropLast(2), name: "b.jpg"))
        XCTAssertEqual(noEOI, .truncated(file: "b.jpg", format: .jpeg, detail: "Premature end of JPEG file"))
    }

    func testTruncatedProgressiveJPEG() throws {
        let data = try Fixture.data("progressive.jpg")
        let error = expectImagingError(try ImageDecoder.decodeGray(data: data.prefix(data.count * 2 / 3), name: "p.jpg"))
        XCTAssertEqual(error, .truncated(file: "p.jpg", format: .jpeg, detail: "Premature end of JPEG file"))
    }

    /// A scan cut short but closed with an EOI marker: libjpeg would pad with grey and
    /// only warn ("premature end of data segment"); the decoder rejects it as corrupt.
    func testJPEGScanEndingEarlyIsCorrupt() throws {
        let data = try Fixture.data("texture.jpg")
        let cut = data.prefix(data.count * 3 / 4) + Data([0xFF, 0xD9])
        XCTAssertEqual(expectImagingError(try ImageDecoder.decodeGray(data: cut, name: "eoi.jpg")),
                       .corrupt(file: "eoi.jpg", format: .jpeg,
                                detail: "Corrupt JPEG data: premature end of data segment"))
    }

    /// Harmless warnings (stray bytes before a marker) do not reject an image.
    func testJPEGWithExtraneousBytesStillDecodes() throws {
        let data = try Fixture.data("texture.jpg")
        // Stray bytes after the first segment (SOI, marker, 2-byte length, payload).
        let bytes = [UInt8](data)
        let next = 4 + (Int(bytes[4]) << 8 | Int(bytes[5]))
        let padded = Data(bytes[..<next] + [0x00, 0x01, 0x02] + bytes[next...])
        XCTAssertEqual(try ImageDecoder.decodeGray(data: padded, name: "x.jpg"), try Fixture.decode("texture.jpg"))
    }

    func testTruncatedPNG() throws {
        for data in [try Fixture.data("grey8.png"), try noisePNG()] {
            let error = expectImagingError(try ImageDecoder.decodeGray(data: data.prefix(data.count / 2), name: "half.png"))
            XCTAssertEqual(error, .truncated(file: "half.png", format: .png, detail: "unexpected end of PNG data"))
            XCTAssertEqual(error?.description, "half.png: truncated PNG (unexpected end of PNG data)")
        }
    }

    func testPNGWithoutIENDIsTruncated() throws {
        let data = try noisePNG()
        let error = expectImagingError(try ImageDecoder.decodeGray(data: data.dropLast(12), name: "no-iend.png"))
        XCTAssertEqual(error, .truncated(file: "no-iend.png", format: .png, detail: "unexpected end of PNG data"))
    }

    func testPNGWithBadCRCIsCorrupt() throws {
        let original = [UInt8](try noisePNG())
        // IDAT: length at 33, type at 37, data from 41, then its CRC.
        XCTAssertEqual(String(decoding: original[37..<41], as: UTF8.self), "IDAT")
        let length = original[33..<37].reduce(0) { $0 << 8 | Int($1) }
        var badCRC = original
        badCRC[41 + length] ^= 0x01
        let error = expectImagingError(try ImageDecoder.decodeGray(data: Data(badCRC), name: "crc.png"))
        XCTAssertEqual(error, .corrupt(file: "crc.png", format: .png, detail: "IDAT: CRC error"))
        XCTAssertEqual(error?.description, "crc.png: corrupt PNG (IDAT: CRC error)")
        // Damaged compressed data: zlib notices before the CRC is checked.
        var badData = original
        badData[41 + length / 2] ^= 0x40
        guard case .corrupt(file: "crc.png", format: .png, _)?
                = expectImagingError(try ImageDecoder.decodeGray(data: Data(badData), name: "crc.png"))
        else { return XCTFail("expected corrupt") }
    }

    func testPNGWithInvalidHeaderIsCorrupt() throws {
        var bytes = [UInt8](try Fixture.data("grey8.png"))
        bytes[24] = 3  // bit depth 3 does not exist
        // Fix the IHDR CRC so that libpng reaches the field check.
        let crc = crc32(bytes[12..<29])
        bytes.replaceSubrange(29..<33, with: withUnsafeBytes(of: crc.bigEndian, Array.init))
        let error = expectImagingError(try ImageDecoder.decodeGray(data: Data(bytes), name: "depth.png"))
        guard case .corrupt(file: "depth.png", format: .png, _)? = error else {
            return XCTFail("expected corrupt, got \(String(describing: error))")
        }
    }

    func testGarbageAndSignaturesFollowedByGarbage() throws {
        let garbage = Data(pseudoRandomBytes(1000, seed: 3).map { $0 == 0xFF || $0 == 0x89 ? 0 : $0 })
        XCTAssertEqual(expectImagingError(try ImageDecoder.decodeGray(data: garbage, name: "g.bin")),
                       .notAnImage(file: "g.bin"))
        let fakeJPEG = Data([0xFF, 0xD8, 0xFF]) + garbage
        let jpegError = expectImagingError(try ImageDecoder.decodeGray(data: fakeJPEG, name: "g.jpg"))
        XCTAssertEqual(jpegError?.file, "g.jpg")
        XCTAssertTrue(jpegError?.description.hasPrefix("g.jpg: ") ?? false)
        let fakePNG = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) + garbage
        let pngError = expectImagingError(try ImageDecoder.decodeGray(data: fakePNG, name: "g.png"))
        XCTAssertEqual(pngError?.file, "g.png")
        XCTAssertTrue(pngError?.description.hasPrefix("g.png: ") ?? false)
        // A bare signature: the file ends right after it.
        XCTAssertEqual(expectImagingError(try ImageDecoder.decodeGray(data: fakePNG.prefix(8), name: "s.png")),
                       .truncated(file: "s.png", format: .png, detail: "unexpected end of PNG data"))
        XCTAssertEqual(expectImagingError(try ImageDecoder.decodeGray(data: fakeJPEG.prefix(3), name: "s.jpg"))?.file,
                       "s.jpg")
    }

    func testEmptyData() {
        let error = expectImagingError(try ImageDecoder.decodeGray(data: Data(), name: "empty.png"))
        XCTAssertEqual(error, .emptyFile(file: "empty.png"))
        XCTAssertEqual(error?.description, "empty.png: empty file")
    }

    func testTextFileIsNotAnImage() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try Data("plankton notes\n".utf8).write(to: folder.appending("notes.txt"))
        // A URL relative to the folder is named as given.
        let url = URL(fileURLWithPath: "notes.txt", relativeTo: folder.url)
        let error = expectImagingError(try ImageDecoder.decodeGray(contentsOf: url))
        XCTAssertEqual(error, .notAnImage(file: "notes.txt"))
        XCTAssertEqual(error?.description, "notes.txt: not a PNG or JPEG image")
        let emptyURL = folder.appending("empty.jpg")
        try Data().write(to: emptyURL)
        XCTAssertEqual(expectImagingError(try ImageDecoder.decodeGray(contentsOf: emptyURL, name: "x/empty.jpg")),
                       .emptyFile(file: "x/empty.jpg"))
    }

    func testUnreadableFiles() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let missing = expectImagingError(try ImageDecoder.decodeGray(contentsOf: folder.appending("missing.png"),
                                                                     name: "missing.png"))
        XCTAssertEqual(missing, .unreadable(file: "missing.png", reason: "No such file or directory"))
        XCTAssertEqual(missing?.description, "missing.png: cannot read file (No such file or directory)")
        let directory = expectImagingError(try ImageDecoder.decodeGray(contentsOf: folder.url, name: "dir"))
        XCTAssertEqual(directory, .unreadable(file: "dir", reason: "Is a directory"))
    }

    func testCMYKJPEGIsUnsupported() throws {
        let error = expectImagingError(try ImageDecoder.decodeGray(data: Fixture.data("cmyk.jpg"), name: "c.jpg"))
        XCTAssertEqual(error, .unsupported(file: "c.jpg", format: .jpeg,
                                           detail: "CMYK JPEG images cannot be converted to grey"))
    }

    /// Thousands of failed decodes must not grow the process: the error paths free
    /// libpng's and libjpeg's state and the output buffers.
    func testErrorPathsDoNotLeak() throws {
        let png = try noisePNG(side: 256)
        let jpeg = try Fixture.data("texture.jpg")
        let cases = [png.prefix(png.count * 3 / 4), jpeg.prefix(jpeg.count * 3 / 4)]
        func run(_ rounds: Int) {
            for _ in 0..<rounds {
                for data in cases { _ = try? ImageDecoder.decodeGray(data: data, name: "x") }
            }
        }
        run(200)  // warm up allocator pools
        let before = try residentBytes()
        run(3000)
        let growth = try residentBytes() - before
        // Leaking one 256x256 buffer plus zlib/libjpeg state per call would be > 200 MB.
        XCTAssertLessThan(growth, 32 << 20, "resident memory grew by \(growth >> 20) MiB")
    }

    private func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let pages = Int(statm.split(separator: " ")[1]) ?? 0
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// CRC-32 as PNG chunks use it (for hand-editing fixture bytes).
func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
    }
    return crc ^ 0xFFFF_FFFF
}
