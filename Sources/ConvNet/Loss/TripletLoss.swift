import Foundation

/// How the rows of a batch of embeddings are organised for the loss.
public struct LossBatch: Equatable, Sendable {
    /// Class label of every row.
    public let labels: [Int]
    /// For a triplet batch, B: rows [0, B) are anchors, [B, 2B) their positives,
    /// [2B, 3B) their negatives. nil for a labelled (P x K) batch.
    public let tripletCount: Int?

    /// A batch of B triplets laid out as anchors, positives, negatives (3B rows).
    public static func triplets(anchorLabels: [Int], negativeLabels: [Int]) -> LossBatch {
        if !(anchorLabels.count == negativeLabels.count) { fatalError("precondition failed: anchorLabels.count == negativeLabels.count") }
        return LossBatch(labels: anchorLabels + anchorLabels + negativeLabels, tripletCount: anchorLabels.count)
    }

    /// A labelled batch (e.g. P classes x K images).
    public static func labeled(_ labels: [Int]) -> LossBatch {
        LossBatch(labels: labels, tripletCount: nil)
    }

    public var rows: Int { labels.count }
}

/// The triplet-loss family on a batch of embeddings, with its gradient. d(i, j) is the
/// squared Euclidean distance |x_i - x_j|^2, or |x_i - x_j| where `LossConfig.distance`
/// (by default: for batch_hard and batch_all) says Euclidean; m is the margin, in the same
/// units.
///
/// On triplet batches (mean over the B triplets), or on labelled batches (mean over every
/// valid (a, p, n) of the batch: a and p of one class, n of another, a != p):
/// - `std_triplet`  max(d+ - d- + m, 0)   (soft margin: log(1 + exp(d+ - d-)))
/// - `alt_triplet`  d+ + max(m - d-, 0)
/// - `geom_triplet` max(d+ + m / (d- + eps), 0) = d+ + m / (d- + eps), eps = `geomEpsilon`
/// (std_triplet over every triplet differs from batch_all, which averages over the active
/// triplets only.)
///
/// On labelled batches (any batch: a triplet batch counts as labelled rows too):
/// - `semi_hard` (Schroff et al. 2015, FaceNet): for every ordered positive pair (a, p),
///   a != p, the negative n with the smallest d(a, n) > d(a, p); if there is none, the
///   negative with the largest d(a, n) (as TensorFlow Addons' `triplet_semihard_loss`), or
///   with `semiHardFallback: .smallest` the hardest one. Mean over positive pairs of
///   max(d+ - d- + m, 0).
/// - `batch_hard` (Hermans et al. 2017): per anchor the farthest positive and the closest
///   negative; mean over anchors of max(d+ - d- + m, 0), or log(1 + exp(d+ - d-)) with the
///   soft margin.
/// - `batch_all`: every valid (a, p, n); the sum of the positive hinge terms divided by
///   their number (0 when none); with the soft margin the mean of log(1 + exp(d+ - d-)).
/// - `contrastive` (Hadsell et al. 2006): pairs (i, j, y) with y = 1 for the same class;
///   term y d + (1 - y) max(m - sqrt(d), 0)^2, so for contrastive the margin is a plain
///   (not squared) distance; mean over pairs. On a labelled batch the pairs are all i < j;
///   on a triplet batch they are (a, p, 1) and (a, n, 0) for every triplet.
///
/// Mining choices are piecewise constant in the embeddings: the gradient is that of the
/// selected terms. Arithmetic is in Double.
public struct TripletLoss: Sendable {
    public let config: LossConfig
    /// eps in geom_triplet's m / (d- + eps).
    public static let geomEpsilon = 1e-3

    public init(_ config: LossConfig) { self.config = config }

    /// Checks that the loss can run on batches of this kind.
    public func validate(batch: BatchConfig) throws {
        if let problem = config.variant.problem(with: batch) { throw ConvNetError.invalidConfig(problem) }
        if config.softMargin && !config.variant.supportsSoftMargin {
            throw ConvNetError.invalidConfig("loss.soft_margin does not apply to \(config.variant.rawValue)")
        }
    }

    /// Loss of a batch; writes d loss / d embedding into `gradient` (rows x d) when given.
    /// - Parameters:
    ///   - embeddings: (rows, d) Float.
    public func compute(embeddings: UnsafePointer<Float>, d: Int, batch: LossBatch,
                        gradient: UnsafeMutablePointer<Float>?) -> Float {
        let x = (0..<(batch.rows * d)).map { Double(embeddings[$0]) }
        let (loss, g) = evaluate(x, d: d, batch: batch, wantGradient: gradient != nil)
        if let gradient {
            for i in 0..<(batch.rows * d) { gradient[i] = Float(g[i]) }
        }
        return Float(loss)
    }

