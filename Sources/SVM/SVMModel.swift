import Linalg
import CSVM

/// libsvm writes training progress to stdout through a global print function: replace
/// it once, before the first training, with one that prints nothing. A global `let` is
/// initialised exactly once, thread-safely.
let silenceLibsvm: Void = {
    svm_set_print_string_function { _ in }
}()

/// A trained C-SVC (one-vs-one over the classes), trained by libsvm one pair of classes at
/// a time (`PairwiseSVC`: the pairs side by side on `threads` threads, each the very binary
/// problem libsvm's multi-class training solves for it) and assembled into the
/// `SVMPredictor` libsvm's multi-class model would hold.
///
/// Up to `config.precomputedKernelLimit` training rows every pair gets its kernel matrix
/// precomputed (libsvm's `PRECOMPUTED` kernel: row i is its serial number i+1, then
/// K(x_i, x_j) for every j of the pair), read from one matrix of all rows; above it, pairs
/// of at most `PairwiseSVC.pairKernelLimit` rows get theirs, bigger pairs the features
/// (index 1...D, zeros included, as scikit-learn's dense libsvm sees them).
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
    /// Pairs of classes whose kernel matrix was precomputed, of k (k - 1) / 2.
    public let precomputedPairs: Int
    /// Whether libsvm was given precomputed kernel matrices (for some pair of classes).
    public var usesPrecomputedKernel: Bool { precomputedPairs > 0 }
    /// The support vectors, coefficients and offsets: everything prediction needs.
    public let predictor: SVMPredictor
    /// libsvm's binary model of every pair (i < j, in order), kept only for
    /// `predictWithLibsvm` (the tests' reference).
    private let pairModels: [LibsvmBinaryModel]

    /// Trains on n x d row-major features with one integer class label per row, the pairs
    /// of classes on up to `threads` threads (the model does not depend on it).
    /// - Throws: `SVMError.invalidInput` for mismatched shapes or no rows,
    ///   `SVMError.invalidParameter` with libsvm's own message for bad parameters.
    public static func fit(x: [Float], n: Int, d: Int, labels: [Int], config: SVMConfig, threads: Int = 2) throws -> SVMModel {
        try SVMModel(x: x, n: n, d: d, labels: labels, config: config, threads: threads, keepLibsvmModels: false)
    }

    /// `fit`, keeping libsvm's pair models for `predictWithLibsvm`.
    static func fitKeepingLibsvmModels(x: [Float], n: Int, d: Int, labels: [Int], config: SVMConfig,
                                       threads: Int = 2) throws -> SVMModel {
        try SVMModel(x: x, n: n, d: d, labels: labels, config: config, threads: threads, keepLibsvmModels: true)
    }

    private init(x: [Float], n: Int, d: Int, labels: [Int], config: SVMConfig, threads: Int, keepLibsvmModels: Bool) throws {
        guard n > 0, d > 0 else { throw SVMError.invalidInput("need at least one row and one feature, got \(n) x \(d)") }
        guard x.count == n * d else { throw SVMError.invalidInput("\(x.count) values for \(n) x \(d)") }
        guard labels.count == n else { throw SVMError.invalidInput("\(labels.count) labels for \(n) rows") }
        _ = silenceLibsvm
        let gamma = config.resolvedGamma(x, n: n, d: d)
        // Stable sort by class: libsvm numbers classes by first appearance.
        let order = (0..<n).sorted { labels[$0] != labels[$1] ? labels[$0] < labels[$1] : $0 < $1 }
        let parameter = SVMModel.parameter(config, gamma: gamma)

        // Check the parameters before allocating anything large.
        do {
            var probeY = [Double](repeating: 0, count: 1)
            var probeNode = [svm_node(index: -1, value: 0)]
            var probeParameter = parameter
            let message: String? = probeNode.withUnsafeMutableBufferPointer { nb in
                var probeRow: [UnsafeMutablePointer<svm_node>?] = [nb.baseAddress!]
                return probeY.withUnsafeMutableBufferPointer { yb in
                    probeRow.withUnsafeMutableBufferPointer { rb in
                        var problem = svm_problem(l: 1, y: yb.baseAddress!, x: rb.baseAddress!)
                        return svm_check_parameter(&problem, &probeParameter).map { String(cString: $0) }
                    }
                }
            }
            if let message { throw SVMError.invalidParameter(message) }
        }

        var sortedX = [Double](repeating: 0, count: n * d)
        for (r, i) in order.enumerated() { for j in 0..<d { sortedX[r * d + j] = Double(x[i * d + j]) } }
        var classes: [Int] = []
        var starts: [Int] = []
        for (r, i) in order.enumerated() where classes.last != labels[i] {
            classes.append(labels[i])
            starts.append(r)
        }
        starts.append(n)
        let k = classes.count
        // class_weight: libsvm multiplies C by the class's weight.
        let weights: [Double] = (0..<k).map { c in
            config.classWeight == .balanced ? Double(n) / (Double(k) * Double(starts[c + 1] - starts[c])) : 1
        }
        let kernel = KernelMatrix(kernel: config.kernel, gamma: gamma, coef0: config.coef0, degree: config.degree)
        let solved = PairwiseSVC.solve(x: sortedX, d: d, starts: starts, weights: weights, parameter: parameter,
                                       kernel: kernel, precomputedKernelLimit: config.precomputedKernelLimit,
                                       keepModels: keepLibsvmModels, threads: threads)
        guard solved.allSatisfy({ $0 != nil }) else { throw SVMError.invalidInput("libsvm returned no model") }
        let solutions = solved.map { $0! }

        // A row is a support vector when it has a nonzero coefficient in any of its pairs.
        var pairIndex = [[Int]](repeating: [Int](repeating: -1, count: k), count: k)
        var p = 0
        for a in 0..<k { for b in (a + 1)..<k { pairIndex[a][b] = p; pairIndex[b][a] = p; p += 1 } }
        /// The coefficient of sorted row r (of class c) in its pair with class q.
        func coefficient(_ r: Int, _ c: Int, _ q: Int) -> Double {
            let s = solutions[pairIndex[c][q]]
            // The pair holds the lower class's rows first.
            let offset = c < q ? r - starts[c] : (starts[q + 1] - starts[q]) + (r - starts[c])
            return s.alpha[offset]
        }
        var supportRows: [[Int]] = []
        for c in 0..<k {
            supportRows.append((starts[c]..<starts[c + 1]).filter { r in
                (0..<k).contains { q in q != c && coefficient(r, c, q) != 0 }
            })
        }
        var sv: [Double] = []
        for rows in supportRows { for r in rows { sv.append(contentsOf: sortedX[(r * d)..<((r + 1) * d)]) } }
        // coefficients[c] is (k - 1) x nSV[c]: row (q > c ? q - 1 : q) for the pair with q.
        let coefficients: [[Double]] = (0..<k).map { c in
            let width = supportRows[c].count
            var m = [Double](repeating: 0, count: max(k - 1, 0) * width)
            for q in 0..<k where q != c {
                let row = q > c ? q - 1 : q
                for (t, r) in supportRows[c].enumerated() { m[row * width + t] = coefficient(r, c, q) }
            }
            return m
        }
        self.dimensions = d
        self.config = config
        self.gamma = gamma
        self.classes = classes
        self.supportVectorCount = supportRows.reduce(0) { $0 + $1.count }
        self.precomputedPairs = solutions.filter(\.precomputed).count
        self.pairModels = solutions.compactMap(\.model)
        self.predictor = SVMPredictor(kernel: config.kernel, gamma: gamma, coef0: config.coef0, degree: config.degree,
                                      dimensions: d, classes: classes, counts: supportRows.map(\.count),
                                      supportVectors: sv, coefficients: coefficients, rho: solutions.map(\.rho))
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

    /// libsvm's own decision values (`svm_predict_values` of every pair's binary model), one
    /// row at a time, and libsvm's vote (the first class with the most wins): the reference
    /// `predict` is tested against. Needs a model from `fitKeepingLibsvmModels`.
    func predictWithLibsvm(_ x: [Float], n: Int) -> [Int] {
        let d = dimensions, k = classes.count
        guard k > 1 else { return [Int](repeating: classes.first ?? 0, count: n) }
        precondition(pairModels.count == k * (k - 1) / 2, "predictWithLibsvm needs fitKeepingLibsvmModels")
        return (0..<n).map { i in
            let row = (0..<d).map { Double(x[i * d + $0]) }
            var votes = [Int](repeating: 0, count: k)
            var p = 0
            for a in 0..<k {
                for b in (a + 1)..<k {
                    if pairModels[p].decisionValue(row) > 0 { votes[a] += 1 } else { votes[b] += 1 }
                    p += 1
                }
            }
            var best = 0
            for c in 1..<k where votes[c] > votes[best] { best = c }
            return classes[best]
        }
    }
}
