import Foundation
import Imaging
import TestSupport
import XCTest

/// `krill synth` and `krill inspect` run as a user runs them.
final class SynthInspectTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory("krill-e2e") }
    override func tearDown() { dir.remove() }

    func testSynthTwiceGivesIdenticalTreesAndAnotherSeedDiffers() throws {
        let args = ["--classes", "13", "--per-class", "3", "--size", "32", "--seed", "5"]
        let a = try KrillProcess.run(["synth", dir.appending("a").path] + args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssert(a.stdout.contains("wrote 39 images"), a.stdout)
        try KrillProcess.run(["synth", dir.appending("b").path] + args + ["--jobs", "1"])
        let treeA = try treeContents(dir.appending("a"))
        let treeB = try treeContents(dir.appending("b"))
        XCTAssertEqual(treeA.count, 39)
        XCTAssertEqual(treeA, treeB, "same arguments, different bytes")
        XCTAssertNotNil(treeA["copepod/copepod-00000.png"])

        try KrillProcess.run(["synth", dir.appending("c").path] + args.dropLast(2) + ["--seed", "6"])
        let treeC = try treeContents(dir.appending("c"))
        XCTAssertEqual(Set(treeC.keys), Set(treeA.keys))
        XCTAssertEqual(treeA.keys.filter { treeA[$0] == treeC[$0] }.count, 0, "another seed must change every image")

        // The images decode to the requested size.
        let image = try ImageDecoder.decodeGray(data: treeA["egg/egg-00002.png"]!, name: "egg-00002.png")
        XCTAssertEqual([image.width, image.height], [32, 32])
    }

    /// The ZooScanNet-like layout for scale benchmarks: imbalanced taxa, varying sizes,
    /// grey JPEGs that decode, the same bytes for the same seed with 1 or 2 threads.
    func testZooScanLayoutWritesImbalancedTaxaOfGreyJPEGs() throws {
        let args = ["--layout", "zooscan", "--images", "600", "--format", "jpeg", "--seed", "3"]
        let a = try KrillProcess.run(["synth", dir.appending("a").path] + args)
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssertTrue(a.stdout.contains("wrote 600 images in 27 taxa"), a.stdout)
        try KrillProcess.run(["synth", dir.appending("b").path] + args + ["--jobs", "1"])
        let tree = try treeContents(dir.appending("a"))
        XCTAssertEqual(tree, try treeContents(dir.appending("b")), "same seed, different bytes")
        XCTAssertEqual(tree.count, 600)
        var perTaxon: [String: Int] = [:]
        var sides = Set<Int>(), square = 0
        for (path, data) in tree {
            XCTAssertTrue(path.hasSuffix(".jpg"), path)
            perTaxon[String(path.split(separator: "/")[0]), default: 0] += 1
            let image = try ImageDecoder.decodeGray(data: data, name: path)
            sides.insert(image.width)
            if image.width == image.height { square += 1 }
        }
        XCTAssertEqual(perTaxon.count, 27)
        XCTAssertNotNil(perTaxon["copepod-2"], "taxa beyond the catalogue are variants: \(perTaxon.keys.sorted())")
        XCTAssertGreaterThan(perTaxon["copepod"]!, 5 * perTaxon.values.min()!, "Zipf imbalance: \(perTaxon)")
        XCTAssertEqual(sides, [48, 72, 96, 128, 192])
        XCTAssertLessThan(square, 100, "vignettes are cut to a random height")
        let inspect = try KrillProcess.run(["inspect", dir.appending("a").path, "--strict"])
        XCTAssertEqual(inspect.status, 0, inspect.stdout + inspect.stderr)
    }

    func testSynthRefusesANonEmptyFolderUnlessOverwrite() throws {
        let target = dir.appending("set")
        XCTAssertEqual(try KrillProcess.run(["synth", target.path, "--classes", "2", "--per-class", "4", "--size", "16"]).status, 0)
        let again = try KrillProcess.run(["synth", target.path, "--classes", "2", "--per-class", "2", "--size", "16"])
        XCTAssertEqual(again.status, 2)
        XCTAssert(again.stderr.contains("not empty"), again.stderr)
        let over = try KrillProcess.run(["synth", target.path, "--classes", "2", "--per-class", "2", "--size", "16", "--overwrite"])
        XCTAssertEqual(over.status, 0, over.stderr)
        XCTAssertEqual(try treeContents(target).count, 4, "stale images of the first run must be gone")
    }

    func testSynthRejectsBadArguments() throws {
        for bad in [["--classes", "0"], ["--classes", "99"], ["--size", "4"], ["--per-class", "0"]] {
            let r = try KrillProcess.run(["synth", dir.appending("x").path] + bad)
            XCTAssertEqual(r.status, 2, "\(bad): \(r.stderr)")
            XCTAssertFalse(r.stderr.isEmpty)
        }
        XCTAssertEqual(try KrillProcess.run(["synth"]).status, 2)
    }

    func testContactSheet() throws {
        let sheet = dir.appending("sheet.png")
        let r = try KrillProcess.run(["synth", "--contact-sheet", sheet.path, "--classes", "3", "--size", "16", "--sheet-columns", "4"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let image = try ImageDecoder.decodeGray(contentsOf: sheet)
        XCTAssertGreaterThan(image.width, 4 * 16)
        XCTAssertGreaterThan(image.height, 3 * 16)
    }

    func testInspectCountsSizesAndUnreadableFiles() throws {
        let root = dir.appending("set")
        XCTAssertEqual(try KrillProcess.run(["synth", root.path, "--classes", "3", "--per-class", "4", "--size", "24"]).status, 0)
        let clean = try KrillProcess.run(["inspect", root.path, "--strict"])
        XCTAssertEqual(clean.status, 0, clean.stderr)
        let lines = clean.stdout.split(separator: "\n").map(String.init)
        XCTAssert(lines.contains { $0.hasPrefix("copepod") && $0.contains(" 4 ") && $0.contains("24/24/24") }, clean.stdout)
        XCTAssert(clean.stdout.contains("total: 12 images in 3 classes, 12 readable"), clean.stdout)

        // A truncated PNG, a garbage .jpg and a text file.
        let good = try Data(contentsOf: root.appendingPathComponent("chaetognath/chaetognath-00000.png"))
        try good.prefix(good.count / 2).write(to: root.appendingPathComponent("chaetognath/cut.png"))
        try Data("not a jpeg at all".utf8).write(to: root.appendingPathComponent("copepod/garbage.jpg"))
        try Data("hello".utf8).write(to: root.appendingPathComponent("copepod/notes.txt"))
        let messy = try KrillProcess.run(["inspect", root.path])
        XCTAssertEqual(messy.status, 0)
        XCTAssert(messy.stdout.contains("unreadable (2):"), messy.stdout)
        XCTAssert(messy.stdout.contains("chaetognath/cut.png: truncated PNG"), messy.stdout)
        XCTAssert(messy.stdout.contains("copepod/garbage.jpg"), messy.stdout)
        XCTAssert(messy.stdout.contains("copepod/notes.txt"), messy.stdout)
        XCTAssertEqual(try KrillProcess.run(["inspect", root.path, "--strict"]).status, 1)
        let missing = try KrillProcess.run(["inspect", dir.appending("nope").path])
        XCTAssertEqual(missing.status, 2)
        XCTAssert(missing.stderr.contains("no such folder"), missing.stderr)
    }

    func testHelpAndVersion() throws {
        let version = try KrillProcess.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("krill "), true, version.stdout)
        let help = try KrillProcess.run(["--help"])
        XCTAssertEqual(help.status, 0)
        for sub in ["synth", "inspect", "bench"] { XCTAssert(help.stdout.contains(sub), help.stdout) }
        XCTAssertEqual(try KrillProcess.run(["no-such-command"]).status, 2)
    }
}
