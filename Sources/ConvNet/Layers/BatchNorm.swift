/// Batch normalisation over the channels of NHWC activations (statistics over the N H W
/// rows of each channel), with a learned scale gamma and shift beta per channel.
///
/// Training mode normalises with the batch mean and biased variance and updates the running
/// statistics: running = (1 - momentum) running + momentum batch, with the unbiased
/// variance for the running variance (PyTorch's convention). Inference mode uses the
/// running statistics.
///
/// The batch reductions come in phases so that `Network` can run them over its fixed image
/// groups: per-group partial sums in Double (rows in order), then the group sums added in
/// group order (`finish...`), then the per-row work. The whole-batch entry points
/// (`forwardTraining`, `backward`) are the same phases with a single group.
public enum BatchNorm {
    public static let epsilon: Float = 1e-5
    public static let momentum: Float = 0.1

    // MARK: Phases

    /// sum[ch] += x[r, ch] over rows r (in order).
    public static func accumulateSums(_ x: UnsafePointer<Float>, rows: Range<Int>, c: Int, into sum: UnsafeMutablePointer<Double>) {
        for r in rows {
            let row = x + r * c
            for ch in 0..<c { sum[ch] += Double(row[ch]) }
        }
    }

    /// sq[ch] += (x[r, ch] - mean[ch])^2 over rows r (in order).
    public static func accumulateSquares(_ x: UnsafePointer<Float>, rows: Range<Int>, c: Int, mean: UnsafePointer<Double>,
                                         into sq: UnsafeMutablePointer<Double>) {
        for r in rows {
            let row = x + r * c
            for ch in 0..<c {
                let d = Double(row[ch]) - mean[ch]
                sq[ch] += d * d
            }
        }
    }

    /// From the summed squared deviations of M rows: the Float mean and 1 / sqrt(var + eps)
    /// used by the layer, and the running statistics update.
    public static func finishStatistics(mean: UnsafePointer<Double>, squares: UnsafePointer<Double>, m: Int, c: Int,
                                        batchMean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
                                        runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>) {
        for ch in 0..<c {
            let variance = squares[ch] / Double(m)
            batchMean[ch] = Float(mean[ch])
            invStd[ch] = Float(1 / (variance + Double(epsilon)).squareRoot())
            let unbiased = m > 1 ? squares[ch] / Double(m - 1) : variance
            runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * Float(mean[ch])
            runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * Float(unbiased)
        }
    }

    /// y = gamma (x - mean) invStd + beta on rows; output may not alias input.
    public static func normalize(_ x: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, rows: Range<Int>, c: Int,
                                 gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                 mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>) {
        for r in rows {
            let xr = x + r * c, yr = y + r * c
            for ch in 0..<c { yr[ch] = gamma[ch] * ((xr[ch] - mean[ch]) * invStd[ch]) + beta[ch] }
        }
    }

