import Foundation
import Storage
import TestSupport
import XCTest

/// ResNet runs end to end: pretrained weights (keyed by content, errors named), a frozen
/// backbone whose features are cached across experiments that differ in the head, and a
/// fine-tuning run killed and resumed.
final class ResNetRunTests: KrillTestCase {
    /// The PyTorch fixture of ConvNetTests: torchvision's names, widths 4-8-8-16, RGB stem.
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../ConvNetTests/Fixtures/resnet_reference.safetensors").standardizedFileURL

    let pretrained = ["--set", "model.architecture=resnet", "--set", "model.resnet.blocks=[2, 1, 1, 1]",
                      "--set", "model.resnet.widths=[4, 8, 8, 16]", "--set", "model.resnet.input=rgb", "--set", "model.weights=w.safetensors"]

    @discardableResult
    func krillHere(_ args: [String], expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line) throws -> KrillResult {
        let r = try KrillProcess.run(args + ["--artifacts", artifacts], in: dir.url)
        XCTAssertEqual(r.status, status, "krill \(args.joined(separator: " ")):\n\(r.stdout)\n\(r.stderr)", file: file, line: line)
        return r
    }

    func trainParams(_ run: String) throws -> JSONValue? {
        let record = try JSONValue.parse(Data(contentsOf: dir.appending("artifacts/runs/smoke/\(run)/run.json")))
        return record["stages"]?.arrayValue?.first { $0["node"]?.stringValue == "train@1" }?["params"]
    }

    func testPretrainedWeightsAreKeyedByContent() throws {
        try FileManager.default.copyItem(at: Self.fixture, to: dir.appending("w.safetensors"))
        let first = try krillHere(["run", smoke] + pretrained)
        XCTAssertEqual(states(first.stdout)["train@1"], "computed")
        let sha = SHA256.hex(try Data(contentsOf: Self.fixture))
        XCTAssertEqual(try trainParams("1")?["model"]?["weights"], .string("sha256:" + sha), "the key holds the content's hash, not the path")
        // Moved: nothing reruns. Changed: training reruns.
        try FileManager.default.moveItem(at: dir.appending("w.safetensors"), to: dir.appending("moved.safetensors"))
        let moved = try krillHere(["run", smoke] + pretrained.dropLast() + ["model.weights=moved.safetensors"])
        XCTAssertEqual(states(moved.stdout)["train@1"], "cached")
        var bytes = [UInt8](try Data(contentsOf: dir.appending("moved.safetensors")))
        bytes[bytes.count - 1] ^= 0x01   // the last byte of the last tensor (fc.bias: unused, still a different file)
        try Data(bytes).write(to: dir.appending("moved.safetensors"))
        let changed = try krillHere(["run", smoke] + pretrained.dropLast() + ["model.weights=moved.safetensors"])
        XCTAssertEqual(states(changed.stdout)["train@1"], "computed")
        // A missing file is a config error at its position; a file that does not fit the
        // network fails training naming the tensor.
        let missing = try krillHere(["run", smoke] + pretrained.dropLast() + ["model.weights=nothing.safetensors"], expect: 2)
        XCTAssert(missing.stderr.contains("model.weights: no such file 'nothing.safetensors'"), missing.stderr)
        let grey = try krillHere(["run", smoke] + pretrained.dropLast() + ["model.weights=moved.safetensors", "--set", "model.resnet.input=grey"], expect: 1)
        XCTAssert(grey.stderr.contains("conv1.weight is F32 [4, 3, 7, 7], the network needs F32 [4, 1, 7, 7]"), grey.stderr)
    }

    /// Two experiments that differ only in the head share the features stage.
    func testFrozenBackboneFeaturesAreCachedAcrossHeads() throws {
        try FileManager.default.copyItem(at: Self.fixture, to: dir.appending("w.safetensors"))
        let frozen = pretrained + ["--set", "model.freeze=backbone", "--set", "training.augment.rotate90=false"]
        let first = try krillHere(["run", smoke] + frozen)
        XCTAssertEqual(states(first.stdout)["features"], "computed")
        let status = try krillHere(["status", smoke] + frozen + ["--set", "model.hidden=12"])
        XCTAssert(status.stdout.contains("features     cached"), status.stdout)
        let second = try krillHere(["run", smoke] + frozen + ["--set", "model.hidden=12", "--set", "model.output=sigmoid"])
        XCTAssertEqual(states(second.stdout)["features"], "cached")
        XCTAssertEqual(states(second.stdout)["train@1"], "computed")
        // The run's model is the whole network: the pretrained backbone with the trained head,
        // so krill embed works on it as on any run.
        XCTAssertEqual(try KrillProcess.run(["synth", dir.appending("imgs").path, "--classes", "2", "--per-class", "3", "--size", "32"]).status, 0)
        let embedded = try krillHere(["embed", "smoke", "imgs", "-o", "e.npy"])
        XCTAssert(embedded.stdout.contains("6 x 8"), embedded.stdout)
    }

    /// SIGKILL during fine-tuning, then the same command: the bytes of a run never killed.
    func testFineTuningKilledAndResumedIsBitIdentical() throws {
        let longer = ["--set", "model.architecture=resnet", "--set", "model.resnet.blocks=[1, 1]", "--set", "model.resnet.widths=[8, 16]",
                      "--set", "model.resnet.stem=small", "--set", "training.epochs=3", "--set", "training.steps_per_epoch=60",
                      "--set", "training.checkpoint_steps=7"]
        let killed = dir.appending("killed").path, clean = dir.appending("clean").path
        let process = Process()
        process.executableURL = KrillProcess.binary
        process.arguments = ["run", smoke, "--artifacts", killed] + longer
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = ""
        while !seen.contains("train@2: computing") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
        }
        usleep(300_000)   // into epoch 2, past a mid-epoch checkpoint or two
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, seen)
        XCTAssertEqual(try KrillProcess.run(["run", smoke, "--artifacts", killed] + longer).status, 0)
        XCTAssertEqual(try KrillProcess.run(["run", smoke, "--artifacts", clean] + longer).status, 0)
        let a = try treeContents(dir.appending("killed/runs/smoke/1")).filter { !["run.json", "report.html"].contains($0.key) }
        let b = try treeContents(dir.appending("clean/runs/smoke/1")).filter { !["run.json", "report.html"].contains($0.key) }
        XCTAssertEqual(Set(a.keys), Set(b.keys))
        for key in a.keys.sorted() where a[key] != b[key] { XCTFail("\(key) differs between the resumed and the uninterrupted run") }
    }
}
