import Foundation
@testable import Pipeline
import Storage
import TestSupport
import XCTest

/// A stage that writes a few files, optionally leaving an `AtomicFile` temporary behind or
/// stopping gracefully when asked.
struct LeakyStage: Stage {
    let kind = "leaky"
    var version = 1
    let text: String
    var inputs: [String] = []
    var leaveTemporary = false
    var graceful = false
    var params: JSONValue { .object(["text": .string(text)]) }
    func publishedPath(of file: String) -> String? { file }
    func keepsOnResume(_ path: String) -> Bool { path == "checkpoint" }
    var stopsGracefully: Bool { graceful }

    func run(_ context: StageContext) throws {
        try AtomicFile.write(text, to: context.work.appendingPathComponent("a.txt"))
        try AtomicFile.write(text + "!", to: context.work.appendingPathComponent("sub/b.txt"))
        if leaveTemporary {
            // What a process killed in the middle of an atomic write leaves.
            try "half".write(to: context.work.appendingPathComponent(AtomicFile.temporaryName(for: "c.png")), atomically: false, encoding: .utf8)
        }
        if graceful {
            while !context.stopRequested() { Thread.sleep(forTimeInterval: 0.005) }
            try "step 3".write(to: context.work.appendingPathComponent("checkpoint"), atomically: true, encoding: .utf8)
            throw StageInterrupted(detail: "step 3 of 10")
        }
    }
}

final class CacheIntegrityTests: XCTestCase {
    var dir: TemporaryDirectory!
    var store: ArtifactStore!

    override func setUpWithError() throws {
        dir = try TemporaryDirectory("krill-integrity")
        store = ArtifactStore(root: dir.url)
    }

    override func tearDown() { dir.remove() }

    func graph(_ stages: [(String, any Stage)]) -> StageGraph {
        var g = StageGraph()
        for (name, stage) in stages { g.add(name, stage) }
        return g
    }

    func mode(_ url: URL) -> mode_t {
        var st = stat()
        XCTAssertEqual(stat(url.path, &st), 0, url.path)
        return st.st_mode & 0o777
    }

    func testTemporaryNamesAreRecognised() {
        let name = AtomicFile.temporaryName(for: "confusion.png")
        XCTAssert(AtomicFile.isTemporary(name), name)
        XCTAssertEqual(AtomicFile.target(ofTemporary: name), "confusion.png")
        XCTAssertEqual(AtomicFile.target(ofTemporary: ".history.csv.tmp-12-345"), "history.csv")
        for other in ["confusion.png", ".hidden", ".a.tmp-", ".a.tmp-1", ".a.tmp-x-2", "a.tmp-1-2", "..tmp-1-2"] {
            XCTAssertFalse(AtomicFile.isTemporary(other), other)
        }
    }

    func testCommitHoldsExactlyItsManifestAndIsReadOnly() throws {
        let g = graph([("L", LeakyStage(text: "x", leaveTemporary: true))])
        let out = try Executor(store: store, graph: g, progress: SilentProgress()).run().outputs["L"]!
        XCTAssertEqual(out.manifest.files.map(\.path), ["a.txt", "sub/b.txt"])
        XCTAssertEqual(try CacheVerifier.listFiles(in: out.folder).sorted(), ["a.txt", "sub/b.txt"],
                       "the temporary of an interrupted write must not enter the commit")
        for path in ["a.txt", "sub/b.txt", "manifest.json"] {
            XCTAssertEqual(mode(out.file(path)), 0o444, "\(path) must be read-only once committed")
        }
        XCTAssertEqual(store.verify(out), [])
    }