    /// Inference mode on rows with the running statistics; output may alias input.
    public static func forwardInference(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, rows: Range<Int>,
                                        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                        runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>, c: Int) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * c) { buf in
            let scale = buf.baseAddress!, shift = scale + c
            for ch in 0..<c {
                scale[ch] = gamma[ch] / (runningVar[ch] + epsilon).squareRoot()
                shift[ch] = beta[ch] - runningMean[ch] * scale[ch]
            }
            for r in rows {
                let x = input + r * c, y = output + r * c
                for ch in 0..<c { y[ch] = x[ch] * scale[ch] + shift[ch] }
            }
        }
    }

    /// sumDy[ch] += dy, sumDyXhat[ch] += dy xhat over rows (in order).
    public static func accumulateGradientSums(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, rows: Range<Int>, c: Int,
                                              mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                              sumDy: UnsafeMutablePointer<Double>, sumDyXhat: UnsafeMutablePointer<Double>) {
        for r in rows {
            let x = input + r * c, g = dOutput + r * c
            for ch in 0..<c {
                let xhat = (x[ch] - mean[ch]) * invStd[ch]
                sumDy[ch] += Double(g[ch])
                sumDyXhat[ch] += Double(g[ch] * xhat)
            }
        }
    }

    /// dx = gamma invStd (dy - sum(dy) / M - xhat sum(dy xhat) / M) on rows; dInput may alias dOutput.
    public static func applyBackward(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>,
                                     rows: Range<Int>, c: Int, m: Int, gamma: UnsafePointer<Float>,
                                     mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                     sumDy: UnsafePointer<Double>, sumDyXhat: UnsafePointer<Double>) {
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 3 * c) { buf in
            let k1 = buf.baseAddress!, k2 = k1 + c, k3 = k2 + c
            for ch in 0..<c {
                k1[ch] = gamma[ch] * invStd[ch]
                k2[ch] = Float(sumDy[ch] / Double(m))
                k3[ch] = Float(sumDyXhat[ch] / Double(m))
            }
            for r in rows {
                let x = input + r * c, g = dOutput + r * c, dx = dInput + r * c
                for ch in 0..<c {
                    let xhat = (x[ch] - mean[ch]) * invStd[ch]
                    dx[ch] = k1[ch] * (g[ch] - k2[ch] - xhat * k3[ch])
                }
            }
        }
    }

    // MARK: Whole batch

    /// Training-mode forward over all M rows (one group).
    /// - Parameters:
    ///   - input: (M, C) with M = N H W.
    ///   - output: (M, C), overwritten (may not alias input).
    ///   - mean, invStd: (C), overwritten with the batch statistics (kept for backward).
    ///   - runningMean, runningVar: (C), updated.
    public static func forwardTraining(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                       gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                       mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
                                       runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>,
                                       m: Int, c: Int) {
        var sum = [Double](repeating: 0, count: c), sq = sum
        accumulateSums(input, rows: 0..<m, c: c, into: &sum)
        let mu = sum.map { $0 / Double(m) }
        accumulateSquares(input, rows: 0..<m, c: c, mean: mu, into: &sq)
        finishStatistics(mean: mu, squares: sq, m: m, c: c, batchMean: mean, invStd: invStd,
                         runningMean: runningMean, runningVar: runningVar)
        normalize(input, output: output, rows: 0..<m, c: c, gamma: gamma, beta: beta, mean: mean, invStd: invStd)
    }

    /// Training-mode backward over all M rows. dInput may alias dOutput.
    /// dx = gamma invStd / M (M dy - sum dy - xhat sum(dy xhat)); dgamma += sum(dy xhat); dbeta += sum dy.
    public static func backward(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
                                dInput: UnsafeMutablePointer<Float>, m: Int, c: Int) {
        var sdy = [Double](repeating: 0, count: c), sdyx = sdy
        accumulateGradientSums(input: input, dOutput: dOutput, rows: 0..<m, c: c, mean: mean, invStd: invStd,
                               sumDy: &sdy, sumDyXhat: &sdyx)
        for ch in 0..<c {
            dGamma[ch] += Float(sdyx[ch])
            dBeta[ch] += Float(sdy[ch])
        }
        applyBackward(input: input, dOutput: dOutput, dInput: dInput, rows: 0..<m, c: c, m: m, gamma: gamma,
                      mean: mean, invStd: invStd, sumDy: sdy, sumDyXhat: sdyx)
    }

    /// Double reference of the training-mode forward (batch statistics).
    public static func referenceForward(_ x: [Double], gamma: [Double], beta: [Double], m: Int, c: Int) -> [Double] {
        var out = x
        for ch in 0..<c {
            var mu = 0.0
            for r in 0..<m { mu += x[r * c + ch] }
            mu /= Double(m)
            var v = 0.0
            for r in 0..<m { v += (x[r * c + ch] - mu) * (x[r * c + ch] - mu) }
            v /= Double(m)
            for r in 0..<m { out[r * c + ch] = gamma[ch] * (x[r * c + ch] - mu) / (v + Double(epsilon)).squareRoot() + beta[ch] }
        }
        return out
    }
}
