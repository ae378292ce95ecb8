import Experiment
import Foundation
@testable import Stages
import XCTest

/// experiments/zooscan-seed.yaml says in its header, setting by setting, what is the
/// original study's and what is krill's: each claim is checked against the file.
final class SeedExperimentTests: XCTestCase {
    static let experiments = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../experiments").standardizedFileURL

    /// The loader without the class lister (the ZooScanNet data is not here).
    let loader = ExperimentLoader(rules: ConfigRules.all)

    /// `# original: KEY = VALUE  why` and `# krill: KEY = VALUE  why` lines.
    func claims(_ text: String) -> [(origin: String, key: String, value: String)] {
        text.split(separator: "\n").compactMap { line in
            for origin in ["original", "krill"] where line.hasPrefix("# \(origin): ") {
                let rest = line.dropFirst("# \(origin): ".count)
                guard let eq = rest.range(of: " = ") else { return nil }
                let key = String(rest[..<eq.lowerBound])
                // The value ends where two spaces start the explanation.
                let tail = rest[eq.upperBound...]
                let value = tail.range(of: "  ").map { String(tail[..<$0.lowerBound]) } ?? String(tail)
                return (origin, key, value.trimmingCharacters(in: .whitespaces))
            }
            return nil
        }
    }

    func testTheHeaderSaysWhatTheSettingsAre() throws {
        let file = Self.experiments.appendingPathComponent("zooscan-seed.yaml").path
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let resolved = try loader.load(file: file)
        let found = claims(text)
        XCTAssertGreaterThanOrEqual(found.count, 40, "the header lists the settings")
        for claim in found {
            XCTAssertNotNil(ExperimentSchema.byPath[claim.key], "\(claim.key) is not a schema key")
            // Setting the claimed value must change nothing: the file already says it.
            let claimed = try loader.load(file: file, overrides: ["\(claim.key)=\(claim.value)"])
            XCTAssertEqual(claimed.values.value(claim.key), resolved.values.value(claim.key),
                           "header says \(claim.key) = \(claim.value), the file says \(resolved.values.value(claim.key).yamlText)")
        }
        // What the issue asked for, by name.
        let v = resolved.values
        XCTAssertEqual(v.bool("training.augment.flip"), false)
        XCTAssertEqual(v.bool("training.augment.rotate90"), false)
        XCTAssertEqual(v.string("evaluate.tsne.init"), "random")
        XCTAssertEqual(v.optionalInt("evaluate.tsne.exaggerated_iterations"), 250)
        XCTAssertEqual(v.double("evaluate.tsne.learning_rate"), 4 * 200, "scikit-learn's 200 in krill's units")
        XCTAssertEqual(v.int("evaluate.kmeans.batch_size"), 100)
        XCTAssertEqual(v.string("evaluate.kmeans.mapping"), "majority")
        XCTAssertEqual(v.string("data.source"), "zooscannet")
        // Every key the original had a value for is claimed, one way or the other.
        let claimedKeys = Set(found.map(\.key))
        for key in ["rescale.size", "model.output", "loss.margin", "training.batch.triplets", "training.optimizer.lr",
                    "training.epochs", "evaluate.tsne.perplexity", "evaluate.svm.C", "evaluate.kmeans.mapping"] {
            XCTAssert(claimedKeys.contains(key), "the header does not say where \(key) comes from")
        }
    }

    func testTheQuickVariantLoads() throws {
        let quick = try loader.load(file: Self.experiments.appendingPathComponent("zooscan-seed-quick.yaml").path)
        XCTAssertEqual(quick.values.int("rescale.size"), 96)
        XCTAssertEqual(quick.values.optionalInt("data.zooscannet.max_per_class"), 600)
        XCTAssertEqual(quick.values.string("evaluate.tsne.init"), "random", "inherited from zooscan-seed.yaml")
    }

    /// A wrong claim is caught (the check can fail).
    func testAWrongClaimIsCaught() throws {
        let file = Self.experiments.appendingPathComponent("zooscan-seed.yaml").path
        let resolved = try loader.load(file: file)
        let wrong = try loader.load(file: file, overrides: ["rescale.size=298"])
        XCTAssertNotEqual(wrong.values.value("rescale.size"), resolved.values.value("rescale.size"))
    }
}

/// The PyTorch module printed in docs/using-a-model.md is the one `make bench` checks
/// (bench/peers/krill_torch.py), character for character.
final class TorchModuleDocTests: XCTestCase {
    func testTheDocumentedModuleIsTheCheckedOne() throws {
        let root = SeedExperimentTests.experiments.deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/using-a-model.md"), encoding: .utf8)
        let module = try String(contentsOf: root.appendingPathComponent("bench/peers/krill_torch.py"), encoding: .utf8)
        XCTAssert(doc.contains("```python\n" + module + "```\n"), "docs/using-a-model.md must show bench/peers/krill_torch.py as it is")
        XCTAssertLessThanOrEqual(module.split(separator: "\n").count, 36, "about 30 lines")
    }
}
