import Foundation
@testable import Pipeline
import Storage
import TestSupport
import XCTest

/// Counts body runs across threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    func hit(_ name: String) { lock.lock(); counts[name, default: 0] += 1; lock.unlock() }
    func count(_ name: String) -> Int { lock.lock(); defer { lock.unlock() }; return counts[name, default: 0] }
}

/// A toy stage: writes `out.txt` = its text param + the contents of its inputs' out.txt.
struct TextStage: Stage {
    let kind: String
    var version = 1
    let text: String
    let inputs: [String]
    let counter: Counter
    var failFirst: FailSwitch? = nil
    var sleep: Double = 0
    /// The output ignores this parameter (for early cutoff).
    var ignored = 0

    var params: JSONValue { .object(["text": .string(text), "ignored": .int(ignored)]) }
    func publishedPath(of file: String) -> String? { "\(kind)/\(file)" }
    func keepsOnResume(_ path: String) -> Bool { path == "checkpoint" }

    func run(_ context: StageContext) throws {
        counter.hit(kind)
        if sleep > 0 { Thread.sleep(forTimeInterval: sleep) }
        var out = text
        for name in inputs.sorted() { out += "|" + (try String(contentsOf: context.input(name).file("out.txt"), encoding: .utf8)) }
        if let failFirst, failFirst.shouldFail() {
            try "partial".write(to: context.work.appendingPathComponent("checkpoint"), atomically: true, encoding: .utf8)
            throw ToyError.boom
        }
        if context.resuming {
            XCTAssertEqual(try String(contentsOf: context.work.appendingPathComponent("checkpoint"), encoding: .utf8), "partial")
            try FileManager.default.removeItem(at: context.work.appendingPathComponent("checkpoint"))
        }
        try out.write(to: context.work.appendingPathComponent("out.txt"), atomically: true, encoding: .utf8)
    }
}

enum ToyError: Error, CustomStringConvertible {
    case boom
    var description: String { "boom" }
}

final class FailSwitch: @unchecked Sendable {
    private var remaining: Int
    init(times: Int) { remaining = times }
    func shouldFail() -> Bool { defer { remaining -= 1 }; return remaining > 0 }
}

final class ResultsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Int: [String]] = [:]
    func set(_ i: Int, _ v: [String]) { lock.lock(); values[i] = v; lock.unlock() }
    func get(_ i: Int) -> [String] { lock.lock(); defer { lock.unlock() }; return values[i] ?? [] }
}

final class PipelineTests: XCTestCase {
    var dir: TemporaryDirectory!
    var store: ArtifactStore!
    let counter = Counter()

    override func setUpWithError() throws {
        dir = try TemporaryDirectory("krill-pipeline")
        store = ArtifactStore(root: dir.url)
    }

    override func tearDown() { dir.remove() }

    func chain(a: String = "a", b: String = "b", aIgnored: Int = 0, failB: FailSwitch? = nil) -> StageGraph {
        var g = StageGraph()
        g.add("A", TextStage(kind: "ka", text: a, inputs: [], counter: counter, ignored: aIgnored))
        g.add("B", TextStage(kind: "kb", text: b, inputs: ["A"], counter: counter, failFirst: failB))
        g.add("C", TextStage(kind: "kc", text: "c", inputs: ["B"], counter: counter))
        return g
    }

    func states(_ g: StageGraph, jobs: Int = 1) throws -> [String] {
        try Executor(store: store, graph: g, progress: SilentProgress(), jobs: jobs).run().records.map { "\($0.node)=\($0.state.rawValue)" }
    }

    func testSecondRunIsAllCachedAndABodyChangeRerunsOnlyDownstream() throws {
        XCTAssertEqual(try states(chain()), ["A=computed", "B=computed", "C=computed"])
        XCTAssertEqual(try states(chain()), ["A=cached", "B=cached", "C=cached"])
        XCTAssertEqual(counter.count("ka"), 1)
        XCTAssertEqual(try states(chain(b: "B2")), ["A=cached", "B=computed", "C=computed"])
        let out = try Executor(store: store, graph: chain(b: "B2"), progress: SilentProgress()).run().outputs
        XCTAssertEqual(try String(contentsOf: out["C"]!.file("out.txt"), encoding: .utf8), "c|B2|a")
    }

    func testEarlyCutoffWhenUpstreamBytesAreIdentical() throws {
        _ = try states(chain())
        // A's key changes (a parameter it ignores), its output bytes do not: B and C stay cached.
        XCTAssertEqual(try states(chain(aIgnored: 1)), ["A=computed", "B=cached", "C=cached"])
    }

