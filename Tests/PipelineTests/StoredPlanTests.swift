import Foundation
@testable import Pipeline
import Storage
import TestSupport
import XCTest

/// Plan keys, stored plans and running one node alone: the pieces a cluster job uses.
final class StoredPlanTests: XCTestCase {
    var dir: TemporaryDirectory!
    var store: ArtifactStore!
    let counter = Counter()

    override func setUpWithError() throws {
        dir = try TemporaryDirectory("krill-plans")
        store = ArtifactStore(root: dir.url)
    }

    override func tearDown() { dir.remove() }

    func graph(a: String = "a", b: String = "b", c: String = "c") -> StageGraph {
        var g = StageGraph()
        g.add("A", TextStage(kind: "ka", text: a, inputs: [], counter: counter))
        g.add("B", TextStage(kind: "kb", text: b, inputs: ["A"], counter: counter))
        g.add("C", TextStage(kind: "kc", text: c, inputs: ["A"], counter: counter))
        return g
    }

    func testPlanKeysFollowStructureNotNames() throws {
        let one = try StoredPlan.planKeys(of: graph())
        XCTAssertEqual(one, try StoredPlan.planKeys(of: graph()), "plan keys are deterministic")
        XCTAssertEqual(Set(one.values).count, 3)
        // Changing B's parameters changes B only; changing A's changes everything below it.
        let b2 = try StoredPlan.planKeys(of: graph(b: "other"))
        XCTAssertEqual(b2["A"], one["A"])
        XCTAssertEqual(b2["C"], one["C"])
        XCTAssertNotEqual(b2["B"], one["B"])
        let a2 = try StoredPlan.planKeys(of: graph(a: "other"))
        XCTAssertNotEqual(a2["A"], one["A"])
        XCTAssertNotEqual(a2["B"], one["B"])
        XCTAssertNotEqual(a2["C"], one["C"])
        // A plan key is not the stage key (which hashes the inputs' contents).
        let executor = Executor(store: store, graph: graph(), progress: SilentProgress())
        _ = try executor.run()
        let stageKeyA = executor.records.first { $0.node == "A" }!.key
        XCTAssertNotEqual(stageKeyA, one["A"])
    }

    func testStoredPlanRoundTripsAndAMissingPlanIsNamed() throws {
        let plans = try StoredPlan.plans(of: graph(), recipe: .object(["experiment": .string("x.yaml")]))
        let b = plans["B"]!
        XCTAssertEqual(b.inputs, ["A": plans["A"]!.planKey])
        try b.write(to: store)
        XCTAssertEqual(try StoredPlan.read(b.planKey, from: store), b)
        let missing = String(repeating: "0", count: 64)
        XCTAssertThrowsError(try StoredPlan.read(missing, from: store)) { error in
            XCTAssertTrue("\(error)".contains("no stored plan \(missing)"), "\(error)")
        }
    }

    func testRunAloneNeedsCommittedInputsAndCommitsLikeRun() throws {
        let executor = Executor(store: store, graph: graph(), progress: SilentProgress())
        XCTAssertThrowsError(try executor.runAlone("B")) { error in
            XCTAssertEqual(error as? PipelineError, .notFound("B needs A, which is not committed yet: its job must finish first"))
        }
        XCTAssertEqual(counter.count("kb"), 0)
        XCTAssertEqual(try executor.runAlone("A").state, .computed)
        XCTAssertEqual(try executor.runAlone("B").state, .computed)
        XCTAssertEqual(try executor.runAlone("B").state, .cached, "a second job for the same stage is a cache hit")
        XCTAssertEqual(counter.count("kb"), 1)
        // The same bytes as a whole local run.
        let local = try TemporaryDirectory("krill-plans-local")
        defer { local.remove() }
        let whole = Executor(store: ArtifactStore(root: local.url), graph: graph(), progress: SilentProgress())
        let (outputs, _) = try whole.run()
        var known: [String: CommittedStage] = [:]
        let alone = executor.cachedOutput(of: "B", known: &known)
        XCTAssertEqual(alone?.manifest.key, outputs["B"]?.manifest.key)
        XCTAssertEqual(try Data(contentsOf: alone!.file("out.txt")), try Data(contentsOf: outputs["B"]!.file("out.txt")))
        XCTAssertNil(executor.cachedOutput(of: "C", known: &known), "C was never run")
    }

