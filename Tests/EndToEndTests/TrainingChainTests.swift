import Foundation
import TestSupport
import XCTest

/// Training as a chain of cached epochs: extending, adding snapshots, forced and partial
/// reruns, and `status` that says why a stage would run.
final class TrainingChainTests: KrillTestCase {
    func run(_ n: Int, in artifacts: String? = nil, name: String = "smoke") -> URL {
        URL(fileURLWithPath: (artifacts ?? self.artifacts) + "/runs/\(name)/\(n)")
    }

    func assertSame(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        try assertSameRunResults(a, b, file: file, line: line)
    }

    /// A run with epochs: 5 extended to 8 equals a run with epochs: 8 from the start, byte for
    /// byte, with a constant and with a step schedule; only the new epochs train.
    func testExtendingTrainsOnlyTheNewEpochsAndEqualsTheLongerRun() throws {
        for schedule in [[String](), ["--set", "training.schedule.name=step", "--set", "training.schedule.every=3"]] {
            dir.remove()
            dir = try TemporaryDirectory("krill-e2e")
            try krill(["run", smoke, "--set", "training.epochs=5"] + schedule)
            let extended = states(try krill(["run", smoke, "--set", "training.epochs=8"] + schedule).stdout)
            for e in 1...5 { XCTAssertEqual(extended["train@\(e)"], "cached", "train@\(e) \(schedule)") }
            for e in 6...8 { XCTAssertEqual(extended["train@\(e)"], "computed", "train@\(e) \(schedule)") }
            let clean = dir.appending("clean").path
            try krill(["run", smoke, "--set", "training.epochs=8"] + schedule, artifacts: clean)
            try assertSame(run(2), run(1, in: clean))
            // Lowering the epochs reuses the cached prefix.
            let lower = states(try krill(["run", smoke, "--set", "training.epochs=6"] + schedule).stdout)
            XCTAssert((1...6).allSatisfy { lower["train@\($0)"] == "cached" }, "\(lower)")
        }
    }

    /// With cosine the rates depend on the epoch count, so extending retrains; a horizon
    /// decouples them.
    func testCosineRetrainsUnlessItHasAHorizon() throws {
        let cosine = ["--set", "training.schedule.name=cosine", "--set", "training.epochs=3"]
        try krill(["run", smoke] + cosine)
        let status = try krill(["status", smoke] + cosine.dropLast() + ["training.epochs=4"]).stdout
        // Epoch 1 starts at the base rate either way; the later rates move.
        XCTAssert(status.contains("train@1      cached") && status.contains("train@2      to run") && status.contains("lr 0.00075 -> 0.0008535534 (training.epochs 3 -> 4)"), status)
        let horizon = ["--set", "training.schedule.name=cosine", "--set", "training.schedule.horizon=6"]
        try krill(["run", smoke, "--set", "training.epochs=3"] + horizon)
        let longer = states(try krill(["run", smoke, "--set", "training.epochs=5"] + horizon).stdout)
        XCTAssertEqual(longer["train@3"], "cached")
        XCTAssertEqual(longer["train@4"], "computed")
    }

