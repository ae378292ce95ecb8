import CSVM
import Linalg

/// libsvm's one-vs-one C-SVC, one pair of classes at a time: the binary problem of classes
/// a < b (a's rows, then b's, as libsvm's `svm_train` cuts them out of the class-sorted
/// data) goes to libsvm's own `svm_train` with targets +1 / -1 and the two classes'
/// weighted C, exactly the call libsvm makes for that pair inside a multi-class training.
/// Solving the k (k - 1) / 2 pairs side by side on `threads` threads (each pair on one) is
/// what makes the fit scale with cores. Up to `precomputedKernelLimit` training rows, every
/// pair gets its kernel values, read from one matrix of all rows, as libsvm's PRECOMPUTED
/// kernel (every kernel evaluation of the solver a lookup); above it, a pair of at most
/// `pairKernelLimit` rows gets its own kernel matrix by one dgemm, a bigger pair the
/// feature vectors.
///
/// The pairs' solutions are then assembled as libsvm assembles them: a row is a support
/// vector when its coefficient is nonzero in any of its class's pairs; for class c's
/// support vectors, row `p > c ? p - 1 : p` of its coefficient block holds the
/// coefficients of its pair with class p (zero where the row was not a support vector of
/// that pair); rho is each pair's offset.
struct PairwiseSVC {
    /// One solved pair: the coefficient (alpha times target) of every row of the pair
    /// (a's rows, then b's) and the offset.
    struct Solution {
        var alpha: [Double]
        var rho: Double
        var precomputed: Bool
        /// libsvm's binary model, kept only when asked (the tests' reference predictions).
        var model: LibsvmBinaryModel?
    }

    /// - Parameters:
    ///   - x: n x d training rows sorted by class, in Double.
    ///   - starts: k + 1 offsets: class c's rows are `starts[c] ..< starts[c + 1]`.
    ///   - weights: per class, the factor on C (1 without class weights).
    static func solve(x: [Double], d: Int, starts: [Int], weights: [Double], parameter: svm_parameter,
                      kernel: KernelMatrix, precomputedKernelLimit: Int, keepModels: Bool,
                      threads: Int) -> [Solution?] {
        let k = starts.count - 1
        var pairs: [(Int, Int)] = []
        for a in 0..<k { for b in (a + 1)..<k { pairs.append((a, b)) } }
        let n = starts[k]
        var solutions = [Solution?](repeating: nil, count: pairs.count)
        Gemm.withSingleThreadedBLAS {
            // Up to the limit, every pair reads its kernel from one matrix of all rows (class c's
            // block shared by its k - 1 pairs); above it, a pair of at most `pairKernelLimit`
            // rows gets its own by one dgemm, a bigger one the features.
            let gram = !pairs.isEmpty && n <= precomputedKernelLimit ? Gram(x, n: n, d: d, kernel: kernel, threads: threads) : nil
            let pairLimit = gram != nil ? n : min(precomputedKernelLimit, pairKernelLimit)
            func size(_ pair: (Int, Int)) -> Int { starts[pair.0 + 1] - starts[pair.0] + starts[pair.1 + 1] - starts[pair.1] }
            // Pairs given the features point into one node array of all rows (16 bytes per
            // value), rather than each a copy of its rows.
            let anyFeatures = pairs.contains { size($0) > pairLimit }
            let features = anyFeatures ? FeatureNodes(x, n: n, d: d) : nil
            solutions.withUnsafeMutableBufferPointer { sb in
                let sp = sb.baseAddress!
                x.withUnsafeBufferPointer { xb in
                    Parallel.forEachChunk(pairs.count, chunks: pairs.count, threads: threads) { _, p, _ in
                        let (a, b) = pairs[p]
                        sp[p] = solvePair(xb.baseAddress!, d: d, a: starts[a]..<starts[a + 1], b: starts[b]..<starts[b + 1],
                                          weights: (weights[a], weights[b]), parameter: parameter, kernel: kernel, gram: gram,
                                          features: features, precomputedKernelLimit: pairLimit,
                                          keepModel: keepModels)
                    }
                }
            }
        }
        return solutions
    }

