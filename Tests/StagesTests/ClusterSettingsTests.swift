import Experiment
import Foundation
import Pipeline
@testable import Stages
import Storage
import TestSupport
import XCTest

/// The `executor:` block: resources per kind, `--executor-opt`, checks with positions, and
/// that none of it reaches a stage key.
final class ClusterSettingsTests: XCTestCase {
    func testResourcesPerKindFallBackToTheDefaults() throws {
        let e = try ExperimentRunner.load(smoke, overrides: ["executor.partition=short", "executor.cpus=4", "executor.time=1:00:00",
                                                             "executor.sbatch=[--account=lab]", "executor.train.cpus=16",
                                                             "executor.train.time=2-00:00:00", "executor.tsne.memory=8G"])
        let s = ClusterSettings.slurm(e.values, krill: "/opt/krill bin/krill", artifacts: URL(fileURLWithPath: "/shared/a"), directory: "/shared")
        XCTAssertEqual(s.resources("train"), SlurmResources(partition: "short", cpus: 16, memory: nil, time: "2-00:00:00", extra: ["--account=lab"]))
        XCTAssertEqual(s.resources("tsne"), SlurmResources(partition: "short", cpus: 4, memory: "8G", time: "1:00:00", extra: ["--account=lab"]))
        XCTAssertEqual(s.resources("report"), SlurmResources(partition: "short", cpus: 4, memory: nil, time: "1:00:00", extra: ["--account=lab"]))
        XCTAssertEqual(s.command(String(repeating: "a", count: 64)),
                       "'/opt/krill bin/krill' stage \(String(repeating: "a", count: 64)) --artifacts /shared/a")
        XCTAssertEqual(s.pollSeconds, 5)
        XCTAssertEqual(s.signalSeconds, 300)
    }

    func testExecutorOptionsMapToTheBlockAndBadOnesAreNamed() throws {
        XCTAssertEqual(try ClusterSettings.overrides(["train.time=4:00:00", "default.partition=debug"]),
                       ["executor.train.time=4:00:00", "executor.partition=debug"])
        XCTAssertThrowsError(try ClusterSettings.overrides(["time=4"])) { XCTAssertTrue("\($0)".contains("expected kind.key=value"), "\($0)") }
        XCTAssertThrowsError(try ClusterSettings.overrides(["trian.time=4"])) {
            XCTAssertTrue("\($0)".contains("no kind 'trian'"), "\($0)")
        }
    }

    func testBadTimesAndMemoryAreConfigErrorsWithPositions() throws {
        let dir = try TemporaryDirectory("krill-executor")
        defer { dir.remove() }
        let file = dir.appending("e.yaml")
        try (try String(contentsOfFile: smoke, encoding: .utf8) + "executor:\n  time: 2h\n  train: {memory: 4 GB}\n")
            .write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ExperimentRunner.load(file.path, overrides: [])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("e.yaml:") && text.contains("executor.time: '2h' is not a Slurm time limit"), text)
            XCTAssertTrue(text.contains("executor.train.memory: '4 GB' is not a memory size"), text)
        }
    }

    func testExecutorSettingsChangeNoStageKey() throws {
        let plain = try plan(smoke)
        let onCluster = try plan(smoke, ["executor.cpus=8", "executor.train.time=10", "executor.partition=long"])
        XCTAssertEqual(plain.nodes, onCluster.nodes)
    }
}