    func testFailedStageKeepsItsWorkAndResumes() throws {
        let fail = FailSwitch(times: 1)
        XCTAssertThrowsError(try states(chain(failB: fail))) { error in
            XCTAssertEqual("\(error)", "stage B failed: boom")
        }
        XCTAssertEqual(try states(chain(failB: fail)), ["A=cached", "B=resumed", "C=computed"])
        let plan = try Executor(store: store, graph: chain(), progress: SilentProgress()).plan()
        XCTAssertEqual(plan.map(\.node), ["A", "B", "C"])
        XCTAssert(plan.allSatisfy { if case .cached = $0.state { return true } else { return false } })
    }

    func testPlanShowsPartialAndUnknownKeys() throws {
        XCTAssertThrowsError(try states(chain(failB: FailSwitch(times: 1))))
        let plan = try Executor(store: store, graph: chain(), progress: SilentProgress()).plan()
        guard case .cached = plan[0].state, case .partial = plan[1].state, case .toRun(nil) = plan[2].state else {
            return XCTFail("unexpected plan \(plan)")
        }
    }

    func testAlteredCacheFileIsDetectedAndRecomputed() throws {
        let first = try Executor(store: store, graph: chain(), progress: SilentProgress()).run().outputs
        let file = first["B"]!.file("out.txt")
        XCTAssertEqual(store.verify(first["B"]!), [])
        chmod(file.path, 0o644)  // committed files are read-only; root could write anyway
        try "tampered".write(to: file, atomically: false, encoding: .utf8)
        XCTAssertEqual(store.verify(first["B"]!).count, 1)
        XCTAssertEqual(try states(chain()), ["A=cached", "B=computed", "C=cached"])
        XCTAssertEqual(counter.count("kb"), 2)
    }

    func testGraphErrors() throws {
        var g = StageGraph()
        g.add("X", TextStage(kind: "kx", text: "x", inputs: ["Y"], counter: counter))
        g.add("Y", TextStage(kind: "ky", text: "y", inputs: ["X"], counter: counter))
        XCTAssertThrowsError(try g.topologicalOrder()) { XCTAssertEqual("\($0)", "the stage graph has a cycle through X, Y") }
        var h = StageGraph()
        h.add("X", TextStage(kind: "kx", text: "x", inputs: ["nope"], counter: counter))
        XCTAssertThrowsError(try h.topologicalOrder()) { XCTAssert("\($0)".contains("reads nope")) }
    }

    func testParallelJobsAndConcurrentExecutorsComputeOnce() throws {
        var g = StageGraph()
        g.add("A", TextStage(kind: "ka", text: "a", inputs: [], counter: counter))
        for i in 0..<4 { g.add("S\(i)", TextStage(kind: "ks\(i)", text: "s\(i)", inputs: ["A"], counter: counter, sleep: 0.2)) }
        let start = Date()
        let graph = g
        let results = ResultsBox()
        DispatchQueue.concurrentPerform(iterations: 2) { r in
            results.set(r, (try? self.states(graph, jobs: 4)) ?? ["failed"])
        }
        for i in 0..<4 { XCTAssertEqual(counter.count("ks\(i)"), 1, "S\(i) must be computed once") }
        XCTAssertEqual(results.get(0).count, 5)
        XCTAssertEqual(results.get(1).count, 5)
        // Four 0.2 s stages with 4 jobs: well under the 0.8 s a serial run would take.
        XCTAssertLessThan(Date().timeIntervalSince(start), 0.75)
    }

    func testFingerprintMemoSkipsUnchangedFiles() throws {
        let f = dir.appending("img.bin")
        try Data(repeating: 7, count: 1000).write(to: f)
        let memoFile = dir.appending("memo.bin")
        let memo = FingerprintMemo(file: memoFile)
        let h = try memo.sha256(of: f)
        XCTAssertEqual(h, SHA256.hex(Data(repeating: 7, count: 1000)))
        try memo.save()
        // The file's one record: 32 bytes of key, then the digest's bytes in order.
        let saved = try Data(contentsOf: memoFile)
        XCTAssertEqual(saved.count, 8 + 64)
        XCTAssertEqual(saved.suffix(32).map { String(format: "%02x", $0) }.joined(), h)
        let again = FingerprintMemo(file: memoFile)
        XCTAssertEqual(try again.sha256(of: f), h)
        XCTAssertEqual(again.hashedFiles, 0, "an unchanged file must not be read")
        Thread.sleep(forTimeInterval: 0.01)
        try Data(repeating: 8, count: 1000).write(to: f)
        XCTAssertNotEqual(try again.sha256(of: f), h)
        XCTAssertEqual(again.hashedFiles, 1)
        // A digest recorded from elsewhere is served without reading the file.
        let other = dir.appending("other.bin")
        try Data(repeating: 9, count: 10).write(to: other)
        let known = SHA256.hex(Data(repeating: 9, count: 10))
        again.record(other, sha256: known)
        XCTAssertEqual(try again.sha256(of: other), known)
        XCTAssertEqual(again.hashedFiles, 1)
    }

