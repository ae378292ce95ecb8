import Foundation
import TestSupport
import XCTest

/// A run killed with SIGKILL and rerun gives the same bytes as a run never interrupted.
final class ResumeTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory("krill-resume") }
    override func tearDown() { dir.remove() }

    var smoke: String { RunnerTests.experiments.appendingPathComponent("smoke.yaml").path }
    /// Long enough to kill in the middle of training.
    let longer = ["--set", "training.epochs=4", "--set", "training.steps_per_epoch=150", "--set", "training.checkpoint_every=1"]

    /// Starts krill, waits until a stderr line contains `marker`, then SIGKILLs it.
    func runAndKill(_ args: [String], when marker: String) throws {
        let process = Process()
        process.executableURL = KrillProcess.binary
        process.arguments = args
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = ""
        let handle = err.fileHandleForReading
        while !seen.contains(marker) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssert(seen.contains(marker), "the run ended before '\(marker)':\n\(seen)")
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
    }

    /// Every CSV, NPY and weights file of a run folder (run.json and timings aside).
    func results(_ folder: URL) throws -> [String: Data] {
        try treeContents(folder).filter { !["run.json", "report.html"].contains($0.key) }
    }

    func testKillDuringTrainingThenResumeIsBitIdentical() throws {
        let killed = dir.appending("killed").path, clean = dir.appending("clean").path
        try runAndKill(["run", smoke, "--artifacts", killed] + longer, when: "train@2: computed")
        let status = try KrillProcess.run(["status", smoke, "--artifacts", killed] + longer)
        XCTAssert(status.stdout.contains("train@1-2    cached"), status.stdout)
        let resumed = try KrillProcess.run(["run", smoke, "--artifacts", killed] + longer)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssert(resumed.stdout.split(separator: "\n").contains { $0.hasPrefix("train@2 ") && $0.contains("cached") }, resumed.stdout)
        let fresh = try KrillProcess.run(["run", smoke, "--artifacts", clean] + longer)
        XCTAssertEqual(fresh.status, 0, fresh.stderr)
        let a = try results(dir.appending("killed/runs/smoke/1")), b = try results(dir.appending("clean/runs/smoke/1"))
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for key in a.keys.sorted() where a[key] != b[key] { XCTFail("\(key) differs between the resumed and the uninterrupted run") }
        XCTAssertNotNil(a["model/weights.bin"])
        XCTAssertNotNil(a["history.csv"])
    }

    func testKillBetweenStagesThenRerun() throws {
        let killed = dir.appending("killed").path, clean = dir.appending("clean").path
        try runAndKill(["run", smoke, "--artifacts", killed] + longer, when: "embed@1: computed")
        let rerun = try KrillProcess.run(["run", smoke, "--artifacts", killed] + longer)
        XCTAssertEqual(rerun.status, 0, rerun.stderr)
        XCTAssert(rerun.stdout.split(separator: "\n").contains { $0.hasPrefix("train@4 ") && $0.contains("cached") }, rerun.stdout)
        XCTAssertEqual(try KrillProcess.run(["run", smoke, "--artifacts", clean] + longer).status, 0)
        XCTAssertEqual(try results(dir.appending("killed/runs/smoke/1")), try results(dir.appending("clean/runs/smoke/1")))
    }
}