    /// Above `precomputedKernelLimit` training rows, the largest pair whose kernel matrix is
    /// still computed up front. Measured on two cores (64-dimensional embeddings, 27 classes):
    /// per-pair kernels halved the fit with pairs of 740 rows (10,000 rows in all) and doubled
    /// it with pairs of 1,480 and 2,000 (20,000 and 27,000 rows): filling m² libsvm nodes
    /// then costs more than the solver's own cached kernel evaluations.
    static let pairKernelLimit = 1000

    /// K(x_i, x_j) for all n training rows, by `KernelMatrix.fill` in blocks of 256 rows.
    final class Gram: @unchecked Sendable {
        let n: Int
        let values: [Double]

        init(_ x: [Double], n: Int, d: Int, kernel: KernelMatrix, threads: Int) {
            self.n = n
            var values = [Double](repeating: 0, count: n * n)
            let squares = x.withUnsafeBufferPointer { KernelMatrix.squares($0.baseAddress!, n: n, d: d) }
            let block = 256
            x.withUnsafeBufferPointer { xb in
                squares.withUnsafeBufferPointer { sb in
                    values.withUnsafeMutableBufferPointer { vb in
                        let xp = xb.baseAddress!, sp = sb.baseAddress!, vp = vb.baseAddress!
                        let blocks = (n + block - 1) / block
                        Parallel.forEachChunk(blocks, chunks: blocks, threads: threads) { _, b, _ in
                            let r0 = b * block, rows = min(block, n - r0)
                            kernel.fill(vp + r0 * n, a: xp + r0 * d, m: rows, aSquares: sp + r0, b: xp, n: n, bSquares: sp, d: d)
                        }
                    }
                }
            }
            self.values = values
        }
    }

    /// libsvm's nodes for all n training rows' features (index 1...d, zeros included, as
    /// scikit-learn's dense libsvm sees them), shared by the pairs given the features.
    final class FeatureNodes: @unchecked Sendable {
        let d: Int
        private let nodes: UnsafeMutablePointer<svm_node>

        init(_ x: [Double], n: Int, d: Int) {
            self.d = d
            nodes = .allocate(capacity: n * (d + 1))
            for r in 0..<n {
                let row = nodes + r * (d + 1)
                for j in 0..<d { row[j] = svm_node(index: Int32(j + 1), value: x[r * d + j]) }
                row[d] = svm_node(index: -1, value: 0)
            }
        }

        deinit { nodes.deallocate() }

        /// Training row r's nodes.
        func row(_ r: Int) -> UnsafeMutablePointer<svm_node> { nodes + r * (d + 1) }
    }

    /// libsvm's binary C-SVC on rows `a` (target +1) and `b` (target -1) of x.
    static func solvePair(_ x: UnsafePointer<Double>, d: Int, a: Range<Int>, b: Range<Int>, weights: (Double, Double),
                          parameter: svm_parameter, kernel: KernelMatrix, gram: Gram?, features: FeatureNodes?,
                          precomputedKernelLimit: Int, keepModel: Bool) -> Solution? {
        let m = a.count + b.count
        let precomputed = m <= precomputedKernelLimit
        // A precomputed pair's rows, contiguous (its kernel, or the reference's queries, need them).
        var rowsX: [Double] = []
        if precomputed {
            rowsX = [Double](repeating: 0, count: m * d)
            rowsX.withUnsafeMutableBufferPointer { rb in
                (rb.baseAddress!).update(from: x + a.lowerBound * d, count: a.count * d)
                (rb.baseAddress! + a.count * d).update(from: x + b.lowerBound * d, count: b.count * d)
            }
        }
        let problem = LibsvmBinaryModel.Problem(rows: rowsX, m: m, d: d, positives: a.count, precomputed: precomputed,
                                                 kernel: kernel, global: Array(a) + Array(b),
                                                 gram: precomputed ? gram : nil, features: precomputed ? nil : features)
        var parameter = parameter
        if problem.precomputed { parameter.kernel_type = Int32(PRECOMPUTED) }
        guard let model = LibsvmBinaryModel(problem: problem, parameter: parameter, weights: weights) else { return nil }
        // alpha_i y_i as libsvm's multi-class training keeps it: -0.0 for the non-support rows
        // of the second class (target -1), so that the predictors agree bit for bit.
        var alpha = (0..<m).map { $0 < a.count ? 0.0 : -0.0 }
        let raw = model.model.pointee
        for t in 0..<Int(raw.l) { alpha[Int(raw.sv_indices[t]) - 1] = raw.sv_coef[0]![t] }
        return Solution(alpha: alpha, rho: raw.rho[0], precomputed: problem.precomputed, model: keepModel ? model : nil)
    }
}