    func testAddingASnapshotTrainsNothingAndEqualsHavingItFromTheStart() throws {
        let epochs = ["--set", "training.epochs=4"]
        try krill(["run", smoke] + epochs)
        let status = try krill(["status", smoke] + epochs + ["--set", "training.snapshots=[1, 3]"]).stdout
        XCTAssert(status.contains("train@1-4    cached"), status)
        XCTAssert(status.contains("embed@3      to run") && status.contains("training.snapshots [1] -> [1,3]"), status)
        let added = try krill(["run", smoke] + epochs + ["--set", "training.snapshots=[1, 3]"])
        XCTAssert((1...4).allSatisfy { states(added.stdout)["train@\($0)"] == "cached" }, added.stdout)
        XCTAssertEqual(states(added.stdout)["embed@3"], "computed")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: run(2).appendingPathComponent("run.json"))) as! [String: Any]
        let trainStates = (record["stages"] as! [[String: Any]]).filter { ($0["kind"] as? String) == "train" }.map { $0["state"] as? String }
        XCTAssertEqual(trainStates, Array(repeating: "cached", count: 4), "run.json: no training epoch computed")
        let clean = dir.appending("clean").path
        try krill(["run", smoke] + epochs + ["--set", "training.snapshots=[1, 3]"], artifacts: clean)
        try assertSame(run(2), run(1, in: clean))
    }

    func testCheckpointSettingsChangeNothing() throws {
        try krill(["run", smoke])
        for edit in ["training.checkpoint_every=3", "training.checkpoint_steps=2"] {
            let again = states(try krill(["run", smoke, "--set", edit]).stdout)
            XCTAssert(again.values.allSatisfy { $0 == "cached" }, "\(edit): \(again)")
        }
    }

    /// `krill status` names the reason of a one-key edit of each stage kind.
    func testStatusSaysWhy() throws {
        try krill(["run", smoke])
        let cases: [(String, String, String)] = [
            ("data.synthetic.per_class=31", "synth", "data.synthetic.per_class 30 -> 31"),
            ("split.test=5", "split", "split.test 6 -> 5"),
            ("model.dropout=0.1", "train@1-2", "model.dropout 0 -> 0.1"),
            ("model.dropout=0.1", "embed@1", "input train@1 changed (model.dropout 0 -> 0.1)"),
            ("evaluate.tsne.perplexity=4", "tsne@1", "evaluate.tsne.perplexity 5 -> 4"),
            ("evaluate.svm.C=10", "svm@2", "evaluate.svm.C 1 -> 10"),
            ("evaluate.svm.C=10", "baseline", "evaluate.svm.C 1 -> 10"),
            ("evaluate.kmeans.n_init=3", "kmeans@1", "evaluate.kmeans.n_init 2 -> 3"),
            ("evaluate.retrieval.query=validation", "retrieval@2", "evaluate.retrieval.query test -> validation"),
            ("training.epochs=4", "train@3-4", "new epochs (training.epochs 2 -> 4)"),
            ("training.snapshots=[1, 2]", "report", "snapshots [1,2] -> [1,2]"),
        ]
        for (edit, node, reason) in cases where node != "report" {
            let out = try krill(["status", smoke, "--set", edit]).stdout
            let line = out.split(separator: "\n").first { $0.hasPrefix(node + " ") }.map(String.init) ?? "(no line)"
            XCTAssert(line.contains("to run") && line.hasSuffix(reason), "\(edit): \(line)\n\(out)")
        }
        // The same as data.
        let json = try krill(["status", smoke, "--set", "evaluate.svm.C=10", "--json"]).stdout
        let items = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [[String: Any]]
        let svm = items.first { $0["node"] as? String == "svm@2" }!
        XCTAssertEqual(svm["state"] as? String, "to run")
        XCTAssertEqual(svm["reason"] as? String, "evaluate.svm.C 1 -> 10")
        XCTAssertEqual(items.first { $0["node"] as? String == "train@1" }?["state"] as? String, "cached")
        // And `krill run` prints it when the stage starts.
        let r = try krill(["run", smoke, "--set", "evaluate.svm.C=10"])
        XCTAssert(r.stderr.contains("svm@2: computing (") && r.stderr.contains("): evaluate.svm.C 1 -> 10"), r.stderr)
    }

    func testForceRecomputesAndKeepsWhatFollowsWhenTheBytesAreTheSame() throws {
        try krill(["run", smoke])
        let forced = states(try krill(["run", smoke, "--force", "train@2"]).stdout)
        XCTAssertEqual(forced["train@2"], "computed")
        XCTAssertEqual(forced["train@1"], "cached")
        XCTAssertEqual(forced["embed@2"], "cached", "identical bytes: nothing below reruns")
        let kinds = states(try krill(["run", smoke, "--force", "svm"]).stdout)
        XCTAssertEqual(kinds["svm@1"], "computed")
        XCTAssertEqual(kinds["svm@2"], "computed")
        XCTAssertEqual(kinds["report"], "cached")
        let bad = try krill(["run", smoke, "--force", "svn"], expect: 2)
        XCTAssert(bad.stderr.contains("no stage 'svn'") && bad.stderr.contains("svm"), bad.stderr)
        // An entry deleted from the cache is recomputed with the same bytes: what follows stays cached.
        let entries = dir.appending("artifacts/cache/stages/train")
        let folder = try FileManager.default.subpathsOfDirectory(atPath: entries.path).filter { $0.split(separator: "/").count == 2 }
        for f in folder { try FileManager.default.removeItem(at: entries.appendingPathComponent(f)) }
        let again = states(try krill(["run", smoke]).stdout)
        XCTAssertEqual(again["train@1"], "computed")
        XCTAssertEqual(again["embed@1"], "cached")
        XCTAssertEqual(again["report"], "cached")
    }

    func testUntilTrainsNowAndEvaluatesLater() throws {
        let partial = try krill(["run", smoke, "--until", "train"])
        XCTAssertEqual(Set(states(partial.stdout).keys), ["synth", "split", "train@1", "train@2"])
        let folder = run(1)
        XCTAssert(FileManager.default.fileExists(atPath: folder.appendingPathComponent("model/weights.bin").path))
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("run.json"))) as! [String: Any]
        XCTAssertEqual(record["until"] as? String, "train")
        let rest = states(try krill(["run", smoke]).stdout)
        XCTAssertEqual(rest["train@2"], "cached")
        XCTAssertEqual(rest["svm@2"], "computed")
    }

    /// gc keeps the optimiser state of chain ends only; a later branch in the middle of the
    /// chain replays from the start and checks each replayed epoch against the cache.
    func testGcPrunesInnerOptimiserStatesAndABranchReplays() throws {
        let four = ["--set", "training.epochs=4"]
        try krill(["run", smoke] + four)
        let gc = try krill(["gc"]).stdout
        XCTAssert(gc.contains("removed 3 optimiser states"), gc)
        let step = four + ["--set", "training.schedule.name=step", "--set", "training.schedule.every=3"]
        let branch = try krill(["run", smoke] + step)
        XCTAssertEqual(states(branch.stdout)["train@3"], "cached")
        XCTAssertEqual(states(branch.stdout)["train@4"], "computed")
        XCTAssert(branch.stderr.contains("replaying epochs 1-3"), branch.stderr)
        let clean = dir.appending("clean").path
        try krill(["run", smoke] + step, artifacts: clean)
        try assertSame(run(2), run(1, in: clean))
        try krill(["verify"])
    }
}
