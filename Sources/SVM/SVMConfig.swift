/// The parameters of a C-support-vector classifier (libsvm's C-SVC), named as in
/// scikit-learn's `SVC` with its defaults.
public struct SVMConfig: Sendable, Equatable {
    public enum Kernel: String, Codable, Sendable, CaseIterable {
        /// u·v
        case linear
        /// (gamma u·v + coef0)^degree
        case poly
        /// exp(-gamma |u-v|²)
        case rbf
    }

    /// The kernel coefficient gamma, or how to derive it from the training data.
    public enum Gamma: Sendable, Equatable {
        /// A fixed value (> 0).
        case value(Double)
        /// 1 / (D * variance of all training feature values), scikit-learn's `scale`
        /// (1 when that variance is 0).
        case scale
        /// 1 / D, scikit-learn's `auto`.
        case auto

        /// Parses `scale`, `auto` or a number.
        public init?(_ text: String) {
            switch text {
            case "scale": self = .scale
            case "auto": self = .auto
            default:
                guard let v = Double(text) else { return nil }
                self = .value(v)
            }
        }
    }

    /// How the classes' errors are weighted (scikit-learn's `class_weight`).
    public enum ClassWeight: String, Codable, Sendable, CaseIterable {
        /// Every point's error costs C.
        case none
        /// Class c's errors cost C n / (k n_c) (n points, k classes, n_c of class c), so
        /// that a rare class counts as much as a common one: scikit-learn's `"balanced"`.
        case balanced
    }

    public var kernel: Kernel
    /// Penalty of the soft margin (> 0).
    public var C: Double
    public var gamma: Gamma
    /// Independent term of the poly kernel.
    public var coef0: Double
    /// Degree of the poly kernel.
    public var degree: Int
    /// Stopping tolerance of the solver (libsvm `eps`, scikit-learn `tol`).
    public var tolerance: Double
    /// Kernel cache in MB.
    public var cacheMB: Double
    /// libsvm's shrinking heuristic (scikit-learn default: on).
    public var shrinking: Bool
    /// Up to this many training rows (n), the whole kernel matrix is computed up front with
    /// BLAS dgemms (n² x 8 bytes: 288 MB at 6,000 rows) and every pair of classes is handed to
    /// libsvm as a precomputed kernel, which makes every kernel evaluation of the solver a
    /// lookup; above it, pairs of at most 1,000 rows get their own precomputed kernel and
    /// bigger pairs have libsvm evaluate kernels on the feature vectors as it needs them.
    /// All give the same model up to rounding in the last bits of the kernel values.
    public var precomputedKernelLimit: Int
    public var classWeight: ClassWeight

    public init(kernel: Kernel = .rbf, C: Double = 1, gamma: Gamma = .scale, coef0: Double = 0, degree: Int = 3,
                tolerance: Double = 1e-3, cacheMB: Double = 200, shrinking: Bool = true,
                precomputedKernelLimit: Int = 6000, classWeight: ClassWeight = .none) {
        self.classWeight = classWeight
        self.precomputedKernelLimit = precomputedKernelLimit
        self.kernel = kernel
        self.C = C
        self.gamma = gamma
        self.coef0 = coef0
        self.degree = degree
        self.tolerance = tolerance
        self.cacheMB = cacheMB
        self.shrinking = shrinking
    }

    /// The gamma value for n x d row-major training data, resolving `scale` and `auto`.
    public func resolvedGamma(_ x: [Float], n: Int, d: Int) -> Double {
        switch gamma {
        case .value(let g): return g
        case .auto: return 1 / Double(max(d, 1))
        case .scale:
            let count = Double(n * d)
            guard count > 0 else { return 1 }
            var mean: Double = 0
            for v in x { mean += Double(v) }
            mean /= count
            var variance: Double = 0
            for v in x { let t = Double(v) - mean; variance += t * t }
            variance /= count
            return variance == 0 ? 1 : 1 / (Double(d) * variance)
        }
    }
}

/// A failure of the SVM wrapper.
public enum SVMError: Error, Equatable, CustomStringConvertible {
    /// libsvm's `svm_check_parameter` rejected the parameters; its message.
    case invalidParameter(String)
    /// The data do not match the stated shape, or there is nothing to learn from.
    case invalidInput(String)

    public var description: String {
        switch self {
        case .invalidParameter(let m): return "SVM parameters rejected by libsvm: \(m)"
        case .invalidInput(let m): return "SVM input: \(m)"
        }
    }
}
