import Foundation
import Imaging
import XCTest

/// The committed fixture images (Fixtures/, made by Fixtures/make_fixtures.py).
enum Fixture {
    static func url(_ name: String) throws -> URL {
        let folder = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil),
                                   "Fixtures folder missing from the test bundle")
        return folder.appendingPathComponent(name)
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: url(name))
    }

    static func decode(_ name: String) throws -> GrayImage {
        try ImageDecoder.decodeGray(data: data(name), name: name)
    }
}

/// Rows of a grey image, for readable comparisons with expected tables.
func rows(_ image: GrayImage) -> [[UInt8]] {
    (0..<image.height).map { y in Array(image.pixels[(y * image.width)..<((y + 1) * image.width)]) }
}

/// Asserts that `body` throws an `ImagingError` and returns it.
func expectImagingError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath,
                           line: UInt = #line) -> ImagingError? {
    do {
        _ = try body()
        XCTFail("expected an ImagingError, got a result", file: file, line: line)
        return nil
    } catch let error as ImagingError {
        return error
    } catch {
        XCTFail("expected an ImagingError, got \(error)", file: file, line: line)
        return nil
    }
}

/// Deterministic pseudo-random bytes (a 64-bit LCG), for test images.
func pseudoRandomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}