/// A binary libsvm model with the problem it points into (libsvm's model does not copy its
/// support vectors' nodes): freed together.
final class LibsvmBinaryModel: @unchecked Sendable {
    /// The nodes of a binary problem: the pair's feature rows, or (precomputed) each row's
    /// serial number and its kernel values with every row of the pair.
    struct Problem {
        let m: Int
        let d: Int
        let positives: Int
        let precomputed: Bool
        /// m x d rows of a precomputed pair (its kernel and the reference's queries need them).
        let rows: [Double]
        let rowSquares: [Double]
        let kernel: KernelMatrix
        /// Each row of the pair as a row of the training data.
        let global: [Int]
        /// The kernel of all training rows, when a precomputed pair reads its values there.
        let gram: PairwiseSVC.Gram?
        /// The feature nodes of all training rows, when the pair is given the features.
        let features: PairwiseSVC.FeatureNodes?

        init(rows: [Double], m: Int, d: Int, positives: Int, precomputed: Bool, kernel: KernelMatrix, global: [Int],
             gram: PairwiseSVC.Gram?, features: PairwiseSVC.FeatureNodes?) {
            precondition(precomputed || features != nil, "a pair given the features needs the feature nodes")
            self.rows = rows
            self.m = m
            self.d = d
            self.positives = positives
            self.precomputed = precomputed
            self.kernel = kernel
            self.global = global
            self.gram = gram
            self.features = features
            rowSquares = rows.isEmpty ? [] : rows.withUnsafeBufferPointer { KernelMatrix.squares($0.baseAddress!, n: m, d: d) }
        }

        /// Nodes of one query: its kernel values with the pair's rows, or its features.
        var queryWidth: Int { precomputed ? m + 2 : d + 1 }
    }

    let problem: Problem
    let model: UnsafeMutablePointer<svm_model>
    private let nodes: UnsafeMutablePointer<svm_node>?
    private let rowPointers: UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>
    private let targets: UnsafeMutablePointer<Double>