    func testRestartClearsEverythingButCheckpoints() throws {
        let stage = LeakyStage(text: "y")
        let executor = Executor(store: store, graph: graph([("L", stage)]), progress: SilentProgress())
        let work = store.workFolder.appendingPathComponent("leftover")
        try FileManager.default.createDirectory(at: work.appendingPathComponent("old"), withIntermediateDirectories: true)
        for name in ["checkpoint", "stale.png", "old/x.csv", AtomicFile.temporaryName(for: "checkpoint")] {
            try "?".write(to: work.appendingPathComponent(name), atomically: false, encoding: .utf8)
        }
        XCTAssertTrue(try executor.prepareWorkFolder(work, for: stage))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work.path), ["checkpoint"])
        try FileManager.default.removeItem(at: work.appendingPathComponent("checkpoint"))
        XCTAssertFalse(try executor.prepareWorkFolder(work, for: stage))
    }

    func testGcSkipsWhatALiveRunHoldsAndRemovesTheRest() throws {
        let first = Executor(store: store, graph: graph([("L", LeakyStage(text: "held")), ("M", LeakyStage(text: "free"))]),
                             progress: SilentProgress())
        let out = try first.run().outputs
        // `first` still holds its use locks (as a live run does until it ends).
        let dry = try GarbageCollector.collect(store, dryRun: true)
        XCTAssertEqual(dry.inUse.count, 2)
        XCTAssertEqual(dry.removedEntries.count, 0)
        first.releaseLocks()
        let other = UseLocks(store: store)
        try other.hold(out["L"]!.manifest.key)
        let report = try GarbageCollector.collect(store)
        XCTAssertEqual(report.inUse.map(\.key), [out["L"]!.manifest.key])
        XCTAssertEqual(report.removedEntries.map(\.key), [out["M"]!.manifest.key])
        XCTAssertNotNil(store.lookup(kind: "leaky", key: out["L"]!.manifest.key))
        XCTAssertNil(store.lookup(kind: "leaky", key: out["M"]!.manifest.key))
        other.releaseAll()
        XCTAssertEqual(try GarbageCollector.collect(store).removedEntries.count, 1)
    }

    func testGcRemovesAbandonedWorkAndDraftsButNotHeldOnes() throws {
        let key = String(repeating: "a", count: 64), busyKey = String(repeating: "b", count: 64)
        for k in [key, busyKey] {
            let work = store.workFolder(kind: "train", key: k)
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            try Data(count: 100).write(to: work.appendingPathComponent("checkpoint.bin"))
        }
        let computing = try FileLock(path: store.lockPath(key: busyKey))
        XCTAssert(computing.tryLock())
        // A draft whose process died: its lock file is no longer held.
        let deadDraft = store.runsFolder.appendingPathComponent("exp/.draft-1-1")
        try FileManager.default.createDirectory(at: deadDraft, withIntermediateDirectories: true)
        try Data().write(to: deadDraft.appendingPathComponent(RunDraft.lockName))
        let live = try RunDraft(store: store, name: "exp")
        let report = try GarbageCollector.collect(store)
        XCTAssertEqual(report.removedWork.map(\.name), ["train-\(key)"])
        XCTAssertEqual(report.removedWork.first?.bytes, 100)
        XCTAssertEqual(report.busyWork, ["train-\(busyKey)"])
        XCTAssertEqual(report.removedDrafts, ["exp/.draft-1-1"])
        XCTAssert(FileManager.default.fileExists(atPath: live.url.path))
        computing.unlock()
        live.discard()
    }

    func testKeepLastAndRemoveRepointLatest() throws {
        for _ in 0..<4 { _ = try RunDraft(store: store, name: "exp").finish { _ in } }
        _ = try RunDraft(store: store, name: "other").finish { _ in }
        let report = try GarbageCollector.collect(store, keepLast: 2)
        XCTAssertEqual(report.removedRuns, ["exp@1", "exp@2"])
        XCTAssertEqual(RunFolder.all(in: store).map(\.label), ["exp@3", "exp@4", "other@1"])
        try RunFolder.resolve("exp", in: store).remove(in: store)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: store.runsFolder.appendingPathComponent("exp/latest").path), "3")
        try RunFolder.resolve("exp", in: store).remove(in: store)
        try RunFolder.resolve("other", in: store).remove(in: store)
        XCTAssertEqual(RunFolder.all(in: store).count, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.runsFolder.appendingPathComponent("exp").path))
    }

    func testDraftAppearsWholeOrNotAtAll() throws {
        let out = try Executor(store: store, graph: graph([("L", LeakyStage(text: "z"))]), progress: SilentProgress()).run().outputs["L"]!
        let draft = try RunDraft(store: store, name: "exp")
        try draft.publish(out, of: LeakyStage(text: "z"))
        try draft.write("{}", to: "run.json")
        XCTAssertEqual(RunFolder.all(in: store).count, 0, "a draft is not a run folder")
        XCTAssertEqual(draft.published["sub/b.txt"]?.sha256, SHA256.hex("z!"))
        let folder = try draft.finish { run in
            XCTAssertEqual(run.number, 1)
            try run.write("<html>", to: "report.html")
        }
        XCTAssertEqual(mode(folder.url.appendingPathComponent("run.json")), 0o444)
        XCTAssertEqual(mode(folder.url.appendingPathComponent("report.html")), 0o444)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).sorted(),
                       ["a.txt", "report.html", "run.json", "sub"])
        let failed = try RunDraft(store: store, name: "exp")
        failed.discard()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.url.deletingLastPathComponent().path)
            .filter { RunDraft.isDraft($0) }, [])
    }

    func testInterruptLetsGracefulStagesReachASafePoint() throws {
        let flag = InterruptFlag()
        let g = graph([("A", LeakyStage(text: "a")), ("G", LeakyStage(text: "g", inputs: ["A"], graceful: true)),
                       ("After", LeakyStage(text: "c", inputs: ["G"]))])
        let executor = Executor(store: store, graph: g, progress: SilentProgress(), interrupts: flag)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { flag.request(SIGINT) }
        XCTAssertThrowsError(try executor.run()) { error in
            XCTAssertEqual(error as? PipelineError, .interrupted(signal: SIGINT, stopped: ["G: step 3 of 10"]))
            XCTAssertEqual("\(error)", "interrupted by SIGINT during G: step 3 of 10")
        }
        XCTAssertEqual(executor.records.map(\.node), ["A"])
        let plan = try Executor(store: store, graph: g, progress: SilentProgress(), interrupts: InterruptFlag()).plan()
        guard case .partial = plan[1].state else { return XCTFail("G must be resumable: \(plan)") }
    }
}
