import Foundation
import TestSupport
import XCTest

/// `data.source: folders` end to end: fingerprinting, edits, and unreadable images.
final class FolderSourceTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory("krill-folders") }
    override func tearDown() { dir.remove() }

    func run(_ args: [String]) throws -> KrillResult {
        try KrillProcess.run(args + ["--artifacts", dir.appending("artifacts").path], in: dir.url)
    }

    func state(_ out: String, _ node: String) -> String? {
        out.split(separator: "\n").first { $0.hasPrefix(node + " ") }.flatMap { $0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init) }
    }

    func testEditsRerunTheSourceAndBadImagesAreNamed() throws {
        XCTAssertEqual(try KrillProcess.run(["synth", dir.appending("imgs").path, "--classes", "3", "--per-class", "12", "--size", "40"]).status, 0)
        try """
            data: {source: folders, folders: {root: imgs}}
            rescale: {size: 16}
            split: {validation: 3, test: 3}
            model: {channels: [4, 8], embedding: 8}
            training: {epochs: 1, steps_per_epoch: 2, batch: {triplets: 4}, snapshots: []}
            evaluate: {tsne: false, kmeans: {n_init: 1}}
            """.write(to: dir.appending("f.yaml"), atomically: true, encoding: .utf8)
        let first = try run(["run", "f.yaml"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertEqual(state(first.stdout, "rescale"), "computed")
        let second = try run(["run", "f.yaml"])
        XCTAssertEqual(state(second.stdout, "rescale"), "cached", second.stdout)

        // Replace one image with another image's bytes: the fingerprint changes.
        let a = dir.appending("imgs/chaetognath/chaetognath-00001.png"), b = dir.appending("imgs/copepod/copepod-00003.png")
        try FileManager.default.removeItem(at: a)
        try FileManager.default.copyItem(at: b, to: a)
        let third = try run(["run", "f.yaml"])
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertEqual(state(third.stdout, "rescale"), "computed", third.stdout)

        // A corrupt image: the stage fails naming the file; exit 1; earlier runs untouched.
        let before = try treeContents(dir.appending("artifacts/runs"))
        try Data("not a png".utf8).write(to: dir.appending("imgs/chaetognath/chaetognath-00002.png"))
        let broken = try run(["run", "f.yaml"])
        XCTAssertEqual(broken.status, 1, broken.stderr)
        XCTAssert(broken.stderr.contains("stage rescale failed") && broken.stderr.contains("chaetognath/chaetognath-00002.png"), broken.stderr)
        XCTAssertEqual(try treeContents(dir.appending("artifacts/runs")), before)
        let committed = try FileManager.default.subpathsOfDirectory(atPath: dir.appending("artifacts/cache/stages/rescale").path)
            .filter { $0.hasSuffix("manifest.json") }
        XCTAssertEqual(committed.count, 2, "the failed rescale must not be committed: \(committed)")
    }

    func testMissingFolderAndUnknownClassAreConfigErrors() throws {
        try "data: {source: folders, folders: {root: nowhere}}\n".write(to: dir.appending("m.yaml"), atomically: true, encoding: .utf8)
        let missing = try run(["run", "m.yaml"])
        XCTAssertEqual(missing.status, 2)
        XCTAssert(missing.stderr.contains("m.yaml:1:41: data.folders.root: no such folder 'nowhere'"), missing.stderr)
        XCTAssertEqual(try KrillProcess.run(["synth", dir.appending("imgs").path, "--classes", "3", "--per-class", "4", "--size", "16"]).status, 0)
        try "data: {source: folders, folders: {root: imgs, classes: [chaetognath, copepods]}}\nsplit: {unseen_classes: [appendicularia_tail]}\n"
            .write(to: dir.appending("u.yaml"), atomically: true, encoding: .utf8)
        let unknown = try run(["run", "u.yaml"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssert(unknown.stderr.contains("u.yaml:1:56: data.folders.classes: unknown class 'copepods' (did you mean 'copepod'?)"), unknown.stderr)
        XCTAssert(unknown.stderr.contains("split.unseen_classes: unknown class 'appendicularia_tail'"), unknown.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appending("artifacts").path))
    }
}
