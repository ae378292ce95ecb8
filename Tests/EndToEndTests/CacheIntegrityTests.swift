import Foundation
import TestSupport
import XCTest

/// Nothing a user made is lost or corrupted: read-only results, `verify` of run folders,
/// `gc` beside a live run, interrupts, a full disk.
final class CacheIntegrityTests: KrillTestCase {
    /// Long enough to stop in the middle of training (a few seconds).
    let longer = ["--set", "training.epochs=3", "--set", "training.steps_per_epoch=600"]

    /// A run folder's result files (run.json, report.html and timings.csv hold this run's times).
    static func results(_ folder: URL) throws -> [String: Data] {
        try treeContents(folder).filter { !["run.json", "report.html"].contains($0.key) }
    }

    func assertSameResults(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        try assertSameRunResults(a, b, file: file, line: line)
    }

    func testVerifyNamesTheRunHoldingAnEditedFileAndWhoSharesIt() throws {
        for _ in 0..<3 { try krill(["run", smoke]) }
        let edited = dir.appending("artifacts/runs/smoke/1/history.csv")
        chmod(edited.path, 0o644)  // root writes anyway; an ordinary user is refused (below)
        let handle = try FileHandle(forWritingTo: edited)
        handle.seekToEndOfFile()
        handle.write(Data("# note\n".utf8))
        try handle.close()
        let v = try krill(["verify"], expect: 1)
        XCTAssert(v.stdout.contains("run smoke@1: history.csv: content changed"), v.stdout)
        XCTAssert(v.stdout.contains("smoke@2 history.csv") && v.stdout.contains("smoke@3 history.csv"), v.stdout)
        XCTAssert(v.stdout.contains("cache entry train"), v.stdout)
        XCTAssert(v.stdout.contains("3 run folders checked, 3 with altered files (smoke@1, smoke@2, smoke@3)"), v.stdout)
        // The next run recomputes the altered entry; the old run folders still hold the edit.
        try krill(["run", smoke])
        let after = try krill(["verify"], expect: 1)
        XCTAssert(after.stdout.contains("0 corrupt") && after.stdout.contains("4 run folders checked, 3 with altered files"), after.stdout)
        try krill(["runs", "rm", "smoke@1", "smoke@2", "smoke@3"])
        XCTAssert(try krill(["verify"]).stdout.contains("1 run folders checked, 0 with altered files"))
    }

