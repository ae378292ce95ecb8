import ConvNet
import Clustering
import Datasets
import TSNE
import Experiment
import Foundation
import Imaging
import Pipeline
@testable import Stages
import Storage
import SVM
import XCTest

/// Which stage keys each edit of the experiment changes: exactly the stages that read the
/// edited key, and no other. And the schema's choice lists are the algorithm modules' enums.
final class KeyDependencyTests: XCTestCase {
    /// What each stage kind reads, by schema path or group prefix (the specification the
    /// planner is checked against).
    static let dependsOn: [String: [String]] = [
        "synth": ["seed", "data.synthetic.", "rescale."],
        "split": ["seed", "split."],
        // Each epoch: not training.epochs nor the snapshots, only the rate the schedule gives it.
        "train": ["seed", "model.", "loss.", "training.steps_per_epoch", "training.batch.", "training.optimizer.",
                  "training.schedule.", "training.augment.", "training.sampling"],
        "embed": ["seed"],
        // The frozen backbone: not the head (model.hidden, embedding, output, dropout).
        "features": ["seed", "model.architecture", "model.resnet.", "model.weights", "training.augment."],
        "summarize": [],
        "tsne": ["seed", "evaluate.tsne."],
        "svm": ["evaluate.svm."],
        "kmeans": ["seed", "evaluate.kmeans."],
        "zeroshot": ["seed", "evaluate.zeroshot."],
        "retrieval": ["evaluate.retrieval."],
        "baseline": ["seed", "evaluate.svm.", "evaluate.baseline_svm_rows"],
        "report": ["training.epochs", "training.snapshots", "evaluate.summaries", "evaluate.baseline"],
    ]

    /// One edit per schema key of smoke.yaml's setting: the override, and what it must be
    /// compared against (the same experiment with only the prerequisites of the key).
    static let edits: [String: (edit: [String], base: [String])] = keyEdits.merging(executorEdits) { a, _ in a }

    /// The executor block (Slurm resources): an edit for each key; none may change a stage.
    static let executorEdits: [String: (edit: [String], base: [String])] = Dictionary(uniqueKeysWithValues:
        ExperimentSchema.keys.map(\.path).filter { $0.hasPrefix("executor.") }.map { path in
            let value = ["cpus": "3", "partition": "long", "memory": "1G", "time": "10", "sbatch": "[--qos=x]", "setup": "[true]",
                         "poll_seconds": "1", "signal_seconds": "60"][String(path.split(separator: ".").last!)]!
            return (path, (edit: ["\(path)=\(value)"], base: [String]()))
        })

