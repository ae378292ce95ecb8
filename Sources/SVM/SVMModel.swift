import Linalg
import CSVM

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
///
/// Up to `config.precomputedKernelLimit` training rows the nodes hold the precomputed
/// kernel matrix (libsvm's `PRECOMPUTED` kernel: row i is its serial number i+1, then
/// K(x_i, x_j) for every j); above it they hold the features (index 1...D, zeros
/// included, as scikit-learn's dense libsvm sees them).
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
    /// Whether libsvm was given the precomputed kernel matrix.
    public let usesPrecomputedKernel: Bool

    private let model: UnsafeMutablePointer<svm_model>
    private let nodes: UnsafeMutablePointer<svm_node>
    private let rows: UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>
    private let targets: UnsafeMutablePointer<Double>
    private let trainCount: Int
    /// The support vectors, coefficients and offsets: everything prediction needs.
    public let predictor: SVMPredictor

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
        let precomputed = n <= config.precomputedKernelLimit
        var parameter = SVMModel.parameter(config, gamma: gamma)

        // Check the parameters before allocating anything large.
        do {
            var probeY = [Double](repeating: 0, count: 1)
            var probeNode = [svm_node(index: -1, value: 0)]
            let message: String? = probeNode.withUnsafeMutableBufferPointer { nb in
                var probeRow: [UnsafeMutablePointer<svm_node>?] = [nb.baseAddress!]
                return probeY.withUnsafeMutableBufferPointer { yb in
                    probeRow.withUnsafeMutableBufferPointer { rb in
                        var problem = svm_problem(l: 1, y: yb.baseAddress!, x: rb.baseAddress!)
                        return svm_check_parameter(&problem, &parameter).map { String(cString: $0) }
                    }
                }
            }
            if let message { throw SVMError.invalidParameter(message) }
        }

        var sortedX = [Double](repeating: 0, count: n * d)
        for (r, i) in order.enumerated() { for j in 0..<d { sortedX[r * d + j] = Double(x[i * d + j]) } }
        let width = precomputed ? n + 2 : d + 1
        let nodes = UnsafeMutablePointer<svm_node>.allocate(capacity: n * width)
        let rows = UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>.allocate(capacity: n)
        let targets = UnsafeMutablePointer<Double>.allocate(capacity: n)
        var squares: [Double] = []
        if precomputed {
            squares = sortedX.withUnsafeBufferPointer { KernelMatrix.squares($0.baseAddress!, n: n, d: d) }
            let kernel = KernelMatrix(kernel: config.kernel, gamma: gamma, coef0: config.coef0, degree: config.degree)
            let block = max(1, min(n, 256))
            var buffer = [Double](repeating: 0, count: block * n)
            sortedX.withUnsafeBufferPointer { xb in
                squares.withUnsafeBufferPointer { sb in
                    buffer.withUnsafeMutableBufferPointer { bb in
                        var r0 = 0
                        while r0 < n {
                            let m = min(block, n - r0)
                            kernel.fill(bb.baseAddress!, a: xb.baseAddress! + r0 * d, m: m, aSquares: sb.baseAddress! + r0,
                                        b: xb.baseAddress!, n: n, bSquares: sb.baseAddress!, d: d)
                            for t in 0..<m {
                                let row = nodes + (r0 + t) * width
                                row[0] = svm_node(index: 0, value: Double(r0 + t + 1))
                                let k = bb.baseAddress! + t * n
                                for j in 0..<n { row[j + 1] = svm_node(index: Int32(j + 1), value: k[j]) }
                                row[n + 1] = svm_node(index: -1, value: 0)
                            }
                            r0 += m
                        }
                    }
                }
            }
            parameter.kernel_type = Int32(PRECOMPUTED)
        } else {
            for r in 0..<n {
                let row = nodes + r * width
                for j in 0..<d { row[j] = svm_node(index: Int32(j + 1), value: sortedX[r * d + j]) }
                row[d] = svm_node(index: -1, value: 0)
            }
        }
        for (r, i) in order.enumerated() {
            rows[r] = nodes + r * width
            targets[r] = Double(labels[i])
        }
        var problem = svm_problem(l: Int32(n), y: targets, x: rows)
        // class_weight: libsvm multiplies C by weight[i] for the class weight_label[i].
        var weightLabels: [Int32] = [], weights: [Double] = []
        if config.classWeight == .balanced {
            var counts: [Int: Int] = [:]
            for label in labels { counts[label, default: 0] += 1 }
            for (label, count) in counts.sorted(by: { $0.key < $1.key }) {
                weightLabels.append(Int32(label))
                weights.append(Double(n) / (Double(counts.count) * Double(count)))
            }
        }
        let trained: UnsafeMutablePointer<svm_model>? = weightLabels.withUnsafeMutableBufferPointer { wl in
            weights.withUnsafeMutableBufferPointer { w in
                parameter.nr_weight = Int32(wl.count)
                parameter.weight_label = wl.isEmpty ? nil : wl.baseAddress
                parameter.weight = w.isEmpty ? nil : w.baseAddress
                defer { parameter.nr_weight = 0; parameter.weight_label = nil; parameter.weight = nil }
                return svm_train(&problem, &parameter)
            }
        }
        guard let model = trained else {
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
        self.usesPrecomputedKernel = precomputed
        self.trainCount = n
        // The support vectors' features (libsvm's `sv_indices` are 1-based rows of the sorted
        // training data) and coefficients, for predicting by GEMM.
        let l = Int(model.pointee.l)
        let k = Int(model.pointee.nr_class)
        var sv = [Double](repeating: 0, count: l * d)
        for t in 0..<l {
            let row = Int(model.pointee.sv_indices[t]) - 1
            for j in 0..<d { sv[t * d + j] = sortedX[row * d + j] }
        }
        var starts = [0]
        for c in 0..<k { starts.append(starts[c] + Int(model.pointee.nSV[c])) }
        // coefficients[c] is (k - 1) x nSV[c]: row r holds sv_coef[r] over class c's support vectors.
        let coefficients: [[Double]] = (0..<k).map { c in
            let width = starts[c + 1] - starts[c]
            var m = [Double](repeating: 0, count: max(k - 1, 0) * width)
            for r in 0..<(k - 1) {
                let coef = model.pointee.sv_coef[r]!
                for t in 0..<width { m[r * width + t] = coef[starts[c] + t] }
            }
            return m
        }
        let classCount = Int(svm_get_nr_class(model))
        var classLabels = [Int32](repeating: 0, count: classCount)
        svm_get_labels(model, &classLabels)
        self.classes = classLabels.map(Int.init)
        self.supportVectorCount = Int(svm_get_nr_sv(model))
        self.predictor = SVMPredictor(kernel: config.kernel, gamma: gamma, coef0: config.coef0, degree: config.degree,
                                      dimensions: d, classes: classes, counts: (0..<k).map { Int(model.pointee.nSV[$0]) },
                                      supportVectors: sv, coefficients: coefficients,
                                      rho: (0..<(k * (k - 1) / 2)).map { model.pointee.rho[$0] })
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

    /// The predicted class of each of the n rows of `x` (n x d, row-major), by
    /// `SVMPredictor.predict` (libsvm's vote, computed in bulk).
    public func predict(_ x: [Float], n: Int) -> [Int] {
        predictor.predict(x, n: n)
    }

    /// libsvm's own `svm_predict`, one row at a time: the reference `predict` is tested against.
    func predictWithLibsvm(_ x: [Float], n: Int) -> [Int] {
        let d = dimensions
        let supportVectors = predictor.supportVectors, supportSquares = predictor.supportSquares
        let l = supportVectors.count / d
        let kernel = KernelMatrix(kernel: config.kernel, gamma: gamma, coef0: config.coef0, degree: config.degree)
        let width = usesPrecomputedKernel ? trainCount + 2 : d + 1
        let query = UnsafeMutablePointer<svm_node>.allocate(capacity: width)
        defer { query.deallocate() }
        var out: [Int] = []
        var kv = [Double](repeating: 0, count: l)
        for i in 0..<n {
            let row = (0..<d).map { Double(x[i * d + $0]) }
            if usesPrecomputedKernel {
                let square = KernelMatrix.squares(row, n: 1, d: d)
                kv.withUnsafeMutableBufferPointer { kb in
                    kernel.fill(kb.baseAddress!, a: row, m: 1, aSquares: square, b: supportVectors, n: l,
                                bSquares: supportSquares, d: d)
                }
                for t in 0..<width { query[t] = svm_node(index: Int32(t), value: 0) }
                for t in 0..<l {
                    let serial = Int(model.pointee.sv_indices[t])
                    query[serial] = svm_node(index: Int32(serial), value: kv[t])
                }
                query[width - 1] = svm_node(index: -1, value: 0)
            } else {
                for j in 0..<d { query[j] = svm_node(index: Int32(j + 1), value: row[j]) }
                query[d] = svm_node(index: -1, value: 0)
            }
            out.append(Int(svm_predict(model, query)))
        }
        return out
    }
}
