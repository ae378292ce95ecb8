@testable import Datasets
import Foundation
import Imaging
import TestSupport
import XCTest

final class ImageStoreTests: XCTestCase {
    func testWriteThenMapRoundTrip() throws {
        let dir = try TemporaryDirectory("krill-store")
        defer { dir.remove() }
        let side = 5
        let writer = try ImageStoreWriter(directory: dir.url, side: side, classes: ["a", "b,with comma"])
        var images: [GrayImage] = []
        for i in 0..<7 {
            let img = GrayImage(width: side, height: side, pixels: (0..<(side * side)).map { UInt8(($0 * 7 + i * 31) % 256) })
            images.append(img)
            try writer.append(img, path: "dir \(i)/\"odd\",name.png", classIndex: i % 2, sha256: String(repeating: "\(i)", count: 64))
        }
        try writer.finish()

        let store = try ImageStore(directory: dir.url)
        XCTAssertEqual(store.count, 7)
        XCTAssertEqual(store.side, side)
        XCTAssertEqual(store.classes, ["a", "b,with comma"])
        XCTAssertEqual(store.labels, [0, 1, 0, 1, 0, 1, 0])
        XCTAssertEqual(store.paths[3], "dir 3/\"odd\",name.png")
        XCTAssertEqual(store.sha256[6], String(repeating: "6", count: 64))
        for i in 0..<7 { XCTAssertEqual(store.image(i), images[i]) }
        XCTAssertEqual(store.rowsByClass, [[0, 2, 4, 6], [1, 3, 5]])
        let size = try FileManager.default.attributesOfItem(atPath: dir.appending("pixels.u8").path)[.size] as? Int
        XCTAssertEqual(size, 7 * 25)
    }

    func testUnfinishedOrTruncatedStoreIsRejected() throws {
        let dir = try TemporaryDirectory("krill-store")
        defer { dir.remove() }
        let writer = try ImageStoreWriter(directory: dir.url, side: 2, classes: ["a"])
        try writer.append(GrayImage(width: 2, height: 2, fill: 9), path: "a/1.png", classIndex: 0, sha256: "x")
        // No finish(): no store.json, so not a store.
        XCTAssertThrowsError(try ImageStore(directory: dir.url)) { error in
            XCTAssert("\(error)".contains("store.json missing"), "\(error)")
        }
        try writer.finish()
        XCTAssertNoThrow(try ImageStore(directory: dir.url))
        // Truncate the pixels: the sizes no longer agree.
        try Data([1, 2, 3]).write(to: dir.appending("pixels.u8"))
        XCTAssertThrowsError(try ImageStore(directory: dir.url)) { error in
            XCTAssert("\(error)".contains("3 bytes, expected 4"), "\(error)")
        }
    }
}