    static let keyEdits: [String: (edit: [String], base: [String])] = [
        "seed": (["seed=8"], []),
        "data.source": (["data.source=folders"], []),  // checked in PlannerTests (needs a folder)
        "data.synthetic.classes": (["data.synthetic.classes=5"], []),
        "data.synthetic.per_class": (["data.synthetic.per_class=31"], []),
        "data.synthetic.image_size": (["data.synthetic.image_size=40"], []),
        "data.folders.root": (["data.folders.root=elsewhere"], []),
        "data.folders.classes": (["data.folders.classes=[a, b]"], []),
        "data.folders.max_per_class": (["data.folders.max_per_class=9"], []),
        // The EcoTaxa and ZooScanNet keys apply only to their sources: DataSourceTests.
        "data.ecotaxa.tsv": ([], []), "data.ecotaxa.images": ([], []), "data.ecotaxa.status": ([], []),
        "data.ecotaxa.label": ([], []), "data.ecotaxa.lineage_level": ([], []), "data.ecotaxa.set_column": ([], []),
        "data.ecotaxa.classes": ([], []), "data.ecotaxa.max_per_class": ([], []),
        "data.zooscannet.root": ([], []), "data.zooscannet.level": ([], []), "data.zooscannet.classes": ([], []), "data.zooscannet.max_per_class": ([], []),
        "split.from": ([], []),  // set needs a source with sets: DataSourceTests
        "rescale.size": (["rescale.size=20"], []),
        "rescale.fit": (["rescale.fit=stretch"], []),
        "rescale.upscale": (["rescale.upscale=false"], []),
        "rescale.background": (["rescale.background=black"], []),
        "split.validation": (["split.validation=5"], []),
        "split.test": (["split.test=0.2"], []),
        "split.unseen_classes": (["split.unseen_classes=[copepod]"], ["evaluate.zeroshot=false"]),
        "model.architecture": (["model.architecture=resnet"], []),
        "model.resnet.blocks": (["model.resnet.blocks=[1, 1, 1, 1]"], ["model.architecture=resnet"]),
        "model.resnet.widths": (["model.resnet.widths=[8, 16, 32, 64]"], ["model.architecture=resnet"]),
        "model.resnet.stem": (["model.resnet.stem=small"], ["model.architecture=resnet"]),
        "model.resnet.input": (["model.resnet.input=rgb"], ["model.architecture=resnet"]),
        "model.hidden": (["model.hidden=16"], ["model.architecture=resnet"]),
        "model.weights": ([], []),  // needs a file: EndToEndTests/ResNetTests
        "model.freeze": (["model.freeze=backbone"], ["model.architecture=resnet"]),
        "model.channels": (["model.channels=[4, 6]"], []),
        "model.batch_norm": (["model.batch_norm=true"], []),
        "model.dropout": (["model.dropout=0.1"], []),
        "model.embedding": (["model.embedding=6"], []),
        "model.output": (["model.output=linear"], []),
        "loss.variant": (["loss.variant=alt_triplet"], []),
        "loss.margin": (["loss.margin=0.3"], []),
        "loss.distance": (["loss.distance=euclidean"], []),
        "loss.soft_margin": (["loss.soft_margin=true"], []),
        "loss.semi_hard_fallback": (["loss.semi_hard_fallback=smallest"],
                                    ["loss.variant=semi_hard", "training.batch.triplets=null", "training.batch.classes=2", "training.batch.per_class=3"]),
        "training.sampling": (["training.sampling=sqrt"], []),
        "training.epochs": (["training.epochs=3"], []),
        "training.steps_per_epoch": (["training.steps_per_epoch=5"], []),
        "training.batch.triplets": (["training.batch.triplets=9"], []),
        "training.batch.classes": (["training.batch.classes=3"], ["loss.variant=batch_all", "training.batch.triplets=null", "training.batch.classes=2", "training.batch.per_class=3"]),
        "training.batch.per_class": (["training.batch.per_class=4"], ["loss.variant=batch_all", "training.batch.triplets=null", "training.batch.classes=2", "training.batch.per_class=3"]),
        "training.optimizer.name": (["training.optimizer.name=sgd"], []),
        "training.optimizer.lr": (["training.optimizer.lr=0.002"], []),
        "training.optimizer.momentum": (["training.optimizer.momentum=0.5"], ["training.optimizer.name=sgd"]),
        "training.optimizer.nesterov": (["training.optimizer.nesterov=true"], ["training.optimizer.name=sgd"]),
        "training.optimizer.beta1": (["training.optimizer.beta1=0.8"], []),
        "training.optimizer.beta2": (["training.optimizer.beta2=0.99"], []),
        "training.optimizer.weight_decay": (["training.optimizer.weight_decay=0.01"], []),
        "training.schedule.name": (["training.schedule.name=cosine"], []),
        // Edits that move the rate of epoch 1 or 2 (smoke.yaml trains 2 epochs).
        "training.schedule.every": (["training.schedule.every=1"], ["training.schedule.name=step"]),
        "training.schedule.factor": (["training.schedule.factor=0.5"], ["training.schedule.name=step", "training.schedule.every=1"]),
        "training.schedule.gamma": (["training.schedule.gamma=0.9"], ["training.schedule.name=exponential"]),
        "training.schedule.min_lr": (["training.schedule.min_lr=0.0001"], ["training.schedule.name=cosine"]),
        "training.schedule.period": (["training.schedule.period=1"], ["training.schedule.name=restarts"]),
        "training.schedule.horizon": (["training.schedule.horizon=5"], ["training.schedule.name=cosine"]),
        "training.schedule.warmup_epochs": (["training.schedule.warmup_epochs=1"], []),
        "training.augment.flip": (["training.augment.flip=false"], []),
        "training.augment.rotate90": (["training.augment.rotate90=false"], []),
        "training.snapshots": (["training.snapshots=[2]"], ["training.snapshots=[1, 2]"]),
        "training.checkpoint_every": (["training.checkpoint_every=2"], []),
        "training.checkpoint_steps": (["training.checkpoint_steps=2"], []),
        "evaluate.summaries": (["evaluate.summaries=false"], []),
        "evaluate.baseline": (["evaluate.baseline=false"], []),
        "evaluate.baseline_svm_rows": (["evaluate.baseline_svm_rows=10"], []),
        "evaluate.tsne.perplexity": (["evaluate.tsne.perplexity=4"], []),
        "evaluate.tsne.early_exaggeration": (["evaluate.tsne.early_exaggeration=4"], []),
        "evaluate.tsne.iterations": (["evaluate.tsne.iterations=200"], []),
        "evaluate.tsne.learning_rate": (["evaluate.tsne.learning_rate=100"], []),
        "evaluate.tsne.exaggerated_iterations": (["evaluate.tsne.exaggerated_iterations=50"], []),
        "evaluate.tsne.init": (["evaluate.tsne.init=random"], []),
        "evaluate.svm.class_weight": (["evaluate.svm.class_weight=balanced"], []),
        "evaluate.kmeans.batch_size": (["evaluate.kmeans.batch_size=100"], []),
        "evaluate.svm.kernel": (["evaluate.svm.kernel=linear"], []),
        "evaluate.svm.degree": (["evaluate.svm.degree=2"], []),
        "evaluate.svm.C": (["evaluate.svm.C=10"], []),
        "evaluate.svm.gamma": (["evaluate.svm.gamma=auto"], []),
        "evaluate.svm.coef0": (["evaluate.svm.coef0=1"], []),
        "evaluate.svm.fit_on": (["evaluate.svm.fit_on=train"], []),
        "evaluate.svm.test_on": (["evaluate.svm.test_on=validation"], []),
        "evaluate.tsne.method": (["evaluate.tsne.method=fft"], []),
        "evaluate.tsne.neighbors": (["evaluate.tsne.neighbors=approximate"], []),
        "evaluate.kmeans.clusters": (["evaluate.kmeans.clusters=3"], []),
        "evaluate.kmeans.algorithm": (["evaluate.kmeans.algorithm=lloyd"], []),
        "evaluate.kmeans.n_init": (["evaluate.kmeans.n_init=3"], []),
        "evaluate.kmeans.fit_on": (["evaluate.kmeans.fit_on=train"], []),
        "evaluate.kmeans.test_on": (["evaluate.kmeans.test_on=validation"], []),
        "evaluate.kmeans.mapping": (["evaluate.kmeans.mapping=majority"], []),
        "evaluate.zeroshot.shots": (["evaluate.zeroshot.shots=3"], ["split.unseen_classes=[copepod]"]),
        "evaluate.zeroshot.repeats": (["evaluate.zeroshot.repeats=3"], ["split.unseen_classes=[copepod]"]),
        "evaluate.retrieval.query": (["evaluate.retrieval.query=validation"], []),
        "evaluate.retrieval.reference": (["evaluate.retrieval.reference=test"], []),
    ]

