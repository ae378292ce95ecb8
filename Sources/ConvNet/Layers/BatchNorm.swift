/// Batch normalisation over the channels of NHWC activations (statistics over the N H W
/// rows of each channel), with a learned scale gamma and shift beta per channel.
///
/// Training mode normalises with the batch mean and biased variance and updates the running
/// statistics: running = (1 - momentum) running + momentum batch, with the unbiased
/// variance for the running variance (PyTorch's convention). Inference mode uses the
/// running statistics. Sums are accumulated in Double, row by row in order.
public enum BatchNorm {
    public static let epsilon: Float = 1e-5
    public static let momentum: Float = 0.1

    /// Training-mode forward.
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
        var sum = [Double](repeating: 0, count: c)
        var sq = [Double](repeating: 0, count: c)
        sum.withUnsafeMutableBufferPointer { s in
            for r in 0..<m {
                let row = input + r * c
                for ch in 0..<c { s[ch] += Double(row[ch]) }
            }
        }
        let mu = sum.map { $0 / Double(m) }
        sq.withUnsafeMutableBufferPointer { q in
            mu.withUnsafeBufferPointer { mu in
                for r in 0..<m {
                    let row = input + r * c
                    for ch in 0..<c {
                        let d = Double(row[ch]) - mu[ch]
                        q[ch] += d * d
                    }
                }
            }
        }
        for ch in 0..<c {
            let variance = sq[ch] / Double(m)
            mean[ch] = Float(mu[ch])
            invStd[ch] = Float(1 / (variance + Double(epsilon)).squareRoot())
            let unbiased = m > 1 ? sq[ch] / Double(m - 1) : variance
            runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * Float(mu[ch])
            runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * Float(unbiased)
        }
        for r in 0..<m {
            let x = input + r * c, y = output + r * c
            for ch in 0..<c { y[ch] = gamma[ch] * ((x[ch] - mean[ch]) * invStd[ch]) + beta[ch] }
        }
    }

    /// Inference-mode forward with the running statistics; output may alias input.
    public static func forwardInference(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                                        gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                        runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>,
                                        m: Int, c: Int) {
        var scale = [Float](repeating: 0, count: c)
        var shift = [Float](repeating: 0, count: c)
        for ch in 0..<c {
            scale[ch] = gamma[ch] / (runningVar[ch] + epsilon).squareRoot()
            shift[ch] = beta[ch] - runningMean[ch] * scale[ch]
        }
        scale.withUnsafeBufferPointer { sc in
            shift.withUnsafeBufferPointer { sh in
                for r in 0..<m {
                    let x = input + r * c, y = output + r * c
                    for ch in 0..<c { y[ch] = x[ch] * sc[ch] + sh[ch] }
                }
            }
        }
    }

    /// Training-mode backward. dInput may alias dOutput.
    /// dx = gamma invStd / M (M dy - sum dy - xhat sum(dy xhat)); dgamma += sum(dy xhat); dbeta += sum dy.
    public static func backward(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>, invStd: UnsafePointer<Float>,
                                dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>,
                                dInput: UnsafeMutablePointer<Float>, m: Int, c: Int) {
        var sdy = [Double](repeating: 0, count: c)
        var sdyx = [Double](repeating: 0, count: c)
        sdy.withUnsafeMutableBufferPointer { a in
            sdyx.withUnsafeMutableBufferPointer { b in
                for r in 0..<m {
                    let x = input + r * c, g = dOutput + r * c
                    for ch in 0..<c {
                        let xhat = (x[ch] - mean[ch]) * invStd[ch]
                        a[ch] += Double(g[ch])
                        b[ch] += Double(g[ch] * xhat)
                    }
                }
            }
        }
        var k1 = [Float](repeating: 0, count: c)   // gamma invStd
        var k2 = [Float](repeating: 0, count: c)   // mean dy
        var k3 = [Float](repeating: 0, count: c)   // mean dy xhat
        for ch in 0..<c {
            dGamma[ch] += Float(sdyx[ch])
            dBeta[ch] += Float(sdy[ch])
            k1[ch] = gamma[ch] * invStd[ch]
            k2[ch] = Float(sdy[ch] / Double(m))
            k3[ch] = Float(sdyx[ch] / Double(m))
        }
        k1.withUnsafeBufferPointer { k1 in k2.withUnsafeBufferPointer { k2 in k3.withUnsafeBufferPointer { k3 in
            for r in 0..<m {
                let x = input + r * c, g = dOutput + r * c, dx = dInput + r * c
                for ch in 0..<c {
                    let xhat = (x[ch] - mean[ch]) * invStd[ch]
                    dx[ch] = k1[ch] * (g[ch] - k2[ch] - xhat * k3[ch])
                }
            }
        } } }
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
