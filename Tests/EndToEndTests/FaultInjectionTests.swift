import Foundation
import TestSupport
import XCTest

/// `krill run` killed with SIGKILL at random moments, again and again until it completes,
/// must end with the same bytes as a run never disturbed, and a cache that verifies.
/// `make test` runs 20 trials; `KRILL_TORTURE_TRIALS=200` (`make torture`) runs more.
final class FaultInjectionTests: XCTestCase {
    var dir: TemporaryDirectory!
    var smoke: String { RunnerTests.experiments.appendingPathComponent("smoke.yaml").path }
    /// A little more training than smoke.yaml, so that kills land inside epochs too.
    let settings = ["--set", "training.epochs=3", "--set", "training.steps_per_epoch=40", "--set", "training.checkpoint_steps=7"]
    /// Where a kill can land: while a stage of each kind computes, and while the run folder
    /// is assembled (after the report is committed).
    static let targets = ["synth", "split", "train", "embed", "summarize", "tsne", "svm", "kmeans", "baseline", "report", "run folder"]

    override func setUpWithError() throws { dir = try TemporaryDirectory("krill-torture") }
    override func tearDown() { dir.remove() }

    /// Whether stderr shows that `target` is under way, and the longest delay before the
    /// kill after that.
    func marker(_ target: String) -> (seen: (String) -> Bool, delay: Double) {
        if target == "run folder" { return ({ $0.contains("report: computed") }, 0.03) }
        let delay = target == "train" ? 0.2 : target == "report" ? 0.4 : 0.015
        return ({ text in
            text.split(separator: "\n").contains { line in
                (line.hasPrefix(target + ":") || line.hasPrefix(target + "@")) && (line.contains(": computing") || line.contains(": resuming"))
            }
        }, delay)
    }

    func testRandomKillsUntilDoneGiveTheUndisturbedBytes() throws {
        let trials = Int(ProcessInfo.processInfo.environment["KRILL_TORTURE_TRIALS"] ?? "") ?? 20
        let reference = dir.appending("reference").path
        let clean = try KrillProcess.run(["run", smoke, "--artifacts", reference] + settings)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        let expected = try CacheIntegrityTests.results(dir.appending("reference/runs/smoke/1"))
        var rng = SystemRandomNumberGenerator()
        var kills: [String: Int] = [:]
        for trial in 0..<trials {
            let artifacts = dir.appending("trial-\(trial)").path
            var attempt = 0
            while true {
                attempt += 1
                XCTAssertLessThan(attempt, 40, "trial \(trial) did not complete")
                if attempt >= 40 { return }
                let run = try RunningKrill(["run", smoke, "--artifacts", artifacts] + settings)
                // The first attempt of each trial aims at one target in turn; later ones at random.
                let target = attempt == 1 ? FaultInjectionTests.targets[trial % FaultInjectionTests.targets.count]
                                          : FaultInjectionTests.targets.randomElement(using: &rng)!
                let (seen, delay) = marker(target)
                if run.waitFor(seen) {
                    Thread.sleep(forTimeInterval: Double.random(in: 0...delay, using: &rng))
                    run.signal(SIGKILL)
                }
                let result = run.wait()
                if run.killedBySignal {
                    kills[target, default: 0] += 1
                    continue
                }
                XCTAssertEqual(result.status, 0, "trial \(trial), attempt \(attempt):\n\(result.stderr)")
                break
            }
            let runs = dir.appending("trial-\(trial)/runs/smoke")
            let latest = try FileManager.default.destinationOfSymbolicLink(atPath: runs.appendingPathComponent("latest").path)
            let got = try CacheIntegrityTests.results(runs.appendingPathComponent(latest))
            XCTAssertEqual(Set(got.keys), Set(expected.keys), "trial \(trial)")
            for key in got.keys.sorted() where got[key] != expected[key] {
                XCTFail("trial \(trial) (\(attempt) attempts): \(key) differs from the undisturbed run")
            }
            let verify = try KrillProcess.run(["verify", "--artifacts", artifacts])
            XCTAssertEqual(verify.status, 0, "trial \(trial): \(verify.stdout)")
            // What killed attempts left (work folders, drafts) goes with gc; results stay.
            let gc = try KrillProcess.run(["gc", "--artifacts", artifacts])
            XCTAssertEqual(gc.status, 0, gc.stderr)
            XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: runs.path))?.filter { $0.hasPrefix(".draft") } ?? [], [])
            try? FileManager.default.removeItem(atPath: artifacts)
        }
        if trials >= FaultInjectionTests.targets.count {
            for target in FaultInjectionTests.targets {
                XCTAssertGreaterThan(kills[target] ?? 0, 0, "no kill landed in \(target): \(kills)")
            }
        }
        print("fault injection: \(trials) trials, kills per target: \(kills.sorted { $0.key < $1.key })")
    }
}