    /// As an ordinary user (root ignores permission bits): a write into a run folder fails
    /// instead of changing every run and cache entry that shares the file.
    func testAnOrdinaryUserCannotEditResultsInPlace() throws {
        var prefix: [String] = []
        let tools = dir.appending("tools")
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
                throw XCTSkip("running as root without setpriv: cannot test as an ordinary user")
            }
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
            // The user must reach the binary and the experiment: copy both somewhere readable.
            try FileManager.default.createDirectory(at: tools, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: KrillProcess.binary, to: tools.appendingPathComponent("krill"))
            try FileManager.default.copyItem(atPath: smoke, toPath: tools.appendingPathComponent("smoke.yaml").path)
            try FileManager.default.createDirectory(atPath: artifacts, withIntermediateDirectories: true)
            for path in [dir.path, tools.path, tools.appendingPathComponent("krill").path, tools.appendingPathComponent("smoke.yaml").path, artifacts] {
                chmod(path, 0o755)
            }
            XCTAssertEqual(chown(artifacts, 65534, 65534), 0)
        }
        let binary = getuid() == 0 ? tools.appendingPathComponent("krill").path : KrillProcess.binary.path
        let experiment = getuid() == 0 ? tools.appendingPathComponent("smoke.yaml").path : smoke
        func asUser(_ args: [String]) throws -> KrillResult {
            let command = prefix + args
            return try KrillProcess.run(Array(command.dropFirst()), in: dir.url, executable: URL(fileURLWithPath: command[0]))
        }
        for _ in 0..<2 {
            let r = try asUser([binary, "run", experiment, "--artifacts", artifacts])
            XCTAssertEqual(r.status, 0, r.stdout + r.stderr)
        }
        let target = artifacts + "/runs/smoke/1/history.csv"
        let append = try asUser(["/bin/sh", "-c", "echo '# note' >> \(target)"])
        XCTAssertNotEqual(append.status, 0, "an edit of a committed result must be refused")
        XCTAssert(append.stderr.contains("Permission denied"), append.stderr)
        XCTAssertEqual(try asUser([binary, "verify", "--artifacts", artifacts]).status, 0)
        // An editable copy, as the README says.
        let home = dir.appending("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        if getuid() == 0 { XCTAssertEqual(chown(home.path, 65534, 65534), 0) }
        let copy = home.path + "/my-copy"
        XCTAssertEqual(try asUser(["/bin/sh", "-c", "cp -r \(artifacts)/runs/smoke/1 \(copy) && chmod -R u+w \(copy) && echo '# note' >> \(copy)/history.csv"]).status, 0)
        // The user can still remove what they made.
        XCTAssertEqual(try asUser([binary, "runs", "rm", "smoke@1", "--artifacts", artifacts]).status, 0)
        let gc = try asUser([binary, "gc", "--artifacts", artifacts])
        XCTAssertEqual(gc.status, 0, gc.stderr)
        XCTAssertEqual(try asUser(["/bin/rm", "-rf", artifacts + "/runs"]).status, 0)
    }

    func testGcDuringARunRemovesNothingItNeeds() throws {
        // An earlier run leaves entries that no run folder references once it is removed.
        try krill(["run", smoke] + longer)
        try krill(["runs", "rm", "smoke"])
        let running = try RunningKrill(["run", smoke, "--artifacts", artifacts, "--set", "training.epochs=4"] + Array(longer.dropFirst(2)))
        XCTAssert(running.waitFor("train@4: computing"), running.stderr)
        let gc = try krill(["gc"])
        XCTAssert(gc.stdout.contains("kept synth") && gc.stdout.contains("kept split"), gc.stdout)
        XCTAssertFalse(gc.stdout.contains("removed synth") || gc.stdout.contains("removed split"), gc.stdout)
        XCTAssert(gc.stdout.contains("kept train"), "the earlier epochs are shared with the running chain: \(gc.stdout)")
        XCTAssert(gc.stdout.contains("removed report"), "the old run's report is not used: \(gc.stdout)")
        let r = running.wait()
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssert(r.stdout.contains("synth     cached") || r.stdout.contains("synth        cached"), r.stdout)
        let clean = dir.appending("clean").path
        try krill(["run", smoke, "--set", "training.epochs=4"] + Array(longer.dropFirst(2)), artifacts: clean)
        try assertSameResults(dir.appending("artifacts/runs/smoke/1"), dir.appending("clean/runs/smoke/1"))
        try krill(["verify"])
    }

    func testTwoExperimentsSharingStagesRunConcurrentlyAndComputeThemOnce() throws {
        let other = dir.appending("other.yaml")
        try "extends: \(smoke)\nloss: {margin: 0.3}\n".write(to: other, atomically: true, encoding: .utf8)
        let a = try RunningKrill(["run", smoke, "--artifacts", artifacts] + longer)
        let b = try RunningKrill(["run", other.path, "--artifacts", artifacts] + longer)
        let ra = a.wait(), rb = b.wait()
        XCTAssertEqual(ra.status, 0, ra.stderr)
        XCTAssertEqual(rb.status, 0, rb.stderr)
        func state(_ out: String, _ node: String) -> String? {
            out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
                .first { $0.first.map(String.init) == node }.map { String($0[1]) }
        }
        for shared in ["synth", "split"] {
            XCTAssertEqual(Set([state(ra.stdout, shared), state(rb.stdout, shared)]), ["computed", "cached"],
                           "\(shared) must be computed by exactly one run:\n\(ra.stdout)\n\(rb.stdout)")
        }
        XCTAssertEqual(state(ra.stdout, "train@3"), "computed")
        XCTAssertEqual(state(rb.stdout, "train@3"), "computed")
        try krill(["verify"])
    }

    func testInterruptSaysWhereAndResumesIdentically() throws {
        for (sig, code) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let killed = dir.appending("killed-\(sig)").path
            let run = try RunningKrill(["run", smoke, "--artifacts", killed] + longer)
            XCTAssert(run.waitFor("train@1: computed"), run.stderr)
            run.signal(sig)
            let r = run.wait()
            XCTAssertEqual(r.status, code, r.stderr)
            let name = sig == SIGINT ? "SIGINT" : "SIGTERM"
            XCTAssert(r.stderr.contains("krill: interrupted by \(name) during train@2: epoch 2, step "), r.stderr)
            XCTAssert(r.stderr.contains("checkpoint saved"), r.stderr)
            XCTAssert(r.stderr.contains("krill: resume with: krill run \(smoke) --artifacts \(killed) --set training.epochs=3"), r.stderr)
            XCTAssert(r.stdout.contains("train@1") && r.stdout.contains("3 computed, 0 resumed, 0 cached"), r.stdout)
            let status = try krill(["status", smoke] + longer, artifacts: killed)
            XCTAssert(status.stdout.contains("(resumable at step "), status.stdout)
            let resumed = try krill(["run", smoke] + longer, artifacts: killed)
            XCTAssert(resumed.stdout.split(separator: "\n").contains { $0.hasPrefix("train@2 ") && $0.contains("resumed") }, resumed.stdout)
        }
        try krill(["run", smoke] + longer)
        try assertSameResults(dir.appending("killed-\(SIGINT)/runs/smoke/1"), dir.appending("artifacts/runs/smoke/1"))
        try assertSameResults(dir.appending("killed-\(SIGTERM)/runs/smoke/1"), dir.appending("artifacts/runs/smoke/1"))
    }

    /// A full disk: the path is named, no partial entry or run folder is left, and once
    /// there is space the run completes with the same bytes as an undisturbed one.
    func testFullDiskLeavesNothingHalfWrittenAndTheNextRunCompletes() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a small tmpfs needs root; not run as an ordinary user") }
        let mountPoint = dir.appending("small")
        try FileManager.default.createDirectory(at: mountPoint, withIntermediateDirectories: true)
        func sh(_ command: String) -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", command]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            guard (try? p.run()) != nil else { return -1 }
            p.waitUntilExit()
            return p.terminationStatus
        }
        guard sh("mount -t tmpfs -o size=520k tmpfs '\(mountPoint.path)'") == 0 else {
            throw XCTSkip("cannot mount a tmpfs here (no CAP_SYS_ADMIN)")
        }
        defer { _ = sh("umount '\(mountPoint.path)'") }
        let full = mountPoint.appendingPathComponent("artifacts").path
        // Told the truth, krill refuses to start: its estimate exceeds the 520 KB.
        let refused = try krill(["run", smoke], artifacts: full, expect: 2)
        XCTAssert(refused.stderr.contains("stages to compute need about") && refused.stderr.contains("nothing was written"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: full + "/cache/stages/synth"), "a refused run computes nothing")
        // Made to start anyway, it runs into the full disk.
        let failed = try krill(["run", smoke, "--skip-space-check"], artifacts: full, expect: 1)
        XCTAssert(failed.stderr.contains("No space left on device"), failed.stderr)
        XCTAssert(failed.stderr.contains(full), "the error must name the path: \(failed.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: full + "/runs/smoke/1"), "no run folder after a failed run")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: full + "/runs/smoke")) ?? []
        XCTAssertEqual(leftovers.filter { !$0.hasPrefix(".numbering") }, [], "no half-made run folder")
        XCTAssertEqual(sh("mount -o remount,size=64m '\(mountPoint.path)'"), 0)
        try krill(["verify"], artifacts: full)
        try krill(["run", smoke], artifacts: full)
        try krill(["run", smoke])
        try assertSameResults(URL(fileURLWithPath: full + "/runs/smoke/1"), dir.appending("artifacts/runs/smoke/1"))
        try krill(["verify"], artifacts: full)
    }
}

/// Two run folders hold the same results, byte for byte (run.json and report.html hold each
/// run's own stage table and times).
func assertSameRunResults(_ a: URL, _ b: URL, file: StaticString = #filePath, line: UInt = #line) throws {
    let x = try CacheIntegrityTests.results(a), y = try CacheIntegrityTests.results(b)
    XCTAssertEqual(Set(x.keys), Set(y.keys), file: file, line: line)
    for key in x.keys.sorted() where x[key] != y[key] {
        XCTFail("\(key) differs between \(a.path) and \(b.path)", file: file, line: line)
    }
}