    init?(problem: Problem, parameter: svm_parameter, weights: (Double, Double)) {
        let m = problem.m, d = problem.d
        // Own nodes only for a precomputed pair (its kernel rows); a pair given the features
        // points into the shared nodes of all training rows.
        let width = problem.precomputed ? m + 2 : 0
        let nodes: UnsafeMutablePointer<svm_node>? = problem.precomputed ? .allocate(capacity: m * width) : nil
        let rowPointers = UnsafeMutablePointer<UnsafeMutablePointer<svm_node>?>.allocate(capacity: m)
        let targets = UnsafeMutablePointer<Double>.allocate(capacity: m)
        if let nodes, let gram = problem.gram {
            gram.values.withUnsafeBufferPointer { gb in
                for r in 0..<m {
                    let row = nodes + r * width
                    row[0] = svm_node(index: 0, value: Double(r + 1))
                    let kv = gb.baseAddress! + problem.global[r] * gram.n
                    for j in 0..<m { row[j + 1] = svm_node(index: Int32(j + 1), value: kv[problem.global[j]]) }
                    row[m + 1] = svm_node(index: -1, value: 0)
                }
            }
        } else if let nodes {
            let block = max(1, min(m, 256))
            var buffer = [Double](repeating: 0, count: block * m)
            problem.rows.withUnsafeBufferPointer { xb in
                problem.rowSquares.withUnsafeBufferPointer { sb in
                    buffer.withUnsafeMutableBufferPointer { bb in
                        let xp = xb.baseAddress!
                        var r0 = 0
                        while r0 < m {
                            let rows = min(block, m - r0)
                            problem.kernel.fill(bb.baseAddress!, a: xp + r0 * d, m: rows, aSquares: sb.baseAddress! + r0,
                                                b: xp, n: m, bSquares: sb.baseAddress!, d: d)
                            for t in 0..<rows {
                                let row = nodes + (r0 + t) * width
                                row[0] = svm_node(index: 0, value: Double(r0 + t + 1))
                                let kv = bb.baseAddress! + t * m
                                for j in 0..<m { row[j + 1] = svm_node(index: Int32(j + 1), value: kv[j]) }
                                row[m + 1] = svm_node(index: -1, value: 0)
                            }
                            r0 += rows
                        }
                    }
                }
            }
        }
        for r in 0..<m {
            rowPointers[r] = nodes.map { $0 + r * width } ?? problem.features!.row(problem.global[r])
            targets[r] = r < problem.positives ? 1 : -1
        }
        var svmProblem = svm_problem(l: Int32(m), y: targets, x: rowPointers)
        var parameter = parameter
        var labels: [Int32] = [1, -1]
        var factors = [weights.0, weights.1]
        let trained: UnsafeMutablePointer<svm_model>? = labels.withUnsafeMutableBufferPointer { lb in
            factors.withUnsafeMutableBufferPointer { fb in
                parameter.nr_weight = 2
                parameter.weight_label = lb.baseAddress
                parameter.weight = fb.baseAddress
                return svm_train(&svmProblem, &parameter)
            }
        }
        guard let trained else {
            nodes?.deallocate(); rowPointers.deallocate(); targets.deallocate()
            return nil
        }
        self.problem = problem
        self.nodes = nodes
        self.rowPointers = rowPointers
        self.targets = targets
        model = trained
    }

    deinit {
        var m: UnsafeMutablePointer<svm_model>? = model
        svm_free_and_destroy_model(&m)
        nodes?.deallocate()
        rowPointers.deallocate()
        targets.deallocate()
    }

    /// libsvm's own decision value for one query row (d values): positive votes for the
    /// pair's first class.
    func decisionValue(_ row: [Double]) -> Double {
        let p = problem
        let query = UnsafeMutablePointer<svm_node>.allocate(capacity: p.queryWidth)
        defer { query.deallocate() }
        if p.precomputed {
            var kv = [Double](repeating: 0, count: p.m)
            let square = KernelMatrix.squares(row, n: 1, d: p.d)
            p.rows.withUnsafeBufferPointer { rb in
                p.rowSquares.withUnsafeBufferPointer { sb in
                    kv.withUnsafeMutableBufferPointer { kb in
                        p.kernel.fill(kb.baseAddress!, a: row, m: 1, aSquares: square, b: rb.baseAddress!, n: p.m,
                                      bSquares: sb.baseAddress!, d: p.d)
                    }
                }
            }
            query[0] = svm_node(index: 0, value: 0)
            for j in 0..<p.m { query[j + 1] = svm_node(index: Int32(j + 1), value: kv[j]) }
            query[p.m + 1] = svm_node(index: -1, value: 0)
        } else {
            for j in 0..<p.d { query[j] = svm_node(index: Int32(j + 1), value: row[j]) }
            query[p.d] = svm_node(index: -1, value: 0)
        }
        var value = 0.0
        _ = svm_predict_values(model, query, &value)
        return value
    }
}

