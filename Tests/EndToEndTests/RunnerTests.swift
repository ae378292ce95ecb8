import Foundation
import TestSupport
import XCTest

/// `krill run` and friends on experiments/smoke.yaml, as a user runs them.
final class RunnerTests: KrillTestCase {
    /// The repository's experiments/ folder.
    static let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("experiments")

    func runFolder(_ n: Int, name: String = "smoke") -> URL { dir.appending("artifacts/runs/\(name)/\(n)") }

    func testSecondRunIsCachedAndByteIdentical() throws {
        let first = states(try krill(["run", smoke]).stdout)
        XCTAssertFalse(first.isEmpty)
        XCTAssert(first.values.allSatisfy { $0 == "computed" }, "\(first)")
        let second = states(try krill(["run", smoke]).stdout)
        XCTAssertEqual(Set(second.keys), Set(first.keys))
        XCTAssert(second.values.allSatisfy { $0 == "cached" }, "\(second)")
        var a = try treeContents(runFolder(1)), b = try treeContents(runFolder(2))
        for name in ["run.json", "report.html"] { a[name] = nil; b[name] = nil }
        XCTAssertEqual(a, b, "two runs of the same experiment must give byte-identical files (run.json and report.html aside: they hold this run's stage table and times)")
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir.appending("artifacts/runs/smoke/latest").path), "2")
    }

    func testConfigErrorsExit2AndWriteNothing() throws {
        let bad = dir.appending("bad.yaml")
        try "extends: \(smoke)\ntraining: {epochs: many}\nmodel: {dropout: 3}\nlosss: {}\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try krill(["run", bad.path], expect: 2)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            "krill: \(bad.path):2:20: training.epochs: expected an integer, got 'many'",
            "krill: \(bad.path):3:18: model.dropout: 3 is out of range ([0, 1))",
            "krill: \(bad.path):4:1: unknown key 'losss' (did you mean 'loss'?)",
        ])
        XCTAssertFalse(FileManager.default.fileExists(atPath: artifacts), "a config error must write nothing")
        try krill(["run", smoke])
        let before = try treeContents(dir.appending("artifacts"))
        try krill(["run", smoke, "--set", "split.validation=many"], expect: 2)
        XCTAssertEqual(try treeContents(dir.appending("artifacts")), before, "artifacts must stay exactly as they were")
    }

    func testAlteredCacheFileIsReportedByVerifyAndRecomputed() throws {
        try krill(["run", smoke])
        XCTAssert(try krill(["verify"]).stdout.contains(", 0 corrupt"))
        let stages = dir.appending("artifacts/cache/stages/split")
        let split = try FileManager.default.subpathsOfDirectory(atPath: stages.path).first { $0.hasSuffix("split.json") }!
        chmod(stages.appendingPathComponent(split).path, 0o644)  // read-only for everyone but root
        try "{}".write(to: stages.appendingPathComponent(split), atomically: false, encoding: .utf8)
        let v = try krill(["verify"], expect: 1)
        XCTAssert(v.stdout.contains("split.json: content changed"), v.stdout)
        let rerun = try krill(["run", smoke])
        XCTAssertEqual(states(rerun.stdout)["split"], "computed", rerun.stdout)
        XCTAssert(try krill(["verify"]).stdout.contains(", 0 corrupt"))
    }

    func testDiffNamesTheOneChangedParameter() throws {
        try krill(["run", smoke])
        try krill(["run", smoke, "--set", "split.test=5"])
        let d = try krill(["diff", "smoke~1", "smoke"])
        let params = d.stdout.components(separatedBy: "\n\nmetrics")[0]
        XCTAssertEqual(params.split(separator: "\n").filter { $0.hasPrefix("  ") }, ["  split.test: 6 -> 5"], d.stdout)
    }

    func testEditingSvmCRerunsOnlyWhatReadsIt() throws {
        try krill(["run", smoke])
        let s = states(try krill(["run", smoke, "--set", "evaluate.svm.C=10"]).stdout)
        let computed = Set(s.filter { $0.value == "computed" }.keys)
        // The SVM stages, the raw-pixel baseline (same SVM settings) and the report that gathers them.
        XCTAssertEqual(computed, ["svm@1", "svm@2", "baseline", "report"], "\(s)")
        let epochs = states(try krill(["run", smoke, "--set", "training.epochs=3"]).stdout)
        XCTAssertEqual(epochs["synth"], "cached")
        XCTAssertEqual(epochs["split"], "cached")
        XCTAssertEqual(epochs["train@2"], "cached", "a constant rate: the first epochs are the same")
        XCTAssertEqual(epochs["train@3"], "computed")
    }

    func testChangingSplitKeepsTheSourceCached() throws {
        try krill(["run", smoke])
        let s = states(try krill(["run", smoke, "--set", "split.test=5"]).stdout)
        XCTAssertEqual(s["synth"], "cached")
        XCTAssertEqual(s["split"], "computed")
    }

    func testConcurrentRunsBothSucceedAndComputeOnce() throws {
        let group = DispatchGroup()
        let results = Box()
        for _ in 0..<2 {
            group.enter()
            DispatchQueue.global().async {
                let r = try? KrillProcess.run(["run", self.smoke, "--artifacts", self.artifacts])
                results.append(r)
                group.leave()
            }
        }
        group.wait()
        let runs = results.all
        XCTAssertEqual(runs.count, 2)
        XCTAssert(runs.allSatisfy { $0?.status == 0 }, runs.map { $0?.stderr ?? "nil" }.joined(separator: "\n"))
        // Each stage was computed by exactly one of the two processes.
        let computed = runs.compactMap { $0 }.map { states($0.stdout).filter { $0.value == "computed" }.keys }.flatMap { $0 }
        XCTAssertEqual(computed.count, Set(computed).count, "a stage was computed twice: \(computed)")
        XCTAssertEqual(Set(computed), Set(states(runs[0]!.stdout).keys))
    }

    func testZeroShotOnHeldOutClasses() throws {
        let r = try krill(["run", smoke, "--set", "split.unseen_classes=[appendicularia_tail, chaetognatha_tail]"])
        XCTAssertEqual(states(r.stdout)["zeroshot@2"], "computed", r.stdout)
        let summary = try String(contentsOf: runFolder(1).appendingPathComponent("epoch-2/zeroshot/summary.csv"), encoding: .utf8)
        let rows = summary.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.map { $0.prefix(3).joined(separator: ",") }, ["set,classes,points", "unseen,2,60", "seen,2,12"], summary)
        let labels = try String(contentsOf: runFolder(1).appendingPathComponent("epoch-2/labels-unseen.csv"), encoding: .utf8)
        XCTAssertEqual(labels.split(separator: "\n").count, 61)
        XCTAssertFalse(labels.contains(",copepod"), "only the held-out classes are unseen")
        let train = try String(contentsOf: runFolder(1).appendingPathComponent("epoch-2/labels-test.csv"), encoding: .utf8)
        XCTAssertFalse(train.contains("appendicularia_tail"), "held-out classes never appear in the seen splits")
        XCTAssert(try String(contentsOf: runFolder(1).appendingPathComponent("summary.json"), encoding: .utf8).contains("zeroshot_accuracy"))
    }

    func testGcRemovesOnlyEntriesNoRunReferences() throws {
        try krill(["run", smoke])
        try krill(["run", smoke, "--set", "split.test=5"])
        // Nothing is unreferenced while both run folders exist.
        XCTAssert(try krill(["gc", "--dry-run"]).stdout.contains(" 0 cache entries"))
        try krill(["runs", "rm", "smoke@2"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: runFolder(2).path))
        let dry = try krill(["gc", "--dry-run"]).stdout
        XCTAssert(dry.contains("would remove split"), dry)
        XCTAssertFalse(dry.contains("would remove synth"), "synth is shared with run 1: \(dry)")
        let removed = try krill(["gc"]).stdout
        XCTAssertEqual(removed.split(separator: "\n").filter { $0.hasPrefix("removed") }.count,
                       dry.split(separator: "\n").filter { $0.hasPrefix("would remove") }.count, removed)
        XCTAssert(try krill(["gc", "--dry-run"]).stdout.contains(" 0 cache entries"))
        // The remaining run's stages are all still cached.
        XCTAssert(states(try krill(["run", smoke]).stdout).values.allSatisfy { $0 == "cached" })
    }

    func testStatusAndDag() throws {
        let before = try krill(["status", smoke]).stdout
        XCTAssert(before.contains("to run"), before)
        try krill(["run", smoke])
        let after = try krill(["status", smoke]).stdout
        XCTAssertFalse(after.contains("to run"), after)
        XCTAssert(after.split(separator: "\n").allSatisfy { $0.contains("cached") }, after)
        let dot = try krill(["dag", smoke, "--dot"]).stdout
        XCTAssert(dot.hasPrefix("digraph krill {") && dot.contains("\"synth\" -> \"split\""), dot)
        let runs = try krill(["runs"]).stdout
        XCTAssert(runs.contains("smoke@1"), runs)
    }
}

final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [KrillResult?] = []
    func append(_ r: KrillResult?) { lock.lock(); items.append(r); lock.unlock() }
    var all: [KrillResult?] { lock.lock(); defer { lock.unlock() }; return items }
}
