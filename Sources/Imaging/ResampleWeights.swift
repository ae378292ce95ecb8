/// The filter one axis is resampled with: chosen per axis by `ResampleWeights`.
public enum ResampleFilter: String, Sendable {
    /// Area averaging (a box filter with fractional pixel coverage): used when the axis
    /// shrinks or keeps its length. Every source pixel contributes in proportion to the
    /// part of it an output pixel covers, so nothing aliases.
    case area
    /// Linear interpolation between the two nearest pixel centres: used when the axis grows.
    case bilinear
}

/// The weight table of one axis: for each output index, the source indices it reads and
/// their weights (which sum to 1). A separable resize applies one table to the rows and
/// one to the columns. Stored flat (compressed rows) so a resize allocates nothing per pixel.
///
/// - Shrink or same length (`target <= source`), area averaging: output pixel j covers the
///   source interval `[j s / t, (j + 1) s / t)` (s = source, t = target length), and source
///   pixel i gets weight `|[i, i + 1) ∩ interval| * t / s`. Example 3 -> 2: output 0 =
///   2/3 p0 + 1/3 p1, output 1 = 1/3 p1 + 2/3 p2. For t = s this is the identity.
/// - Enlarge (`target > source`), bilinear with pixel centres aligned: output j samples
///   source position `x = (j + 0.5) s / t - 0.5`, clamped to `[0, s - 1]`, with weights
///   `1 - f` on `floor(x)` and `f` on `floor(x) + 1`, f = x - floor(x). Example 2 -> 4:
///   x = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
///
/// Positions are computed in Double from exact integer numerators; weights are stored as
/// Float (exact for halves, quarters, ...).
public struct ResampleWeights: Sendable {
    /// Length of the axis before resampling, in pixels (>= 1).
    public let sourceLength: Int
    /// Length of the axis after resampling, in pixels (>= 1).
    public let targetLength: Int
    /// `.area` when the axis shrinks or keeps its length, `.bilinear` when it grows.
    public let filter: ResampleFilter
    /// Output j uses entries `tapStart[j] ..< tapStart[j + 1]` of `sourceIndex`/`weight`.
    let tapStart: [Int]
    let sourceIndex: [Int]
    let weight: [Float]

    public init(sourceLength: Int, targetLength: Int) {
        precondition(sourceLength >= 1 && targetLength >= 1,
                     "ResampleWeights needs lengths >= 1, got \(sourceLength) -> \(targetLength)")
        self.sourceLength = sourceLength
        self.targetLength = targetLength
        var starts = [0]
        var indices: [Int] = []
        var weights: [Float] = []
        starts.reserveCapacity(targetLength + 1)
        let s = Double(sourceLength)
        let t = Double(targetLength)
        if targetLength <= sourceLength {
            filter = .area
            indices.reserveCapacity(sourceLength + targetLength)
            weights.reserveCapacity(sourceLength + targetLength)
            for j in 0..<targetLength {
                let low = Double(j * sourceLength) / t
                let high = Double((j + 1) * sourceLength) / t
                let first = Int(low.rounded(.down))
                let end = min(sourceLength, Int(high.rounded(.up)))
                for i in first..<end {
                    let covered = min(high, Double(i + 1)) - max(low, Double(i))
                    if covered > 1e-9 {
                        indices.append(i)
                        weights.append(Float(covered * t / s))
                    }
                }
                starts.append(indices.count)
            }
        } else {
            filter = .bilinear
            indices.reserveCapacity(2 * targetLength)
            weights.reserveCapacity(2 * targetLength)
            for j in 0..<targetLength {
                // (j + 0.5) s / t - 0.5 with one rounding: ((2j + 1) s - t) / (2t).
                let x = (Double((2 * j + 1) * sourceLength) - t) / (2 * t)
                let clamped = min(max(x, 0), s - 1)
                let left = Int(clamped.rounded(.down))
                let fraction = clamped - Double(left)
                if fraction > 0 && left + 1 < sourceLength {
                    indices.append(left)
                    weights.append(Float(1 - fraction))
                    indices.append(left + 1)
                    weights.append(Float(fraction))
                } else {
                    indices.append(left)
                    weights.append(1)
                }
                starts.append(indices.count)
            }
        }
        tapStart = starts
        sourceIndex = indices
        weight = weights
    }

    /// The (source index, weight) pairs of output index `j` (0 ..< targetLength).
    public func taps(_ j: Int) -> [(index: Int, weight: Float)] {
        (tapStart[j]..<tapStart[j + 1]).map { (sourceIndex[$0], weight[$0]) }
    }
}

extension ResampleWeights {
    /// Calls `body` with the flat tables: tap starts (targetLength + 1 entries), source
    /// indices and weights, as raw pointers for the resampling loops.
    func withTables<R>(_ body: (UnsafePointer<Int>, UnsafePointer<Int>, UnsafePointer<Float>) -> R) -> R {
        tapStart.withUnsafeBufferPointer { starts in
            sourceIndex.withUnsafeBufferPointer { indices in
                weight.withUnsafeBufferPointer { weights in
                    // Never empty: every output index has at least one tap.
                    guard let s = starts.baseAddress, let i = indices.baseAddress, let w = weights.baseAddress else {
                        preconditionFailure("empty resample table")
                    }
                    return body(s, i, w)
                }
            }
        }
    }
}