    func testEveryKeyHasAnEdit() {
        XCTAssertEqual(Set(ExperimentSchema.keys.map(\.path)), Set(KeyDependencyTests.edits.keys),
                       "add an edit for every new schema key")
    }

    /// For every schema key: the stages whose own parameters change are exactly those that
    /// read it (nodes present in both plans; keys that add or remove nodes are checked too).
    func testEachEditChangesExactlyTheStagesThatReadIt() throws {
        let skip: Set<String> = ["data.source", "split.from", "model.weights"]
        for key in ExperimentSchema.keys.map(\.path).sorted()
        where !skip.contains(key) && !key.hasPrefix("data.ecotaxa.") && !key.hasPrefix("data.zooscannet.") {
            guard let (edit, base) = KeyDependencyTests.edits[key] else { return XCTFail("no edit for \(key)") }
            let before = try plan(smoke, base), after = try plan(smoke, base + edit)
            var changed = Set<String>()
            for (name, node) in before.nodes {
                if let other = after.nodes[name], other.params != node.params { changed.insert(node.kind) }
            }
            let expected = Set(KeyDependencyTests.dependsOn.filter { _, paths in
                paths.contains { $0.hasSuffix(".") ? key.hasPrefix($0) : key == $0 }
            }.keys).intersection(before.nodes.values.map(\.kind))
            // Keys of the folder source do not apply to synthetic data; checkpoint_every and
            // the evaluator switches change only the report (which evaluators it gathers).
            let none: Set<String> = ["data.folders.root", "data.folders.classes", "data.folders.max_per_class",
                                     "training.checkpoint_every", "training.checkpoint_steps"]
            XCTAssertEqual(changed, none.contains(key) || key.hasPrefix("executor.") ? [] : expected, "editing \(key) (\(edit))")
        }
    }

