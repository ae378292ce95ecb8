import Foundation
import TestSupport
import XCTest

/// `krill run --executor slurm` against a real Slurm: a single-node cluster this class
/// starts in a temporary folder (`single-node-slurm.sh`: Debian's slurmctld, slurmd and
/// slurm-client, installed with apt-get when missing) and stops by PID at the end. Every
/// test checks its result against a local run of the same experiment, byte for byte.
final class SlurmExecutorTests: XCTestCase {
    nonisolated(unsafe) static var cluster: URL?
    nonisolated(unsafe) static var unavailable: String?

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("single-node-slurm.sh")
    static var smoke: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("experiments/smoke.yaml").path
    }
    /// Long enough epochs to be stopped in the middle, with frequent checkpoints.
    static let longTraining = ["--set", "training.steps_per_epoch=6000", "--set", "training.checkpoint_steps=100"]
    /// One CPU per job (two jobs at once on a two-core node) and a quick look at the queue.
    static let executor = ["--executor", "slurm", "--executor-opt", "default.cpus=1", "--executor-opt", "default.poll_seconds=0.3"]

    var dir: TemporaryDirectory!

    override class func setUp() {
        super.setUp()
        guard getuid() == 0 else {
            unavailable = "the Slurm tests start slurmd, which must run as root (run make test as root, as CI does)"
            return
        }
        let install = shell([script.path, "install"])
        guard install.status == 0 else {
            unavailable = "Slurm could not be installed here (apt-get install slurmctld slurmd slurm-client): \(install.output.suffix(400))"
            return
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("krill-slurm-\(getpid())")
        let start = shell([script.path, "start", folder.path])
        guard start.status == 0 else {
            unavailable = "the single-node Slurm cluster did not start: \(start.output.suffix(1500))"
            return
        }
        cluster = folder
        setenv("SLURM_CONF", folder.appendingPathComponent("slurm.conf").path, 1)
    }

    override class func tearDown() {
        if let cluster {
            _ = shell([script.path, "stop", cluster.path])
            if ProcessInfo.processInfo.environment["KRILL_KEEP_SLURM"] == nil { try? FileManager.default.removeItem(at: cluster) }
        }
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let why = Self.unavailable { throw XCTSkip(why) }
        dir = try TemporaryDirectory("krill-slurm-run")
    }

    override func tearDown() {
        dir?.remove()
    }

    // MARK: tests

    /// A sweep of two members on Slurm: the stages they share are one job, the rest run as
    /// chained jobs, and both run folders are byte-identical to a local sweep's
    /// (run.json and report.html aside: they say how and when).
    func testSweepOnSlurmMatchesLocalRunAndSharesStages() throws {
        let sweep = ["--sweep", "loss.margin=0.2,0.3", "--set", "training.optimizer.lr=0.003"]
        let local = try krill(["run", Self.smoke] + sweep, artifacts: "local")
        XCTAssertEqual(local.status, 0, local.stderr)
        let onSlurm = try krill(["run", Self.smoke] + sweep + Self.executor + ["--executor-opt", "train.time=10"], artifacts: "cluster")
        XCTAssertEqual(onSlurm.status, 0, onSlurm.stderr)
        for member in ["loss.margin=0.2", "loss.margin=0.3"] {
            try assertSameRunFolder("smoke/\(member)/1")
        }
        // synth and split are shared by both members: one job each.
        let submissions = onSlurm.stderr.split(separator: "\n").filter { $0.contains(": submitted job") }
        XCTAssertEqual(submissions.filter { $0.contains("] synth: ") }.count, 1, onSlurm.stderr)
        XCTAssertEqual(submissions.filter { $0.contains("] split: ") }.count, 1, onSlurm.stderr)
        XCTAssertEqual(submissions.filter { $0.contains("] train@1: ") }.count, 2, onSlurm.stderr)
        // The job script carries the resources; train jobs the per-kind time and its warning signal.
        let train = try jobScripts(kind: "train").first.map { try String(contentsOf: $0, encoding: .utf8) } ?? ""
        XCTAssertTrue(train.contains("#SBATCH --cpus-per-task=1"), train)
        XCTAssertTrue(train.contains("#SBATCH --time=10\n"), train)
        XCTAssertTrue(train.contains("#SBATCH --signal=B:USR1@300"), train)
        XCTAssertTrue(train.contains(" stage "), train)
        let split = try jobScripts(kind: "split").first.map { try String(contentsOf: $0, encoding: .utf8) } ?? ""
        XCTAssertFalse(split.contains("--time"), split)
        // Stage tables say the jobs computed the stages (a shared stage: the first member).
        XCTAssertTrue(onSlurm.stdout.contains("18 (18 computed)"), onSlurm.stdout)
        XCTAssertTrue(onSlurm.stdout.contains("18 (15 computed)"), onSlurm.stdout)
        // Everything is cached now: the same command submits nothing.
        let again = try krill(["run", Self.smoke] + sweep + Self.executor, artifacts: "cluster")
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertFalse(again.stderr.contains("submitted job"), again.stderr)
    }

    /// The submitting process is killed (SIGKILL) while training runs as a job: the same
    /// command adopts the queued and running jobs instead of submitting them again. Then
    /// the training job is cancelled (`scancel`) in the middle of an epoch: the submitter
    /// reports the failed job with its log and the commands to rerun; the same command
    /// again resubmits, training resumes from its checkpoint, and the run folder is
    /// byte-identical to an uninterrupted local run.
    func testKilledSubmitterIsAdoptedAndCancelledTrainingResumes() throws {
        let args = ["run", Self.smoke] + Self.longTraining
        XCTAssertEqual(try krill(args, artifacts: "local").status, 0)

        let first = try startKrill(args + Self.executor, artifacts: "cluster", log: "first.log")
        try waitForCheckpoint(timeout: 120)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let recorded = try recordedJobs()
        XCTAssertGreaterThan(recorded.count, 10)

        let second = try startKrill(args + Self.executor, artifacts: "cluster", log: "second.log")
        try waitForLine("adopted job", in: "second.log", timeout: 60)
        let running = try waitForCheckpoint(timeout: 120)
        XCTAssertEqual(try recordedJobs(), recorded, "the rerun must adopt the jobs, not submit them again")
        XCTAssertEqual(shell(["scancel", running]).status, 0)
        second.waitUntilExit()
        let secondLog = try String(contentsOf: dir.appending("second.log"), encoding: .utf8)
        XCTAssertEqual(second.terminationStatus, 1, secondLog)
        XCTAssertTrue(secondLog.contains("adopted job"), secondLog)
        XCTAssertFalse(secondLog.contains("submitted job"), secondLog)
        XCTAssertTrue(secondLog.contains("failed (job \(running), cancelled"), secondLog)
        XCTAssertTrue(secondLog.contains("checkpoint saved"), "the cancelled job's log shows where it stopped:\n\(secondLog)")
        XCTAssertTrue(secondLog.contains("rerun this stage alone: "), secondLog)

        let third = try krill(args + Self.executor, artifacts: "cluster")
        XCTAssertEqual(third.status, 0, third.stderr)
        XCTAssertTrue(third.stdout.contains(" resumed "), "training must resume from its checkpoint:\n\(third.stdout)")
        try assertSameRunFolder("smoke/1")
    }

    /// Slurm's warning before a time limit (`--signal=B:USR1@...`, sent here by hand):
    /// training saves a checkpoint and requeues its own job; the requeued job resumes, the
    /// submitter follows the same job id to the end, and the result is bit-identical.
    func testTimeLimitSignalRequeuesTrainingWhichResumes() throws {
        let args = ["run", Self.smoke, "--set", "training.epochs=1", "--set", "training.snapshots=[]"] + Self.longTraining
        XCTAssertEqual(try krill(args, artifacts: "local").status, 0)
        let run = try startKrill(args + Self.executor, artifacts: "cluster", log: "run.log")
        let job = try waitForCheckpoint(timeout: 120)
        XCTAssertEqual(shell(["scancel", "--batch", "--signal=USR1", job]).status, 0)
        // A requeued job waits about two minutes to be eligible; let it start now.
        let deadline = Date().addingTimeInterval(60)
        var state = ""
        while Date() < deadline {
            state = shell(["squeue", "--noheader", "--format=%T|%r", "--jobs=\(job)"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            if state.hasPrefix("PENDING") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        XCTAssertTrue(state.hasPrefix("PENDING"), "job \(job) was not requeued: \(state)")
        _ = shell(["scontrol", "update", "JobId=\(job)", "StartTime=now"])
        run.waitUntilExit()
        let log = try String(contentsOf: dir.appending("run.log"), encoding: .utf8)
        XCTAssertEqual(run.terminationStatus, 0, log)
        XCTAssertTrue(log.contains("train@1: requeued, pending (job \(job)"), log)
        XCTAssertTrue(log.contains("train@1: done (job \(job),"), log)
        let jobLog = try jobLogs(kind: "train").joined()
        XCTAssertTrue(jobLog.contains("requeueing job \(job)"), jobLog)
        XCTAssertTrue(jobLog.contains("(restart 1)"), jobLog)
        XCTAssertTrue(jobLog.contains("train@1: resuming"), jobLog)
        try assertSameRunFolder("smoke/1")
    }

    /// A stage that fails in its job: the submitter shows the end of the job's log and how
    /// to rerun it, cancels the jobs that needed it, and exits 1.
    func testFailedStageShowsItsLogAndCancelsItsDependents() throws {
        let r = try krill(["run", Self.smoke, "--set", "training.optimizer.lr=1e30", "--set", "model.output=linear"] + Self.executor,
                          artifacts: "cluster")
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("train@1: failed (job "), r.stderr)
        XCTAssertTrue(r.stderr.contains("training diverged at epoch 1"), "the job log's tail:\n\(r.stderr)")
        XCTAssertTrue(r.stderr.contains("rerun this stage alone: "), r.stderr)
        XCTAssertTrue(r.stderr.contains("or submit it again: sbatch "), r.stderr)
        XCTAssertTrue(r.stderr.contains("train@2: cancelled job "), r.stderr)
        XCTAssertTrue(r.stderr.contains("report: cancelled job "), r.stderr)
        XCTAssertTrue(r.stderr.contains("krill: stage train@1 failed: its Slurm job failed"), r.stderr)
        // Nothing of ours is left in the queue.
        Thread.sleep(forTimeInterval: 0.5)
        let ids = try recordedJobs().values.joined(separator: ",")
        let left = shell(["squeue", "--noheader", "--format=%i", "--jobs=\(ids)", "--states=PENDING,RUNNING"]).output
        XCTAssertEqual(left.trimmingCharacters(in: .whitespacesAndNewlines), "", left)
    }

    // MARK: helpers

    var artifactsRoot: URL { dir.appending("cluster") }

    func krill(_ args: [String], artifacts: String) throws -> KrillResult {
        try KrillProcess.run(args + ["--artifacts", dir.appending(artifacts).path], in: dir.url)
    }

    /// Starts krill in the background, its output in a file of the test folder.
    func startKrill(_ args: [String], artifacts: String, log: String) throws -> Process {
        let process = Process()
        process.executableURL = KrillProcess.binary
        process.arguments = args + ["--artifacts", dir.appending(artifacts).path]
        process.currentDirectoryURL = dir.url
        _ = FileManager.default.createFile(atPath: dir.appending(log).path, contents: nil)
        let handle = try FileHandle(forWritingTo: dir.appending(log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    /// Waits until a training job is running and has written a mid-epoch checkpoint;
    /// returns that job's id.
    @discardableResult
    func waitForCheckpoint(timeout: Double) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        let work = artifactsRoot.appendingPathComponent("cache/work")
        while Date() < deadline {
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: work.path)) ?? []
            let checkpointed = folders.contains { $0.hasPrefix("train-") && FileManager.default.fileExists(atPath: work.appendingPathComponent($0).appendingPathComponent("checkpoint.bin").path) }
            if checkpointed {
                let ids = try recordedJobs().filter { $0.key.hasPrefix("train-") }.values
                let listing = shell(["squeue", "--noheader", "--format=%i|%T", "--states=RUNNING"]).output
                for line in listing.split(separator: "\n") {
                    let parts = line.split(separator: "|").map(String.init)
                    if parts.count == 2, ids.contains(parts[0]) { return parts[0] }
                }
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw XCTSkip("no training job wrote a checkpoint within \(Int(timeout)) s; cluster log: \(Self.cluster?.path ?? "")")
    }

    /// Waits until a log of the test folder contains `text`.
    func waitForLine(_ text: String, in log: String, timeout: Double) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let content = try? String(contentsOf: dir.appending(log), encoding: .utf8), content.contains(text) { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTFail("\(log) did not say '\(text)' within \(Int(timeout)) s: \((try? String(contentsOf: dir.appending(log), encoding: .utf8)) ?? "")")
    }

    /// Job folder name -> recorded job id.
    func recordedJobs() throws -> [String: String] {
        let jobs = artifactsRoot.appendingPathComponent("cache/jobs")
        var out: [String: String] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: jobs.path)) ?? [] {
            if let id = try? String(contentsOf: jobs.appendingPathComponent(name).appendingPathComponent("job.id"), encoding: .utf8) {
                out[name] = id.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        return out
    }

    func jobScripts(kind: String) throws -> [URL] {
        let jobs = artifactsRoot.appendingPathComponent("cache/jobs")
        return try FileManager.default.contentsOfDirectory(atPath: jobs.path).filter { $0.hasPrefix(kind + "-") }.sorted()
            .map { jobs.appendingPathComponent($0).appendingPathComponent("job.sh") }
    }

    func jobLogs(kind: String) throws -> [String] {
        try jobScripts(kind: kind).map { (try? String(contentsOf: $0.deletingLastPathComponent().appendingPathComponent("job.log"), encoding: .utf8)) ?? "" }
    }

    /// The run folder `runs/<name>` of the Slurm run holds the same files, byte for byte,
    /// as the local run's (run.json and report.html aside).
    func assertSameRunFolder(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try treeContents(dir.appending("local/runs/" + name)).filter { !["run.json", "report.html"].contains($0.key) }
        let b = try treeContents(dir.appending("cluster/runs/" + name)).filter { !["run.json", "report.html"].contains($0.key) }
        XCTAssertGreaterThan(a.count, 10, "no local run folder \(name)", file: file, line: line)
        XCTAssertEqual(Set(a.keys), Set(b.keys), file: file, line: line)
        let differing = a.keys.filter { b[$0] != nil && a[$0] != b[$0] }.sorted()
        XCTAssertEqual(differing, [], "files that differ between the local and the Slurm run", file: file, line: line)
    }

    /// Runs a command (PATH lookup), stdout and stderr together.
    @discardableResult
    static func shell(_ args: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = args
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (127, "\(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func shell(_ args: [String]) -> (status: Int32, output: String) { Self.shell(args) }
}
