@testable import Datasets
import Foundation
import TestSupport
import XCTest

final class ClassFolderScanTests: XCTestCase {
    var dir: TemporaryDirectory!

    override func setUpWithError() throws {
        dir = try TemporaryDirectory("krill-scan")
        let fm = FileManager.default
        func touch(_ path: String, _ bytes: Int = 3) throws {
            let url = dir.appending(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(repeating: 1, count: bytes).write(to: url)
        }
        // Byte order puts upper case before lower case and "B" before "a".
        try touch("copepod/b.jpg", 10)
        try touch("copepod/a.JPG", 11)
        try touch("copepod/.hidden.jpg")
        try touch("copepod/notes.txt")
        try touch("Zoea/z1.png")
        try touch("Zoea/nested/inner.png")
        try touch("egg/10.jpeg")
        try touch("egg/9.jpeg")
        try touch("README.md")
        try touch(".DS_Store")
        try fm.createDirectory(at: dir.appending("empty"), withIntermediateDirectories: true)
    }

    override func tearDown() { dir.remove() }

    func testClassesAndFilesInByteOrderWithSkips() throws {
        let scan = try ClassFolderScan.scan(root: dir.url, allowEmptyClasses: true)
        XCTAssertEqual(scan.classes, ["Zoea", "copepod", "egg", "empty"])
        XCTAssertEqual(scan.files.map(\.relativePath), ["Zoea/z1.png", "copepod/a.JPG", "copepod/b.jpg", "egg/10.jpeg", "egg/9.jpeg"])
        XCTAssertEqual(scan.files.map(\.classIndex), [0, 1, 1, 2, 2])
        XCTAssertEqual(scan.files[2].size, 10)
        XCTAssertEqual(scan.countsPerClass, [1, 2, 2, 0])
        XCTAssertEqual(scan.skippedHidden, 2)
        XCTAssertEqual(scan.skippedNonImages, ["README.md", "Zoea/nested", "copepod/notes.txt"])
    }

    func testEmptyClassIsAnErrorNamingIt() {
        XCTAssertThrowsError(try ClassFolderScan.scan(root: dir.url)) { error in
            XCTAssertEqual(error as? DatasetError, .emptyClass(name: "empty", root: dir.url.path))
            XCTAssert("\(error)".contains("'empty' has no images"), "\(error)")
        }
    }

    func testClassSelectionAndUnknownNames() throws {
        let scan = try ClassFolderScan.scan(root: dir.url, classes: ["egg", "Zoea"])
        XCTAssertEqual(scan.classes, ["Zoea", "egg"])
        XCTAssertEqual(scan.files.count, 3)
        XCTAssertThrowsError(try ClassFolderScan.scan(root: dir.url, classes: ["egg", "krill"])) { error in
            XCTAssertEqual(error as? DatasetError, .unknownClasses(["krill"], known: ["Zoea", "copepod", "egg", "empty"]))
        }
    }

    func testMissingRoot() {
        XCTAssertThrowsError(try ClassFolderScan.scan(root: dir.appending("nope"))) { error in
            XCTAssertEqual("\(error)", "\(dir.appending("nope").path): no such folder")
        }
    }

    func testCapIsReproducibleAndPerClass() throws {
        let scan = try ClassFolderScan.scan(root: dir.url, allowEmptyClasses: true)
        let a = scan.capped(maxPerClass: 1, seed: 5)
        XCTAssertEqual(a.countsPerClass, [1, 1, 1, 0])
        XCTAssertEqual(a.files, scan.capped(maxPerClass: 1, seed: 5).files)
        // Over several seeds both files of a two-image class get picked at some point.
        let picks = Set((0..<20).map { scan.capped(maxPerClass: 1, seed: UInt64($0)).files[1].relativePath })
        XCTAssertEqual(picks, ["copepod/a.JPG", "copepod/b.jpg"])
        XCTAssertEqual(scan.capped(maxPerClass: 5, seed: 1).files, scan.files)
    }
}