    /// With a frozen backbone, the features stage reads the backbone's keys and the
    /// augmentation, never the head's: ten heads on one backbone compute its features once.
    func testFeaturesReadTheBackboneNotTheHead() throws {
        let frozen = ["model.architecture=resnet", "model.resnet.blocks=[1, 1]", "model.resnet.widths=[4, 8]", "model.freeze=backbone"]
        let base = try plan(smoke, frozen)
        let features = { (g: (nodes: [String: PlannedNode], order: [String])) in g.nodes["features"]!.params }
        for edit in ["model.hidden=16", "model.embedding=4", "model.output=linear", "model.dropout=0.2", "loss.margin=0.3", "training.epochs=3"] {
            XCTAssertEqual(features(try plan(smoke, frozen + [edit])), features(base), edit)
        }
        for edit in ["model.resnet.widths=[4, 16]", "model.resnet.stem=small", "training.augment.flip=false", "seed=9"] {
            XCTAssertNotEqual(features(try plan(smoke, frozen + [edit])), features(base), edit)
        }
        XCTAssertNil(try plan(smoke, frozen.dropLast()).nodes["features"], "no features stage without freeze")
        XCTAssertEqual(base.nodes["train@1"]?.kind, "train")
    }

    func testSwitchesAddAndRemoveNodesOnly() throws {
        let before = try plan(smoke), after = try plan(smoke, ["evaluate.summaries=false"])
        XCTAssertEqual(Set(before.nodes.keys).subtracting(after.nodes.keys), ["summarize@1", "summarize@2"])
        XCTAssertEqual(try plan(smoke, ["training.checkpoint_every=3"]).nodes, before.nodes)
    }

