/// Batch normalisation of (N, spatial, C) activations over a batch cut into `Workers`' fixed
/// image groups: statistics and gradient sums are Double sums per group, added in group
/// order, so the bits do not depend on the thread count.
struct GroupedBatchNorm {
    /// G x 2 C doubles of per-group sums, and 2 C of totals.
    let partial: UnsafeMutablePointer<Double>
    let totals: UnsafeMutablePointer<Double>

    /// Training mode: batch statistics (two passes: mean, then squared deviations), the
    /// running statistics updated, `out` = gamma (z - mean) invStd + beta.
    func forwardTraining(_ workers: Workers, n: Int, spatial: Int, c: Int, z: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                         gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                         mean: UnsafeMutablePointer<Float>, invStd: UnsafeMutablePointer<Float>,
                         runningMean: UnsafeMutablePointer<Float>, runningVar: UnsafeMutablePointer<Float>) {
        let stride = 2 * c
        partial.update(repeating: 0, count: Workers.groups * stride)
        let partial = self.partial, total = self.totals
        workers.forEachGroup(n) { _, g, images in
            BatchNorm.accumulateSums(z, rows: (images.lowerBound * spatial)..<(images.upperBound * spatial), c: c, into: partial + g * stride)
        }
        total.update(repeating: 0, count: stride)
        for g in 0..<Workers.groups { for ch in 0..<c { total[ch] += partial[g * stride + ch] } }
        let m = n * spatial
        for ch in 0..<c { total[ch] /= Double(m) }
        let mu = UnsafePointer(total)
        workers.forEachGroup(n) { _, g, images in
            BatchNorm.accumulateSquares(z, rows: (images.lowerBound * spatial)..<(images.upperBound * spatial), c: c, mean: mu,
                                        into: partial + g * stride + c)
        }
        for g in 0..<Workers.groups { for ch in 0..<c { total[c + ch] += partial[g * stride + c + ch] } }
        BatchNorm.finishStatistics(mean: total, squares: total + c, m: m, c: c, batchMean: mean, invStd: invStd,
                                   runningMean: runningMean, runningVar: runningVar)
        let meanC = UnsafePointer(mean), invC = UnsafePointer(invStd)
        workers.forEachGroup(n) { _, _, images in
            BatchNorm.normalize(z, output: out, rows: (images.lowerBound * spatial)..<(images.upperBound * spatial), c: c,
                                gamma: gamma, beta: beta, mean: meanC, invStd: invC)
        }
    }

    /// Inference mode with the running statistics (`out` may be `z`).
    func forwardInference(_ workers: Workers, n: Int, spatial: Int, c: Int, z: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                          gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                          runningMean: UnsafePointer<Float>, runningVar: UnsafePointer<Float>) {
        workers.forEachGroup(n) { _, _, images in
            BatchNorm.forwardInference(input: z, output: out, rows: (images.lowerBound * spatial)..<(images.upperBound * spatial),
                                       gamma: gamma, beta: beta, runningMean: runningMean, runningVar: runningVar, c: c)
        }
    }

    /// Backward of `forwardTraining`: adds dGamma and dBeta, and writes dz into `dInput`
    /// (which may be `dOutput`).
    func backward(_ workers: Workers, n: Int, spatial: Int, c: Int, z: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                  dInput: UnsafeMutablePointer<Float>, gamma: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                  invStd: UnsafePointer<Float>, dGamma: UnsafeMutablePointer<Float>, dBeta: UnsafeMutablePointer<Float>) {
        let stride = 2 * c
        let partial = self.partial, total = self.totals
        partial.update(repeating: 0, count: Workers.groups * stride)
        workers.forEachGroup(n) { _, g, images in
            BatchNorm.accumulateGradientSums(input: z, dOutput: dOutput, rows: (images.lowerBound * spatial)..<(images.upperBound * spatial),
                                             c: c, mean: mean, invStd: invStd,
                                             sumDy: partial + g * stride, sumDyXhat: partial + g * stride + c)
        }
        total.update(repeating: 0, count: stride)
        for g in 0..<Workers.groups { for i in 0..<stride { total[i] += partial[g * stride + i] } }
        for ch in 0..<c {
            dGamma[ch] += Float(total[c + ch])
            dBeta[ch] += Float(total[ch])
        }
        let sums = UnsafePointer(total), m = n * spatial
        workers.forEachGroup(n) { _, _, images in
            BatchNorm.applyBackward(input: z, dOutput: dOutput, dInput: dInput, rows: (images.lowerBound * spatial)..<(images.upperBound * spatial),
                                    c: c, m: m, gamma: gamma, mean: mean, invStd: invStd, sumDy: sums, sumDyXhat: sums + c)
        }
    }
}
