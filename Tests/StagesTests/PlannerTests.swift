import Experiment
import Foundation
import Imaging
import Pipeline
@testable import Stages
import Storage
import TestSupport
import XCTest

/// The planner without running anything: DAG shapes, stable keys, and which keys each edit
/// of the experiment changes.
final class PlannerTests: XCTestCase {
    func testSmokeDAGShape() throws {
        let (nodes, order) = try plan(smoke)
        XCTAssertEqual(order, ["synth", "split", "train@1", "train@2", "embed@1", "summarize@1", "tsne@1", "svm@1", "kmeans@1", "retrieval@1",
                               "embed@2", "summarize@2", "tsne@2", "svm@2", "kmeans@2", "retrieval@2", "baseline", "report"])
        XCTAssertEqual(nodes["split"]?.inputs, ["synth"])
        XCTAssertEqual(nodes["train@1"]?.inputs, ["synth", "split"])
        XCTAssertEqual(nodes["train@2"]?.inputs, ["synth", "split", "train@1"], "a chain of epochs")
        XCTAssertEqual(nodes["embed@1"]?.inputs, ["synth", "split", "train@1"])
        XCTAssertEqual(nodes["embed@2"]?.inputs, ["synth", "split", "train@2"])
        XCTAssertEqual(nodes["svm@2"]?.inputs, ["embed@2"])
        XCTAssertEqual(nodes["baseline"]?.inputs, ["synth", "split"])
        XCTAssertEqual(nodes["report"]?.inputs, ["synth", "split", "train@2", "summarize@1", "tsne@1", "svm@1", "kmeans@1", "retrieval@1",
                                                 "summarize@2", "tsne@2", "svm@2", "kmeans@2", "retrieval@2", "baseline"])
    }

    func testEvaluatorsFollowTheExperiment() throws {
        let off = try plan(smoke, ["evaluate.tsne=false", "evaluate.svm=false", "evaluate.summaries=false",
                                   "evaluate.baseline=false", "evaluate.retrieval=false"])
        XCTAssertEqual(off.order, ["synth", "split", "train@1", "train@2", "embed@1", "kmeans@1", "embed@2", "kmeans@2", "report"])
        let zeroshot = try plan(experimentsFolder.appendingPathComponent("zeroshot.yaml").path,
                                ["training.epochs=2", "training.snapshots=[1]"])
        XCTAssert(zeroshot.order.contains("zeroshot@1") && zeroshot.order.contains("zeroshot@2"), "\(zeroshot.order)")
        // Snapshots beyond the last epoch are dropped; the last epoch always is one.
        let snaps = try plan(smoke, ["training.snapshots=[1, 2, 7]"])
        XCTAssertEqual(snaps.order.filter { $0.hasPrefix("embed@") }, ["embed@1", "embed@2"])
    }

    func testFolderSourceIsScannedAndItsLocationIsNotInTheKey() throws {
        let dir = try TemporaryDirectory("krill-plan")
        defer { dir.remove() }
        for copy in ["a", "b"] {
            for cls in ["egg", "salp"] {
                let folder = dir.appending("\(copy)/\(cls)")
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                for i in 0..<20 { try tinyPNG(gray: UInt8(10 * i + (cls == "egg" ? 0 : 5))).write(to: folder.appendingPathComponent("\(i).png")) }
            }
        }
        let settings = ["data.source=folders", "split.validation=4", "split.test=4", "rescale.size=8"]
        let a = try plan(smoke, settings + ["data.folders.root=\(dir.appending("a").path)"], memo: dir.url)
        let b = try plan(smoke, settings + ["data.folders.root=\(dir.appending("b").path)"], memo: dir.url)
        XCTAssertEqual(a.order.first, "rescale")
        XCTAssertEqual(a.nodes["rescale"], b.nodes["rescale"], "the same images elsewhere plan the same rescale stage")
        XCTAssertNotNil(a.nodes["rescale"]?.params.flattened()["source_fingerprint"])
        try tinyPNG(gray: 3).write(to: dir.appending("b/salp/0.png"))
        let c = try plan(smoke, settings + ["data.folders.root=\(dir.appending("b").path)"], memo: dir.url)
        XCTAssertNotEqual(a.nodes["rescale"], c.nodes["rescale"], "an edited image changes the fingerprint")
    }

    /// The parameters of every node of smoke.yaml, recorded in `Snapshots/smoke-params.txt`:
    /// a change of any stage's key shows up here (re-record with KRILL_RECORD=1 when meant).
    func testKeysAreStable() throws {
        let first = try plan(smoke), second = try plan(smoke)
        XCTAssertEqual(first.nodes, second.nodes)
        let text = first.order.map { n in
            let node = first.nodes[n]!
            return "\(n) \(node.kind) v\(node.version) \(node.params.canonical)"
        }.joined(separator: "\n") + "\n"
        let snapshot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/smoke-params.txt")
        if ProcessInfo.processInfo.environment["KRILL_RECORD"] == "1" {
            try text.write(to: snapshot, atomically: true, encoding: .utf8)
        }
        let recorded = try String(contentsOf: snapshot, encoding: .utf8)
        XCTAssertEqual(text, recorded, "stage parameters changed; if that is meant, bump the stage's version where its output changes and re-record with KRILL_RECORD=1")
    }
}

/// A 4 x 4 grey PNG of one level.
func tinyPNG(gray: UInt8) throws -> Data {
    try PNGEncoder.encode(GrayImage(width: 4, height: 4, pixels: [UInt8](repeating: gray, count: 16)))
}