    /// The schema's choice lists are exactly the cases of the enums that read them, so the
    /// rules live in one place.
    func testChoiceListsAreTheEnumsCases() {
        func choices(_ path: String) -> [String] {
            switch ExperimentSchema.byPath[path]!.type {
            case .choice(let words), .optional(.choice(let words)): return words
            default: XCTFail("\(path) is not a choice"); return []
            }
        }
        let expected: [String: [String]] = [
            "data.source": DataSource.allCases.map(\.rawValue),
            "rescale.fit": FitMode.allCases.map(\.rawValue),
            "model.output": OutputTransform.allCases.map(\.rawValue),
            "loss.variant": LossVariant.allCases.map(\.rawValue),
            "loss.distance": LossDistance.allCases.map(\.rawValue),
            "training.optimizer.name": OptimizerName.allCases.map(\.rawValue),
            "training.schedule.name": ScheduleName.allCases.map(\.rawValue),
            "evaluate.svm.kernel": SVMConfig.Kernel.allCases.map(\.rawValue),
            "evaluate.svm.fit_on": SplitName.allCases.map(\.rawValue),
            "evaluate.svm.test_on": SplitName.allCases.map(\.rawValue),
            "evaluate.kmeans.algorithm": KMeansConfig.Algorithm.allCases.map(\.rawValue),
            "evaluate.kmeans.fit_on": SplitName.allCases.map(\.rawValue),
            "evaluate.kmeans.test_on": SplitName.allCases.map(\.rawValue),
            "evaluate.kmeans.mapping": MappingRule.allCases.map(\.rawValue),
            "evaluate.retrieval.query": SplitName.allCases.map(\.rawValue),
            "evaluate.retrieval.reference": SplitName.allCases.map(\.rawValue),
            "training.sampling": ClassSampling.allCases.map(\.rawValue),
            "loss.semi_hard_fallback": SemiHardFallback.allCases.map(\.rawValue),
            "evaluate.svm.class_weight": SVMConfig.ClassWeight.allCases.map(\.rawValue),
            "evaluate.tsne.init": Initialization.Kind.allCases.map(\.rawValue),
            "evaluate.tsne.method": TSNEConfig.GradientMethod.allCases.map(\.rawValue),
            "evaluate.tsne.neighbors": TSNEConfig.NeighborMethod.allCases.map(\.rawValue),
            "data.ecotaxa.label": EcoTaxaLabel.allCases.map(\.rawValue),
            "split.from": SplitSource.allCases.map(\.rawValue),
            "model.architecture": ModelArchitecture.allCases.map(\.rawValue),
            "model.freeze": FreezeSetting.allCases.map(\.rawValue),
            "model.resnet.stem": ResNetConfig.Stem.allCases.map(\.rawValue),
            "model.resnet.input": ResNetConfig.Input.allCases.map(\.rawValue),
        ]
        for (path, cases) in expected { XCTAssertEqual(choices(path), cases, path) }
        let allChoices = ExperimentSchema.keys.filter {
            if case .choice = $0.type { return true }
            if case .optional(.choice) = $0.type { return true }
            return false
        }.map(\.path)
        XCTAssertEqual(Set(allChoices), Set(expected.keys), "every choice key must be checked against its enum")
        let soft = ExperimentSchema.byPath["loss.soft_margin"]!.appliesWhen!
        XCTAssertEqual(soft.path, "loss.variant")
        XCTAssertEqual(soft.values, LossVariant.allCases.filter(\.supportsSoftMargin).map(\.rawValue))
    }

    func testLossVariantAndBatchShapeRule() throws {
        let dir = FileManager.default.temporaryDirectory
        func errors(_ text: String) -> [String] {
            let file = dir.appendingPathComponent("rule-\(UUID().uuidString).yaml")
            try? text.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            do { _ = try ExperimentRunner.load(file.path, overrides: []); return [] } catch let e as ConfigErrors {
                return e.diagnostics.map { $0.description.replacingOccurrences(of: file.path, with: "F") }
            } catch { return ["\(error)"] }
        }
        XCTAssertEqual(errors("loss: {variant: batch_hard}\n"),
                       ["F:1:17: loss.variant batch_hard mines triplets inside P x K batches: set training.batch to {classes: P, per_class: K}"])
        XCTAssertEqual(errors("training: {batch: {triplets: null, classes: 4, per_class: 3}}\n"), [],
                       "std_triplet takes every triplet of a P x K batch")
        XCTAssertEqual(errors("loss: {variant: batch_hard}\ntraining: {batch: {triplets: null, classes: 4, per_class: 3}}\n"), [])
        XCTAssertEqual(errors("loss: {variant: contrastive}\n"), [])
        XCTAssertEqual(errors("loss: {variant: alt_triplet, soft_margin: true}\n"),
                       ["F:1:43: loss.soft_margin applies only when loss.variant is std_triplet or semi_hard or batch_hard or batch_all (it is alt_triplet)"])
    }

    /// A value a stage does not know is a plan error at its position, never a default.
    func testUnknownValueIsAPlanErrorWithItsPosition() throws {
        let loaded = try ExperimentRunner.load(smoke, overrides: [])
        var values = loaded.values.all
        values["loss.variant"] = .string("quadruplet")
        let mark = SourceMark(file: "x.yaml", line: 7, column: 12)
        let bogus = ResolvedExperiment(file: "x.yaml", values: ResolvedValues(values), marks: ["loss.variant": mark])
        let memo = FingerprintMemo(file: FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID().uuidString)"))
        XCTAssertThrowsError(try Planner.plan(bogus, memo: memo)) { error in
            let d = (error as? ConfigErrors)?.diagnostics.first
            XCTAssertEqual(d?.mark, mark)
            XCTAssert(d?.message.hasPrefix("loss.variant: 'quadruplet' is a value krill cannot use here") == true, "\(error)")
        }
    }
}
