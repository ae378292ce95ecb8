import CSVM
import Dispatch

/// libsvm writes training progress to stdout through a global print function: replace
/// it once, before the first training, with one that prints nothing. A global `let` is
/// initialised exactly once, thread-safely.
private let silenceLibsvm: Void = {
    svm_set_print_string_function { _ in }
}()

/// A trained C-SVC (one-vs-one over the classes) owning its libsvm model.
///
/// libsvm's model points into the training `svm_node` arrays (its support vectors are
/// not copied), so the model keeps the one contiguous allocation of all training nodes
/// alive until it is freed itself. Prediction only reads the model and is safe from
/// several threads.
public final class SVMModel: @unchecked Sendable {
    /// Feature count D.
    public let dimensions: Int
    /// The configuration it was trained with, and the gamma actually used.
    public let config: SVMConfig
    public let gamma: Double
    /// The classes in libsvm's internal order (increasing: the training rows are sorted
    /// by class first, as scikit-learn's libsvm orders them, so ties in the one-vs-one
    /// vote go the same way).
    public let classes: [Int]
    /// Number of support vectors.
    public let supportVectorCount: Int

    private let model: UnsafeMutablePointer<svm_model>
    private let nodes: UnsafeMutablePointer<svm_node>
    private let rows: UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>
    private let targets: UnsafeMutablePointer<Double>

    /// Trains on n x d row-major features with one integer class label per row.
    /// - Throws: `SVMError.invalidInput` for mismatched shapes or no rows,
    ///   `SVMError.invalidParameter` with libsvm's own message for bad parameters.
    public static func fit(x: [Float], n: Int, d: Int, labels: [Int], config: SVMConfig) throws -> SVMModel {
        try SVMModel(x: x, n: n, d: d, labels: labels, config: config)
    }

    private init(x: [Float], n: Int, d: Int, labels: [Int], config: SVMConfig) throws {
        guard n > 0, d > 0 else { throw SVMError.invalidInput("need at least one row and one feature, got \(n) x \(d)") }
        guard x.count == n * d else { throw SVMError.invalidInput("\(x.count) values for \(n) x \(d)") }
        guard labels.count == n else { throw SVMError.invalidInput("\(labels.count) labels for \(n) rows") }
        _ = silenceLibsvm
        let gamma = config.resolvedGamma(x, n: n, d: d)
        // Stable sort by class: libsvm numbers classes by first appearance.
        let order = (0..<n).sorted { labels[$0] != labels[$1] ? labels[$0] < labels[$1] : $0 < $1 }

        let nodes = UnsafeMutablePointer<svm_node>.allocate(capacity: n * (d + 1))
        let rows = UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>.allocate(capacity: n)
        let targets = UnsafeMutablePointer<Double>.allocate(capacity: n)
        for (r, i) in order.enumerated() {
            let row = nodes + r * (d + 1)
            for j in 0..<d { row[j] = svm_node(index: Int32(j + 1), value: Double(x[i * d + j])) }
            row[d] = svm_node(index: -1, value: 0)
            rows[r] = row
            targets[r] = Double(labels[i])
        }
        var problem = svm_problem(l: Int32(n), y: targets, x: rows)
        var parameter = SVMModel.parameter(config, gamma: gamma)
        if let message = svm_check_parameter(&problem, &parameter) {
            nodes.deallocate(); rows.deallocate(); targets.deallocate()
            throw SVMError.invalidParameter(String(cString: message))
        }
        guard let model = svm_train(&problem, &parameter) else {
            nodes.deallocate(); rows.deallocate(); targets.deallocate()
            throw SVMError.invalidInput("libsvm returned no model")
        }
        self.model = model
        self.nodes = nodes
        self.rows = rows
        self.targets = targets
        self.dimensions = d
        self.config = config
        self.gamma = gamma
        let classCount = Int(svm_get_nr_class(model))
        var classLabels = [Int32](repeating: 0, count: classCount)
        svm_get_labels(model, &classLabels)
        self.classes = classLabels.map(Int.init)
        self.supportVectorCount = Int(svm_get_nr_sv(model))
    }

    deinit {
        var m: UnsafeMutablePointer<svm_model>? = model
        svm_free_and_destroy_model(&m)
        nodes.deallocate()
        rows.deallocate()
        targets.deallocate()
    }

    static func parameter(_ config: SVMConfig, gamma: Double) -> svm_parameter {
        var p = svm_parameter()
        p.svm_type = Int32(C_SVC)
        switch config.kernel {
        case .linear: p.kernel_type = Int32(LINEAR)
        case .poly: p.kernel_type = Int32(POLY)
        case .rbf: p.kernel_type = Int32(RBF)
        }
        p.degree = Int32(config.degree)
        p.gamma = gamma
        p.coef0 = config.coef0
        p.cache_size = config.cacheMB
        p.eps = config.tolerance
        p.C = config.C
        p.nr_weight = 0
        p.weight_label = nil
        p.weight = nil
        p.nu = 0.5
        p.p = 0.1
        p.shrinking = config.shrinking ? 1 : 0
        p.probability = 0
        return p
    }

    /// The predicted class of each of the n rows of `x` (n x d, row-major). Rows are
    /// split over up to `threads` threads; each prediction is independent, so the result
    /// does not depend on the thread count.
    public func predict(_ x: [Float], n: Int, threads: Int = 2) -> [Int] {
        precondition(x.count == n * dimensions, "SVM predict: \(x.count) values for \(n) x \(dimensions)")
        guard n > 0 else { return [] }
        var out = [Int](repeating: 0, count: n)
        let d = dimensions
        let workers = max(1, min(threads, n / 64 + 1))
        x.withUnsafeBufferPointer { xb in
            out.withUnsafeMutableBufferPointer { ob in
                let xp = xb.baseAddress!
                let op = ob.baseAddress!
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    let query = UnsafeMutablePointer<svm_node>.allocate(capacity: d + 1)
                    defer { query.deallocate() }
                    query[d] = svm_node(index: -1, value: 0)
                    for i in (n * w / workers)..<(n * (w + 1) / workers) {
                        for j in 0..<d { query[j] = svm_node(index: Int32(j + 1), value: Double(xp[i * d + j])) }
                        op[i] = Int(svm_predict(model, query))
                    }
                }
            }
        }
        return out
    }
}
