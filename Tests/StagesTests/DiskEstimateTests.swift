import Experiment
import Foundation
import Pipeline
@testable import Stages
import Storage
import TestSupport
import XCTest

/// Disk estimates of stages, against what smoke.yaml really writes, and the refusal to
/// start a run the artifact filesystem has no room for.
final class DiskEstimateTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory("krill-estimate") }
    override func tearDown() { dir.remove() }

    func runner() -> ExperimentRunner {
        ExperimentRunner(store: ArtifactStore(root: dir.appending("artifacts")), progress: SilentProgress(), krillVersion: "test")
    }

    func testARunThatWouldNotFitRefusesBeforeWritingAnything() throws {
        let experiment = try ExperimentRunner.load(smoke, overrides: [])
        var options = ExperimentRunner.Options(name: "smoke")
        options.freeSpace = 100_000
        XCTAssertThrowsError(try runner().run(experiment, options: options)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("stages to compute need about") && text.contains("100 KB free"), text)
            XCTAssertTrue(text.contains("nothing was written"), text)
        }
        let stages = dir.appending("artifacts/cache/stages")
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: stages.path)) ?? [], [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appending("artifacts/runs").path))
        options.checkSpace = false
        XCTAssertNoThrow(try runner().run(experiment, options: options), "--skip-space-check runs anyway")
    }

    /// Every stage's estimate covers what it wrote (its folder and its side blobs), and the
    /// image store's is within a factor 1.5 of it.
    func testEstimatesCoverWhatSmokeWrites() throws {
        let experiment = try ExperimentRunner.load(smoke, overrides: [])
        let r = runner()
        let (_, records) = try r.run(experiment, name: "smoke")
        let plan = try r.plan(experiment)
        let estimates = DiskEstimate.bytes(of: plan, experiment: experiment)
        var worst: (String, Double) = ("", 0)
        for record in records {
            let entry = try XCTUnwrap(r.store.lookup(kind: record.kind, key: record.key))
            var actual = try folderBytes(entry.folder)
            for blob in entry.manifest.blobs { actual += (try? FileManager.default.attributesOfItem(atPath: r.store.blobURL(blob).path)[.size] as? Int) ?? 0 }
            let estimate = try XCTUnwrap(estimates[record.node])
            XCTAssertGreaterThanOrEqual(estimate, actual, "\(record.node): estimated \(estimate) B, wrote \(actual) B")
            if Double(actual) / Double(estimate) > worst.1 { worst = (record.node, Double(actual) / Double(estimate)) }
            if record.kind == "synth" {
                XCTAssertLessThan(Double(estimate), 1.5 * Double(actual) + Double(1 << 20), "the store: estimated \(estimate) B, wrote \(actual) B")
            }
        }
        XCTAssertGreaterThan(worst.1, 0, "closest estimate: \(worst.0) at \(worst.1) of its estimate")
    }

    func folderBytes(_ folder: URL) throws -> Int {
        var total = 0
        for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey])! {
            total += (try url.resourceValues(forKeys: [.fileSizeKey])).fileSize ?? 0
        }
        return total
    }

    func testSizesReadAsPeopleWriteThem() {
        XCTAssertEqual(DiskEstimate.text(999), "999 B")
        XCTAssertEqual(DiskEstimate.text(1_500), "1.5 KB")
        XCTAssertEqual(DiskEstimate.text(12_345_678), "12 MB")
        XCTAssertEqual(DiskEstimate.text(3_400_000_000), "3.4 GB")
    }
}