    /// A finished run folder named `name` with whatever `fill` puts in its draft.
    func makeRun(_ name: String, _ fill: (RunDraft) throws -> Void = { _ in }) throws -> RunFolder {
        let draft = try RunDraft(store: store, name: name)
        try fill(draft)
        return try draft.finish { _ in }
    }

    func testRunFoldersNumbersLinksAndReferences() throws {
        let out = try Executor(store: store, graph: chain(), progress: SilentProgress()).run().outputs
        let r1 = try makeRun("exp")
        let r2 = try makeRun("exp") { try $0.publish(out["B"]!, of: self.chain().nodes["B"]!) }
        XCTAssertEqual([r1.number, r2.number], [1, 2])
        let linked = r2.url.appendingPathComponent("kb/out.txt")
        let a = try FileManager.default.attributesOfItem(atPath: linked.path)[.systemFileNumber] as? Int
        let b = try FileManager.default.attributesOfItem(atPath: out["B"]!.file("out.txt").path)[.systemFileNumber] as? Int
        XCTAssertEqual(a, b, "run files are hard links into the cache")
        XCTAssertEqual(try RunFolder.resolve("exp", in: store).number, 2)
        XCTAssertEqual(try RunFolder.resolve("exp@1", in: store).number, 1)
        XCTAssertEqual(try RunFolder.resolve("exp~1", in: store).number, 1)
        XCTAssertEqual(try RunFolder.resolve(r1.url.path, in: store).number, 1)
        XCTAssertThrowsError(try RunFolder.resolve("exp@9", in: store))
        XCTAssertThrowsError(try RunFolder.resolve("other", in: store))
        XCTAssertEqual(RunFolder.all(in: store).map(\.label), ["exp@1", "exp@2"])
    }

    func testDiffNamesOnlyTheChangedParam() throws {
        let r1 = try makeRun("d"), r2 = try makeRun("d")
        func record(_ epochs: Int, _ key: String) -> String {
            JSONValue.object(["params": .object(["training.epochs": .int(epochs), "seed": .int(1)]),
                              "stages": .array([.object(["node": .string("split"), "key": .string("k1")]),
                                                .object(["node": .string("train"), "key": .string(key)])])]).pretty
        }
        try r1.write(record(3, "t1"), to: "run.json")
        try r2.write(record(5, "t2"), to: "run.json")
        try r1.write(#"{"epoch-3": {"svm_accuracy": 0.5}}"#, to: "summary.json")
        try r2.write(#"{"epoch-3": {"svm_accuracy": 0.75}}"#, to: "summary.json")
        let diff = try RunDiff(a: r1, b: r2)
        XCTAssertEqual(diff.params, [RunDiff.ParamChange(path: "training.epochs", old: "3", new: "5")])
        XCTAssertEqual(diff.metrics.first?.change, 0.25)
        XCTAssertEqual(diff.sharedStages, ["split"])
        XCTAssertEqual(diff.differentStages, ["train"])
        XCTAssert(diff.text.contains("training.epochs: 3 -> 5"), diff.text)
    }

    func testCSVQuotesFieldsWithLineBreaksOfEveryKind() throws {
        // "\r\n" is a single Character in Swift; found by the CSV fuzzer.
        for field in ["a\r\nb", "a\nb", "a\rb", "a,b", "a\"b"] {
            XCTAssertEqual(try CSV.parse(CSV.render(header: ["x", "y"], rows: [[field, "1"]])), [["x", "y"], [field, "1"]])
        }
        XCTAssertEqual(CSV.escape("plain"), "plain")
    }

    func testCanonicalJSON() throws {
        let v = JSONValue.object(["b": .int(1), "a": .array([.double(0.5), .string("x\"y"), .null, .bool(true)]), "c": .double(2)])
        XCTAssertEqual(v.canonical, #"{"a":[0.5,"x\"y",null,true],"b":1,"c":2.0}"#)
        XCTAssertEqual(try JSONValue.parse(Data(v.canonical.utf8)), v)
        XCTAssertEqual(try JSONValue.parse(Data(v.pretty.utf8)), v)
        XCTAssertThrowsError(try JSONValue.parse(Data("{\"a\":".utf8)))
    }
}