    /// The loss and its gradient in Double (the same code path as `compute`).
    /// - Parameter x: (rows, d) embeddings.
    public func evaluate(_ x: [Double], d: Int, batch: LossBatch, wantGradient: Bool = true) -> (loss: Double, gradient: [Double]) {
        let euclidean = config.variant != .contrastive && config.resolvedDistance == .euclidean
        var acc = Accumulator(x: x, d: d, rows: batch.rows, wantGradient: wantGradient, euclidean: euclidean)
        let m = Double(config.margin)
        let soft = config.softMargin
        switch config.variant {
        case .stdTriplet, .altTriplet, .geomTriplet:
            // A triplet batch's B triplets, or every valid (a, p, n) of a labelled batch.
            var triplets: [(Int, Int, Int)] = []
            if let b = batch.tripletCount {
                triplets = (0..<b).map { ($0, b + $0, 2 * b + $0) }
            } else {
                let labels = batch.labels
                for a in 0..<batch.rows {
                    for p in 0..<batch.rows where p != a && labels[p] == labels[a] {
                        for n in 0..<batch.rows where labels[n] != labels[a] { triplets.append((a, p, n)) }
                    }
                }
            }
            let scale = triplets.isEmpty ? 0 : 1 / Double(triplets.count)
            for (a, p, n) in triplets {
                let dp = acc.distance(a, p), dn = acc.distance(a, n)
                switch config.variant {
                case .stdTriplet:
                    acc.hinge(dp - dn, margin: m, soft: soft, scale: scale, a: a, p: p, n: n)
                case .altTriplet:
                    acc.loss += scale * dp
                    acc.addDistanceGradient(a, p, scale)
                    if m - dn > 0 {
                        acc.loss += scale * (m - dn)
                        acc.addDistanceGradient(a, n, -scale)
                    }
                default:
                    let e = dn + TripletLoss.geomEpsilon
                    acc.loss += scale * (dp + m / e)
                    acc.addDistanceGradient(a, p, scale)
                    acc.addDistanceGradient(a, n, -scale * m / (e * e))
                }
            }
        case .semiHard:
            let labels = batch.labels
            var pairs: [(Int, Int, Int)] = []
            for a in 0..<batch.rows {
                for p in 0..<batch.rows where p != a && labels[p] == labels[a] {
                    let dp = acc.distance(a, p)
                    var best = -1, bestD = Double.infinity
                    var hardest = -1, hardestD = Double.infinity
                    var easiest = -1, easiestD = -Double.infinity
                    for n in 0..<batch.rows where labels[n] != labels[a] {
                        let dn = acc.distance(a, n)
                        if dn < hardestD { hardestD = dn; hardest = n }
                        if dn > easiestD { easiestD = dn; easiest = n }
                        if dn > dp && dn < bestD { bestD = dn; best = n }
                    }
                    let n = best >= 0 ? best : (config.semiHardFallback == .largest ? easiest : hardest)
                    if n >= 0 { pairs.append((a, p, n)) }
                }
            }
            let scale = pairs.isEmpty ? 0 : 1 / Double(pairs.count)
            for (a, p, n) in pairs {
                acc.hinge(acc.distance(a, p) - acc.distance(a, n), margin: m, soft: soft, scale: scale, a: a, p: p, n: n)
            }
        case .batchHard:
            let labels = batch.labels
            var chosen: [(Int, Int, Int)] = []
            for a in 0..<batch.rows {
                var p = -1, pd = -Double.infinity, n = -1, nd = Double.infinity
                for j in 0..<batch.rows where j != a {
                    let dj = acc.distance(a, j)
                    if labels[j] == labels[a] {
                        if dj > pd { pd = dj; p = j }
                    } else if dj < nd { nd = dj; n = j }
                }
                if p >= 0 && n >= 0 { chosen.append((a, p, n)) }
            }
            let scale = chosen.isEmpty ? 0 : 1 / Double(chosen.count)
            for (a, p, n) in chosen {
                acc.hinge(acc.distance(a, p) - acc.distance(a, n), margin: m, soft: soft, scale: scale, a: a, p: p, n: n)
            }
        case .batchAll:
            let labels = batch.labels
            var active: [(Int, Int, Int)] = []
            for a in 0..<batch.rows {
                for p in 0..<batch.rows where p != a && labels[p] == labels[a] {
                    let dp = acc.distance(a, p)
                    for n in 0..<batch.rows where labels[n] != labels[a] {
                        if soft || dp - acc.distance(a, n) + m > 0 { active.append((a, p, n)) }
                    }
                }
            }
            let scale = active.isEmpty ? 0 : 1 / Double(active.count)
            for (a, p, n) in active {
                acc.hinge(acc.distance(a, p) - acc.distance(a, n), margin: m, soft: soft, scale: scale, a: a, p: p, n: n)
            }
        case .contrastive:
            var pairs: [(Int, Int, Bool)] = []
            if let b = batch.tripletCount {
                for t in 0..<b {
                    pairs.append((t, b + t, true))
                    pairs.append((t, 2 * b + t, false))
                }
            } else {
                for i in 0..<batch.rows {
                    for j in (i + 1)..<batch.rows { pairs.append((i, j, batch.labels[i] == batch.labels[j])) }
                }
            }
            let scale = pairs.isEmpty ? 0 : 1 / Double(pairs.count)
            for (i, j, same) in pairs {
                let dij = acc.distance(i, j)
                if same {
                    acc.loss += scale * dij
                    acc.addDistanceGradient(i, j, scale)
                } else {
                    let r = (dij + 1e-12).squareRoot()
                    if m - r > 0 {
                        acc.loss += scale * (m - r) * (m - r)
                        // d/dd (m - sqrt(d))^2 = -(m - r) / r
                        acc.addDistanceGradient(i, j, -scale * (m - r) / r)
                    }
                }
            }
        }
        return (acc.loss, acc.gradient)
    }
}

