@testable import Experiment
import Foundation
import TestSupport
import XCTest

final class ExperimentLoaderTests: XCTestCase {
    var dir: TemporaryDirectory!
    override func setUpWithError() throws { dir = try TemporaryDirectory("krill-exp") }
    override func tearDown() { dir.remove() }

    /// Writes `text` to `name` in the temp folder and returns its path.
    @discardableResult
    func file(_ name: String, _ text: String) throws -> String {
        let url = dir.appending(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// The diagnostics of a load that must fail, as printed lines.
    func errors(_ path: String, _ overrides: [String] = [], lister: @escaping ExperimentLoader.ClassLister = { _ in nil },
                file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do {
            _ = try ExperimentLoader(classLister: lister).load(file: path, overrides: overrides)
            XCTFail("expected config errors", file: file, line: line)
            return []
        } catch let e as ConfigErrors {
            return e.diagnostics.map(\.description)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
            return []
        }
    }

    func testEmptyFileGivesTheDefaults() throws {
        let path = try file("empty.yaml", "")
        let e = try ExperimentLoader().load(file: path)
        XCTAssertEqual(e.values.int("seed"), 42)
        XCTAssertEqual(e.values.ints("model.channels"), [32, 64, 128, 128])
        XCTAssertEqual(e.values.string("loss.variant"), "std_triplet")
        XCTAssertEqual(e.values.double("training.optimizer.lr"), 0.001)
        XCTAssertTrue(e.values.enabled("evaluate.tsne"))
        XCTAssertEqual(e.values.splitCount("split.validation", classSize: 500), 100)
        XCTAssert(e.explicitPaths.isEmpty)
    }

    func testResolvedYAMLLoadsBackToTheSameValues() throws {
        let path = try file("e.yaml", """
            seed: 7
            split: {validation: 0.15, test: 3, unseen_classes: [egg, "odd name"]}
            training:
              optimizer: {name: sgd, lr: 0.01, momentum: 0.8, nesterov: true}
              schedule: {name: step, every: 5, factor: 0.5}
            evaluate:
              tsne: false
              svm: {C: 10, gamma: 0.5}
            """)
        let first = try ExperimentLoader().load(file: path)
        XCTAssertFalse(first.values.enabled("evaluate.tsne"))
        XCTAssertEqual(first.values.double("evaluate.svm.gamma"), 0.5)
        let again = try file("again.yaml", first.yaml)
        let second = try ExperimentLoader().load(file: again)
        XCTAssertEqual(second.values, first.values, first.yaml)
        XCTAssert(first.yaml.contains("  tsne: false\n"), first.yaml)
        XCTAssert(first.yaml.contains("    momentum: 0.8\n"), first.yaml)
        XCTAssertFalse(first.yaml.contains("beta1"), "adam's keys do not apply to sgd:\n\(first.yaml)")
        XCTAssert(first.yaml.contains("unseen_classes: [egg, \"odd name\"]"), first.yaml)
    }

    func testUnknownKeysWithDidYouMeanAndPositions() throws {
        let path = try file("typo.yaml", """
            seed: 1
            trainig:
              epochs: 3
            training:
              stepz_per_epoch: 4
              optimizer: {nmae: sgd}
            """)
        XCTAssertEqual(errors(path), [
            "\(path):2:1: unknown key 'trainig' (did you mean 'training'?)",
            "\(path):5:3: unknown key 'training.stepz_per_epoch' (did you mean 'training.steps_per_epoch'?)",
            "\(path):6:15: unknown key 'training.optimizer.nmae' (did you mean 'training.optimizer.name'?)",
        ])
    }

    func testTypesRangesAndChoicesAllReportedAtOnce() throws {
        let path = try file("bad.yaml", """
            seed: -1
            model:
              dropout: 1.5
              channels: [32, many]
              output: l3
            training:
              epochs: lots
              augment: {flip: maybe}
            split: {validation: 1.5}
            """)
        XCTAssertEqual(errors(path), [
            "\(path):1:7: seed: -1 is out of range (>= 0)",
            "\(path):3:12: model.dropout: 1.5 is out of range ([0, 1))",
            "\(path):4:18: model.channels: expected an integer, got 'many'",
            "\(path):5:11: model.output: expected one of l2, sigmoid, linear, got 'l3' (did you mean 'l2'?)",
            "\(path):7:11: training.epochs: expected an integer, got 'lots'",
            "\(path):8:19: training.augment.flip: expected true or false, got 'maybe'",
            "\(path):9:21: split.validation: a fraction must be in [0, 1), got 1.5; write a count as an integer",
        ])
    }

    func testExtendsDeepMergesAndRefusesCycles() throws {
        try file("base.yaml", """
            seed: 3
            training: {epochs: 9, optimizer: {name: sgd, lr: 0.1}}
            """)
        let child = try file("child.yaml", """
            extends: base.yaml
            training:
              optimizer: {lr: 0.5}
            """)
        let e = try ExperimentLoader().load(file: child)
        XCTAssertEqual(e.values.int("seed"), 3)
        XCTAssertEqual(e.values.int("training.epochs"), 9)
        XCTAssertEqual(e.values.string("training.optimizer.name"), "sgd")
        XCTAssertEqual(e.values.double("training.optimizer.lr"), 0.5)

        try file("a.yaml", "extends: b.yaml\n")
        let b = try file("b.yaml", "seed: 1\nextends: a.yaml\n")
        let lines = errors(b)
        XCTAssertEqual(lines.count, 1)
        XCTAssert(lines[0].hasPrefix("a.yaml:1:10: extends: 'b.yaml' makes a cycle") || lines[0].contains(":1:10: extends: 'b.yaml' makes a cycle"), lines[0])

        let missing = try file("m.yaml", "extends: nowhere.yaml\n")
        XCTAssert(errors(missing)[0].hasPrefix("\(missing):1:10: extends: no such file 'nowhere.yaml'"))
        // Errors inside the base name the base file.
        try file("badbase.yaml", "seed: x\n")
        let onBad = try file("onbad.yaml", "extends: badbase.yaml\n")
        XCTAssert(errors(onBad)[0].contains("badbase.yaml:1:7: seed: expected an integer, got 'x'"), "\(errors(onBad))")
    }

    func testOverridesAreTypedLikeTheFile() throws {
        let path = try file("o.yaml", "training: {epochs: 9}\n")
        let e = try ExperimentLoader().load(file: path, overrides: [
            "training.epochs=5", "loss.margin=0.2", "model.channels=[8, 16]", "evaluate.tsne=false", "split.validation=0.1",
        ])
        XCTAssertEqual(e.values.int("training.epochs"), 5)
        XCTAssertEqual(e.values.double("loss.margin"), 0.2)
        XCTAssertEqual(e.values.ints("model.channels"), [8, 16])
        XCTAssertFalse(e.values.enabled("evaluate.tsne"))
        XCTAssertEqual(e.values.splitCount("split.validation", classSize: 200), 20)
        XCTAssertEqual(errors(path, ["training.epochs=five", "trainng.epochs=3", "nonsense"]), [
            "--set[1]:1:17: training.epochs: expected an integer, got 'five'",
            "--set[2]:1:1: unknown key 'trainng' (did you mean 'training'?)",
            "--set[3]:1:1: expected key.path=value, got 'nonsense'",
        ])
    }

    func testKeysThatApplyOnlyUnderAnotherValue() throws {
        let path = try file("w.yaml", "training:\n  optimizer: {name: adam, momentum: 0.9}\n")
        XCTAssertEqual(errors(path), ["\(path):2:37: training.optimizer.momentum applies only when training.optimizer.name is sgd (it is adam)"])
    }

    /// A key that applies only under another value is dropped when a later layer (a file
    /// that extends, or `--set`) switches that value; set in the same layer, it is an error.
    func testInheritedKeysThatNoLongerApplyAreDropped() throws {
        let base = try file("base.yaml", "training:\n  schedule: {name: cosine, min_lr: 0.0001}\n")
        let top = try file("top.yaml", "extends: base.yaml\ntraining: {schedule: {name: step, every: 3}}\n")
        let loaded = try ExperimentLoader().load(file: top)
        XCTAssertEqual(loaded.values.string("training.schedule.name"), "step")
        XCTAssertNil(loaded.marks["training.schedule.min_lr"])
        let overridden = try ExperimentLoader().load(file: base, overrides: ["training.schedule.name=constant"])
        XCTAssertEqual(overridden.values.string("training.schedule.name"), "constant")
        XCTAssertEqual(errors(base, ["training.schedule.name=constant", "training.schedule.min_lr=0.1"]),
                       ["--set[2]:1:26: training.schedule.min_lr applies only when training.schedule.name is cosine or restarts (it is constant)"])
    }

    func testCallerRulesAreReportedWithPositionsAndBatchKeysComeInPairs() throws {
        // Rules that depend on other modules' types (StagesTests checks krill's own) come
        // from the caller and are positioned like every other error.
        let rule: ExperimentLoader.Rule = { v, mark in
            v.int("training.epochs") > 5 ? [Diagnostic(mark("training.epochs"), "too many epochs for this rule")] : []
        }
        let path = try file("r.yaml", "seed: 3\ntraining: {epochs: 9}\n")
        XCTAssertThrowsError(try ExperimentLoader(rules: [rule]).load(file: path)) { error in
            XCTAssertEqual((error as? ConfigErrors)?.diagnostics.map(\.description), ["\(path):2:20: too many epochs for this rule"])
        }
        XCTAssertNoThrow(try ExperimentLoader().load(file: path))
        let half = try file("half.yaml", "loss: {variant: batch_all}\ntraining: {batch: {triplets: null, classes: 4}}\n")
        XCTAssert(errors(half).contains { $0.contains("need both training.batch.classes and training.batch.per_class") }, "\(errors(half))")
    }

    func testClassNamesCheckedAgainstTheData() throws {
        let path = try file("c.yaml", "split: {unseen_classes: [eggs, salp]}\n")
        let lister: ExperimentLoader.ClassLister = { _ in ["copepod", "egg", "salp"] }
        XCTAssertEqual(errors(path, lister: lister), ["\(path):1:25: split.unseen_classes: unknown class 'eggs' (did you mean 'egg'?)"])
        let folders = try file("f.yaml", "data: {source: folders, folders: {root: /nowhere}}\n")
        struct Missing: Error, CustomStringConvertible { var description: String { "data.folders.root: no such folder /nowhere" } }
        XCTAssertEqual(errors(folders, lister: { _ in throw Missing() }), ["\(folders):1:41: data.folders.root: no such folder /nowhere"])
    }

    func testSyntaxErrorsAndDuplicates() throws {
        let syntax = try file("syn.yaml", "seed: 1\ntraining: {epochs: 3\n")
        let lines = errors(syntax)
        XCTAssertEqual(lines.count, 1)
        XCTAssert(lines[0].hasPrefix("\(syntax):"), lines[0])
        XCTAssert(lines[0].contains("YAML syntax error"), lines[0])
        let dup = try file("dup.yaml", "seed: 1\nseed: 2\n")
        XCTAssertEqual(errors(dup), ["\(dup):2:1: duplicate key 'seed' (first at line 1)"])
        let list = try file("list.yaml", "- 1\n- 2\n")
        XCTAssertEqual(errors(list), ["\(list):1:1: an experiment file must be a mapping of keys, not a list"])
        XCTAssertEqual(errors(dir.appending("absent.yaml").path), ["\(dir.appending("absent.yaml").path): no such experiment file"])
    }

    func testSyntheticSplitMustLeaveTrainingImages() throws {
        let path = try file("small.yaml", "data: {synthetic: {per_class: 20}}\nsplit: {validation: 10, test: 10}\n")
        XCTAssertEqual(errors(path), ["\(path):2:21: split: 20 validation + test images per class leave none of the 20 synthetic images per class for training"])
    }
}
