import Charts
import Evaluation
import Experiment
import Foundation
import Pipeline
import Storage
import SVM

/// `evaluate.svm`: libsvm C-SVC settings and the splits it is fitted and tested on (also
/// read by the raw-pixel baseline).
struct SVMSettings: Codable, Hashable, Sendable {
    var kernel: SVMConfig.Kernel
    var degree: Int
    var C: Double
    var gamma: NumberOrWord
    var coef0: Double
    var fitOn: SplitName
    var testOn: SplitName
    /// nil for the default (none), so that files written before the key existed keep their keys.
    var classWeight: SVMConfig.ClassWeight?

    enum CodingKeys: String, CodingKey {
        case kernel, degree, C, gamma, coef0
        case fitOn = "fit_on"
        case testOn = "test_on"
        case classWeight = "class_weight"
    }

    /// The settings as planned: defaults that keys were written without are dropped.
    var normalized: SVMSettings {
        var s = self
        if s.classWeight == SVMConfig.ClassWeight.none { s.classWeight = nil }
        return s
    }

    /// As libsvm parameters.
    func config() throws -> SVMConfig {
        let g: SVMConfig.Gamma
        switch try gamma.word(in: ["scale", "auto"], path: "evaluate.svm.gamma") {
        case "auto": g = .auto
        case "scale": g = .scale
        default:
            guard case .number(let v) = gamma else { fatalError("unreachable") }
            g = .value(v)
        }
        return SVMConfig(kernel: kernel, C: C, gamma: g, coef0: coef0, degree: degree, classWeight: classWeight ?? .none)
    }
}

/// `svm@e`: libsvm C-SVC fitted on `fit_on`, tested on `test_on` (`svm/` files), and the
/// fitted model itself (`svm_model.bin`, an `SVMPredictor` with the class names), which
/// `krill classify --with svm` applies to new images.
struct SVMStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var epoch: Int
        var svm: SVMSettings
        enum CodingKeys: String, CodingKey {
            case epoch
            case svm = "evaluate.svm"
        }
    }

    let kind = "svm"
    /// 2: balanced accuracy in the report, the model saved.
    /// 3: libsvm trains the pairs of classes side by side.
    /// 4: above 6,000 fit rows, kernels precomputed per pair of at most 1,000 rows.
    let version = 4
    static let modelFile = "svm_model.bin"
    let parameters: Parameters
    var epoch: Int { parameters.epoch }
    var inputs: [String] { ["embed@\(epoch)"] }
    func publishedPath(of file: String) -> String? { "epoch-\(epoch)/svm/\(file)" }

    init(_ c: PlanContext) throws {
        var p = try Parameters.decode(c.experiment, facts: ["epoch": .int(c.epoch)])
        p.svm = p.svm.normalized
        parameters = p
        _ = try parameters.svm.config()
    }

    func run(_ context: StageContext) throws {
        let s = parameters.svm
        let (classes, fit, test, d) = try FitTestSets.load(context.input("embed@\(epoch)").folder, fitOn: s.fitOn.rawValue, testOn: s.testOn.rawValue)
        context.progress.status("svm@\(epoch): fitting on \(fit.n) points")
        let model = try SVMModel.fit(x: fit.values, n: fit.n, d: d, labels: fit.labels, config: try s.config())
        let predicted = model.predict(test.values, n: test.n)
        let report = try ReportFiles.writeClassifier(truth: test.labels, predicted: predicted, classNames: classes,
                                                     paths: test.paths, to: context.work)
        try AtomicFile.write(Data(model.predictor.named(classes).encoded()), to: context.work.appendingPathComponent(SVMStage.modelFile))
        try writeMetrics(["svm_accuracy": report.accuracy, "svm_balanced_accuracy": report.balancedAccuracy,
                          "svm_macro_f1": report.macro.f1], to: context.work)
    }
}

extension Evaluators {
    static let svm = EvaluatorDescriptor(
        kind: "svm", group: "evaluate.svm",
        plan: { c in c.values.enabled("evaluate.svm") ? try SVMStage(c) : nil },
        metrics: [MetricDescriptor("svm_accuracy", "SVM accuracy", headline: true, split: .key("evaluate.svm.test_on")),
                  MetricDescriptor("svm_balanced_accuracy", "SVM balanced accuracy (mean recall over classes)", split: .key("evaluate.svm.test_on")),
                  MetricDescriptor("svm_macro_f1", "SVM macro F1", split: .key("evaluate.svm.test_on"))],
        accuracySeries: [("svm_accuracy", "SVM")],
        figures: [FigureDescriptor("SVM confusion (test)", "svm/confusion.png")],
        tables: [TableDescriptor("SVM classification report", "svm/classification_report.csv")],
        draw: { d in try drawConfusion(d, "svm", title: "SVM confusion, test, epoch \(d.epoch)") })

    /// `<folder>/confusion.png` from the evaluator's `confusion.csv`.
    static func drawConfusion(_ d: ReportDrawing, _ folder: String, title: String) throws {
        let confusion = try LabelledMatrix(d.output.file("confusion.csv"))
        try Heatmap.confusion(counts: confusion.counts, labels: confusion.labels, rowLabels: confusion.rowLabels, title: title)
            .write(to: d.file("\(folder)/confusion.png"))
    }
}

/// The splits an evaluator can be fitted or tested on (`fit_on`, `test_on`).
public enum SplitName: String, Codable, CaseIterable, Sendable {
    case train, validation, test
}

/// The seen classes and two splits of an embed stage's output, restricted to those classes:
/// what an evaluator fitted on one split and tested on another reads.
enum FitTestSets {
    typealias Rows = (values: [Float], n: Int, labels: [Int], paths: [String])

    static func load(_ folder: URL, fitOn: String, testOn: String) throws -> (classes: [String], fit: Rows, test: Rows, d: Int) {
        let classes = try ClassList.read(folder).seen
        let fitSet = try EmbeddingSet.read(split: fitOn, from: folder)
        let test = try EmbeddingSet.read(split: testOn, from: folder).restricted(to: classes)
        return (classes, fitSet.restricted(to: classes), test, fitSet.d)
    }
}