/// Loss and gradient accumulation over squared distances.
struct Accumulator {
    let x: [Double]
    let d: Int
    var loss: Double = 0
    var gradient: [Double]
    let wantGradient: Bool
    let rows: Int
    /// All squared distances, (rows, rows).
    let distances: [Double]

    /// Distances are |x_i - x_j| instead of |x_i - x_j|^2.
    let euclidean: Bool
    /// Added under the square root of Euclidean distances (keeps the gradient finite).
    static let sqrtEpsilon = 1e-12

    init(x: [Double], d: Int, rows: Int, wantGradient: Bool, euclidean: Bool = false) {
        self.euclidean = euclidean
        self.x = x
        self.d = d
        self.rows = rows
        self.wantGradient = wantGradient
        gradient = [Double](repeating: 0, count: wantGradient ? rows * d : 0)
        var dist = [Double](repeating: 0, count: rows * rows)
        for i in 0..<rows {
            for j in (i + 1)..<max(rows, i + 1) {
                var s = 0.0
                for k in 0..<d {
                    let t = x[i * d + k] - x[j * d + k]
                    s += t * t
                }
                if euclidean { s = (s + Accumulator.sqrtEpsilon).squareRoot() }
                dist[i * rows + j] = s
                dist[j * rows + i] = s
            }
        }
        distances = dist
    }

    @inline(__always)
    func distance(_ i: Int, _ j: Int) -> Double { distances[i * rows + j] }

    /// gradient += coefficient * d d(i, j) / d x.
    mutating func addDistanceGradient(_ i: Int, _ j: Int, _ coefficient: Double) {
        guard wantGradient, coefficient != 0 else { return }
        // squared: d' = 2 (x_i - x_j); Euclidean: d' = (x_i - x_j) / d.
        let factor = euclidean ? coefficient / distances[i * rows + j] : 2 * coefficient
        for k in 0..<d {
            let t = factor * (x[i * d + k] - x[j * d + k])
            gradient[i * d + k] += t
            gradient[j * d + k] -= t
        }
    }

    /// scale * max(delta + margin, 0), or scale * log(1 + exp(delta)) when soft, with
    /// delta = d(a, p) - d(a, n).
    mutating func hinge(_ delta: Double, margin: Double, soft: Bool, scale: Double, a: Int, p: Int, n: Int) {
        let coefficient: Double
        if soft {
            // log(1 + exp(x)), stable for large |x|.
            loss += scale * (max(delta, 0) + Foundation.log1p(Foundation.exp(-abs(delta))))
            coefficient = scale / (1 + Foundation.exp(-delta))
        } else {
            let h = delta + margin
            guard h > 0 else { return }
            loss += scale * h
            coefficient = scale
        }
        addDistanceGradient(a, p, coefficient)
        addDistanceGradient(a, n, -coefficient)
    }
}
