/// Parameters of a t-SNE run, named as in openTSNE/scikit-learn.
public struct TSNEConfig: Sendable, Equatable {
    /// The step size of gradient descent, or openTSNE's rule for it.
    public enum LearningRate: Sendable, Equatable {
        /// max(N / exaggeration, 50), evaluated per phase as openTSNE does: N / 12 during
        /// early exaggeration 12, N afterwards. (scikit-learn's `auto` is the same value
        /// divided by 4 because its gradient carries the factor 4 that krill's and
        /// openTSNE's omit: the steps are the same.)
        case auto
        case fixed(Double)

        /// The learning rate for n points under `exaggeration`.
        public func value(points n: Int, exaggeration: Double) -> Double {
            switch self {
            case .auto: return max(Double(n) / exaggeration, 50)
            case .fixed(let v): return v
            }
        }
    }

    /// How the repulsive forces are computed.
    public enum GradientMethod: String, Codable, CaseIterable, Sendable {
        /// Barnes-Hut below `fftThreshold` points, FFT interpolation from there up.
        case auto
        /// A quadtree walk with accuracy `theta`: O(N log N) per iteration.
        case barnesHut = "barnes_hut"
        /// Interpolation on a grid and FFT convolution (FIt-SNE; `Gradient.interpolated`).
        case fft

        /// Where `auto` switches to FFT interpolation. openTSNE switches at 10,000; on two
        /// cores krill's Barnes-Hut and FFT interpolation took the same 17 s of optimisation
        /// at 20,000 points (Barnes-Hut's KL 0.013 lower), and FFT half the time at 50,000
        /// (25 s against 50 s, KL 0.005 higher).
        public static let fftThreshold = 25_000

        /// The method used for `n` points.
        public func resolved(points n: Int) -> GradientMethod {
            self == .auto ? (n >= Self.fftThreshold ? .fft : .barnesHut) : self
        }
    }

    /// How each point's nearest neighbours are found for its Gaussian.
    public enum NeighborMethod: String, Codable, CaseIterable, Sendable {
        /// Exact below `approximateThreshold` points, approximate from there up.
        case auto
        /// Every pair by blocked GEMM (`NearestNeighbors.exact`): O(N² D).
        case exact
        /// Random-projection forest and NN-descent refinement (`ApproximateNeighbors`).
        case approximate

        /// Where `auto` switches to the approximate search: at 100,000 points of 64
        /// dimensions the exact search took 17 s on two cores and the approximate one 14 s
        /// (recall 0.96; the final layout's exact KL 0.0025 higher); at 200,000, 65 s
        /// against 33 s (recall 0.95).
        public static let approximateThreshold = 200_000

        /// The method used for `n` points.
        public func resolved(points n: Int) -> NeighborMethod {
            self == .auto ? (n >= Self.approximateThreshold ? .approximate : .exact) : self
        }
    }

    /// Effective number of neighbours; each point's Gaussian is calibrated on its
    /// k = min(N - 1, 3 * perplexity) nearest neighbours.
    public var perplexity: Double
    /// Factor on P during the early-exaggeration phase.
    public var earlyExaggeration: Double
    /// Iterations of the early-exaggeration phase (openTSNE: 250), included in `iterations`.
    public var earlyExaggerationIterations: Int
    /// Total iterations, early exaggeration included (750 = 250 + openTSNE's 500).
    public var iterations: Int
    public var learningRate: LearningRate
    /// Barnes-Hut accuracy: a quadtree cell of width w at distance r is summarised when
    /// w / r < theta (0: exact).
    public var theta: Double
    /// Momentum during early exaggeration, then in the normal phase.
    public var initialMomentum: Double
    public var finalMomentum: Double
    /// Lower bound of the delta-bar-delta gains.
    public var minGain: Double
    /// A point's update is scaled down to this length when longer (openTSNE's
    /// `max_step_norm`, 5); nil: no clipping.
    public var maxStepNorm: Double?
    /// How the layout starts.
    public var initialization: Initialization.Kind
    /// Seeds the tiny jitter added to the PCA initialisation, or the random one.
    public var seed: UInt64
    /// Worker threads for neighbours, gradient and tree walks. Results do not depend on it.
    public var threads: Int
    /// Barnes-Hut or FFT interpolation for the repulsive forces.
    public var method: GradientMethod
    /// Exact or approximate nearest neighbours for the affinities.
    public var neighbors: NeighborMethod

    public init(perplexity: Double = 30, earlyExaggeration: Double = 12, earlyExaggerationIterations: Int = 250,
                iterations: Int = 750, learningRate: LearningRate = .auto, theta: Double = 0.5,
                initialMomentum: Double = 0.5, finalMomentum: Double = 0.8, minGain: Double = 0.01,
                maxStepNorm: Double? = 5, initialization: Initialization.Kind = .pca, seed: UInt64 = 0, threads: Int = 2,
                method: GradientMethod = .auto, neighbors: NeighborMethod = .auto) {
        self.method = method
        self.neighbors = neighbors
        self.initialization = initialization
        self.perplexity = perplexity
        self.earlyExaggeration = earlyExaggeration
        self.earlyExaggerationIterations = earlyExaggerationIterations
        self.iterations = iterations
        self.learningRate = learningRate
        self.theta = theta
        self.initialMomentum = initialMomentum
        self.finalMomentum = finalMomentum
        self.minGain = minGain
        self.maxStepNorm = maxStepNorm
        self.seed = seed
        self.threads = threads
    }
}

/// A t-SNE layout.
public struct TSNEResult: Sendable, Equatable {
    /// n x 2 row-major coordinates.
    public var embedding: [Float]
    /// KL(P || Q) of the final layout (nats), with P the symmetrised affinities and Q's
    /// normalisation Z estimated by the same method as the gradient (as openTSNE and
    /// scikit-learn report it; exact with Barnes-Hut at theta 0).
    public var kl: Double
    public var iterations: Int
}