extension SVMModel {
    /// The reference for `PairwiseSVC`: libsvm's own multi-class `svm_train` on the feature
    /// vectors (all pairs in one call, on one thread), read into a predictor. The tests
    /// check that the pairwise training assembles the very same predictor, bit for bit.
    static func libsvmMulticlassReference(x: [Float], n: Int, d: Int, labels: [Int], config: SVMConfig) -> SVMPredictor? {
        _ = silenceLibsvm
        let gamma = config.resolvedGamma(x, n: n, d: d)
        let order = (0..<n).sorted { labels[$0] != labels[$1] ? labels[$0] < labels[$1] : $0 < $1 }
        var sortedX = [Double](repeating: 0, count: n * d)
        for (r, i) in order.enumerated() { for j in 0..<d { sortedX[r * d + j] = Double(x[i * d + j]) } }
        var nodes = [svm_node](repeating: svm_node(index: -1, value: 0), count: n * (d + 1))
        for r in 0..<n { for j in 0..<d { nodes[r * (d + 1) + j] = svm_node(index: Int32(j + 1), value: sortedX[r * d + j]) } }
        var targets = order.map { Double(labels[$0]) }
        var parameter = SVMModel.parameter(config, gamma: gamma)
        var weightLabels: [Int32] = [], weights: [Double] = []
        if config.classWeight == .balanced {
            var counts: [Int: Int] = [:]
            for label in labels { counts[label, default: 0] += 1 }
            for (label, count) in counts.sorted(by: { $0.key < $1.key }) {
                weightLabels.append(Int32(label))
                weights.append(Double(n) / (Double(counts.count) * Double(count)))
            }
        }
        return nodes.withUnsafeMutableBufferPointer { nb -> SVMPredictor? in
            var rows: [UnsafeMutablePointer<svm_node>?] = (0..<n).map { nb.baseAddress! + $0 * (d + 1) }
            return rows.withUnsafeMutableBufferPointer { rb in
                targets.withUnsafeMutableBufferPointer { tb in
                    weightLabels.withUnsafeMutableBufferPointer { wl in
                        weights.withUnsafeMutableBufferPointer { w in
                            var problem = svm_problem(l: Int32(n), y: tb.baseAddress!, x: rb.baseAddress!)
                            parameter.nr_weight = Int32(wl.count)
                            parameter.weight_label = wl.isEmpty ? nil : wl.baseAddress
                            parameter.weight = w.isEmpty ? nil : w.baseAddress
                            guard let model = svm_train(&problem, &parameter) else { return nil }
                            defer { var m: UnsafeMutablePointer<svm_model>? = model; svm_free_and_destroy_model(&m) }
                            let l = Int(model.pointee.l), k = Int(model.pointee.nr_class)
                            var sv = [Double](repeating: 0, count: l * d)
                            for t in 0..<l {
                                let row = Int(model.pointee.sv_indices[t]) - 1
                                for j in 0..<d { sv[t * d + j] = sortedX[row * d + j] }
                            }
                            var starts = [0]
                            for c in 0..<k { starts.append(starts[c] + Int(model.pointee.nSV[c])) }
                            let coefficients: [[Double]] = (0..<k).map { c in
                                let width = starts[c + 1] - starts[c]
                                var m = [Double](repeating: 0, count: max(k - 1, 0) * width)
                                for r in 0..<(k - 1) {
                                    for t in 0..<width { m[r * width + t] = model.pointee.sv_coef[r]![starts[c] + t] }
                                }
                                return m
                            }
                            let classes = (0..<k).map { Int(model.pointee.label[$0]) }
                            return SVMPredictor(kernel: config.kernel, gamma: gamma, coef0: config.coef0, degree: config.degree,
                                                dimensions: d, classes: classes, counts: (0..<k).map { Int(model.pointee.nSV[$0]) },
                                                supportVectors: sv, coefficients: coefficients,
                                                rho: (0..<(k * (k - 1) / 2)).map { model.pointee.rho[$0] })
                        }
                    }
                }
            }
        }
    }
}