    func testSlurmTimeLimitsAndMemorySizes() {
        XCTAssertEqual(SlurmResources.seconds(ofTime: "30"), 1800)
        XCTAssertEqual(SlurmResources.seconds(ofTime: "5:30"), 330)
        XCTAssertEqual(SlurmResources.seconds(ofTime: "2:00:00"), 7200)
        XCTAssertEqual(SlurmResources.seconds(ofTime: "1-12"), 129_600)
        XCTAssertEqual(SlurmResources.seconds(ofTime: "1-0:30"), 88_200)
        XCTAssertEqual(SlurmResources.seconds(ofTime: "2-00:00:10"), 172_810)
        for bad in ["", "1h", "1:2:3:4", "-5", "a-1", "1:-2"] {
            XCTAssertNil(SlurmResources.seconds(ofTime: bad), bad)
        }
        for good in ["4G", "500M", "16000", "1t"] { XCTAssertTrue(SlurmResources.isMemory(good), good) }
        for bad in ["", "G", "4 G", "4GB", "1.5G"] { XCTAssertFalse(SlurmResources.isMemory(bad), bad) }
        XCTAssertEqual(shellQuoted("a/b-c.yaml"), "a/b-c.yaml")
        XCTAssertEqual(shellQuoted("it's here"), "'it'\\''s here'")
    }

    func testJobScriptCarriesResourcesAndExecsTheStage() throws {
        let settings = SlurmSettings(resources: { kind in
            kind == "kb" ? SlurmResources(partition: "long", cpus: 8, memory: "16G", time: "2:00:00", extra: ["--account=lab"])
                         : SlurmResources(cpus: 1) },
            setup: ["module load openblas"], command: { "/opt/krill stage \($0) --artifacts /shared/a" },
            directory: "/shared/project", signalSeconds: 300)
        let slurm = SlurmExecutor(store: store, settings: settings, progress: SilentProgress())
        let plans = try StoredPlan.plans(of: graph(), recipe: .null)
        let executor = Executor(store: store, graph: graph(), progress: SilentProgress())
        let b = SlurmExecutor.Tracked(plan: plans["B"]!, executor: executor, node: "B", label: "")
        let script = slurm.jobScript(b, folder: URL(fileURLWithPath: "/shared/a/cache/jobs/x"))
        for line in ["#SBATCH --job-name=krill-B-\(plans["B"]!.planKey.prefix(12))", "#SBATCH --partition=long", "#SBATCH --cpus-per-task=8",
                     "#SBATCH --mem=16G", "#SBATCH --time=2:00:00", "#SBATCH --signal=B:USR1@300", "#SBATCH --requeue",
                     "#SBATCH --account=lab", "#SBATCH --chdir=/shared/project", "#SBATCH --output=/shared/a/cache/jobs/x/job.log",
                     "#SBATCH --open-mode=append", "module load openblas", "exec /opt/krill stage \(plans["B"]!.planKey) --artifacts /shared/a"] {
            XCTAssertTrue(script.contains(line + "\n"), "missing '\(line)' in\n\(script)")
        }
        let a = SlurmExecutor.Tracked(plan: plans["A"]!, executor: executor, node: "A", label: "")
        let small = slurm.jobScript(a, folder: URL(fileURLWithPath: "/x"))
        XCTAssertFalse(small.contains("--time") || small.contains("--signal") || small.contains("--mem") || small.contains("--partition"), small)
    }
}
