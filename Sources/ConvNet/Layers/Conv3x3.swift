import Linalg

/// 3x3 convolution, stride 1, same (zero) padding, with bias, over NHWC activations.
///
/// Layout: activations are (N, H, W, C) row-major, so channel is the fastest index;
/// the weight is (3, 3, Cin, Cout) row-major, i.e. a (9 Cin, Cout) matrix whose row
/// (ky * 3 + kx) * Cin + ci holds the Cout weights of input channel ci at tap (ky, kx);
/// the bias (Cout) follows it directly in memory, so weight and bias together form one
/// (9 Cin + 1, Cout) matrix (`ParameterLayout` stores them so).
///
/// The fast path is im2col + GEMM: the (H W, 9 Cin + 1) patch matrix of a chunk of images
/// (its last column all ones, for the bias) times the (9 Cin + 1, Cout) weight gives the
/// (H W, Cout) output rows directly, and in backward one GEMM gives the weight and bias
/// gradients together. Images are processed in chunks whose size depends only on the
/// layer's shape (never on the thread count), so the patch matrix stays in cache and the
/// summation order is fixed.
public enum Conv3x3 {
    /// Floats of patch matrix the chunking aims for (about 2 MB).
    static let targetChunkFloats = 1 << 19

    /// Images per chunk for a layer of this shape.
    public static func chunkImages(h: Int, w: Int, cin: Int) -> Int {
        max(1, targetChunkFloats / max(1, h * w * (9 * cin + 1)))
    }

    /// Floats of scratch one patch matrix needs for a batch of `n` images (the trainer
    /// allocates two: patches and their gradient).
    public static func scratchCount(n: Int, h: Int, w: Int, cin: Int) -> Int {
        min(n, chunkImages(h: h, w: w, cin: cin)) * h * w * (9 * cin + 1)
    }

    /// Builds the patch matrix of images [n0, n0 + count).
    /// - Parameters:
    ///   - input: (N, H, W, Cin) activations.
    ///   - col: (count H W, 9 Cin + 1) output; row ((n - n0) H + y) W + x, column (ky 3 + kx) Cin + ci
    ///     holds input[n, y + ky - 1, x + kx - 1, ci], or 0 outside the image; the last column is 1.
    @inline(__always)
    static func im2col(_ input: UnsafePointer<Float>, n0: Int, count: Int, h: Int, w: Int, cin: Int,
                       col: UnsafeMutablePointer<Float>) {
        let k = 9 * cin + 1
        if cin == 1 {
            for i in 0..<count {
                let img = input + (n0 + i) * h * w
                var row = col + i * h * w * k
                for y in 0..<h {
                    for x in 0..<w {
                        for ky in 0..<3 {
                            let iy = y + ky - 1
                            for kx in 0..<3 {
                                let ix = x + kx - 1
                                row[ky * 3 + kx] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? img[iy * w + ix] : 0
                            }
                        }
                        row[9] = 1
                        row += k
                    }
                }
            }
            return
        }
        for i in 0..<count {
            let img = input + (n0 + i) * h * w * cin
            var row = col + i * h * w * k
            for y in 0..<h {
                for x in 0..<w {
                    for ky in 0..<3 {
                        let iy = y + ky - 1
                        for kx in 0..<3 {
                            let ix = x + kx - 1
                            let dst = row + (ky * 3 + kx) * cin
                            if iy >= 0 && iy < h && ix >= 0 && ix < w {
                                dst.update(from: img + (iy * w + ix) * cin, count: cin)
                            } else {
                                dst.update(repeating: 0, count: cin)
                            }
                        }
                    }
                    row[k - 1] = 1
                    row += k
                }
            }
        }
    }

    /// Adds the patch-matrix gradient back onto the input gradient of images [n0, n0 + count)
    /// (the adjoint of `im2col`, without the bias column: `dcol` is (count H W, 9 Cin)).
    /// `dInput` for those images must be zeroed by the caller.
    @inline(__always)
    static func col2im(_ dcol: UnsafePointer<Float>, n0: Int, count: Int, h: Int, w: Int, cin: Int,
                       dInput: UnsafeMutablePointer<Float>) {
        let k = 9 * cin
        for i in 0..<count {
            let img = dInput + (n0 + i) * h * w * cin
            var row = dcol + i * h * w * k
            for y in 0..<h {
                for x in 0..<w {
                    for ky in 0..<3 {
                        let iy = y + ky - 1
                        guard iy >= 0 && iy < h else { continue }
                        for kx in 0..<3 {
                            let ix = x + kx - 1
                            guard ix >= 0 && ix < w else { continue }
                            addVector(row + (ky * 3 + kx) * cin, into: img + (iy * w + ix) * cin, count: cin)
                        }
                    }
                    row += k
                }
            }
        }
    }

    /// output = conv3x3(input, weight) + bias.
    /// - Parameters:
    ///   - input: (N, H, W, Cin) activations.
    ///   - weight: (3, 3, Cin, Cout) weights followed by the (Cout) bias: (9 Cin + 1, Cout).
    ///   - output: (N, H, W, Cout), overwritten.
    ///   - scratch: at least `scratchCount(n:h:w:cin:)` floats.
    ///   - images: the images of the batch to compute (all of them: 0..<N).
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                               output: UnsafeMutablePointer<Float>, images: Range<Int>, h: Int, w: Int, cin: Int, cout: Int,
                               scratch: UnsafeMutablePointer<Float>) {
        let chunk = chunkImages(h: h, w: w, cin: cin)
        let k = 9 * cin + 1
        var n0 = images.lowerBound
        while n0 < images.upperBound {
            let count = min(chunk, images.upperBound - n0)
            let rows = count * h * w
            im2col(input, n0: n0, count: count, h: h, w: w, cin: cin, col: scratch)
            Gemm.sgemm(m: rows, n: cout, k: k, a: scratch, lda: k, b: weight, ldb: cout,
                       beta: 0, c: output + n0 * h * w * cout, ldc: cout)
            n0 += count
        }
    }

    /// Backward pass: accumulates the weight and bias gradients and, when `dInput` is given,
    /// overwrites it with the input gradient.
    /// - Parameters:
    ///   - input: (N, H, W, Cin), the forward input.
    ///   - weight: (9 Cin + 1, Cout) weights and bias as in `forward`.
    ///   - dOutput: (N, H, W, Cout), gradient of the loss wrt the output.
    ///   - dWeight: (9 Cin + 1, Cout) weight and bias gradients, accumulated (+=).
    ///   - dInput: (N, H, W, Cin), overwritten for `images`; nil for the first layer.
    ///   - images: the images whose gradients to compute and accumulate (0..<N: all).
    ///   - scratch, scratch2: each at least `scratchCount(n:h:w:cin:)` floats.
    public static func backward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                dOutput: UnsafePointer<Float>,
                                dWeight: UnsafeMutablePointer<Float>,
                                dInput: UnsafeMutablePointer<Float>?,
                                images: Range<Int>, h: Int, w: Int, cin: Int, cout: Int,
                                scratch: UnsafeMutablePointer<Float>, scratch2: UnsafeMutablePointer<Float>) {
        let chunk = chunkImages(h: h, w: w, cin: cin)
        let k = 9 * cin + 1
        let kx = 9 * cin
        var n0 = images.lowerBound
        while n0 < images.upperBound {
            let count = min(chunk, images.upperBound - n0)
            let rows = count * h * w
            let dOut = dOutput + n0 * h * w * cout
            im2col(input, n0: n0, count: count, h: h, w: w, cin: cin, col: scratch)
            // [dW; db] (k x cout) += colᵀ (k x rows) * dOut (rows x cout)
            Gemm.sgemm(transA: true, m: k, n: cout, k: rows, a: scratch, lda: k, b: dOut, ldb: cout,
                       beta: 1, c: dWeight, ldc: cout)
            if let dInput {
                // dcol (rows x 9 cin) = dOut (rows x cout) * Wᵀ (cout x 9 cin), bias row left out
                Gemm.sgemm(transB: true, m: rows, n: kx, k: cout, a: dOut, lda: cout, b: weight, ldb: cout,
                           beta: 0, c: scratch2, ldc: kx)
                (dInput + n0 * h * w * cin).update(repeating: 0, count: count * h * w * cin)
                col2im(scratch2, n0: n0, count: count, h: h, w: w, cin: cin, dInput: dInput)
            }
            n0 += count
        }
    }

    // MARK: - Naive reference

    /// The naive reference with the fast path's signature (weight and bias as one
    /// (9 Cin + 1, Cout) matrix), for tests.
    public static func referenceForward(input: [Double], weightAndBias wb: [Double], n: Int, h: Int, w: Int, cin: Int, cout: Int) -> [Double] {
        referenceForward(input: input, weight: Array(wb[0..<(9 * cin * cout)]), bias: Array(wb[(9 * cin * cout)...]),
                         n: n, h: h, w: w, cin: cin, cout: cout)
    }

    /// The naive 7-loop convolution in Double, same layouts as `forward`.
    public static func referenceForward(input: [Double], weight: [Double], bias: [Double],
                                        n: Int, h: Int, w: Int, cin: Int, cout: Int) -> [Double] {
        var out = [Double](repeating: 0, count: n * h * w * cout)
        for b in 0..<n {
            for y in 0..<h {
                for x in 0..<w {
                    for co in 0..<cout {
                        var s = bias[co]
                        for ky in 0..<3 {
                            for kx in 0..<3 {
                                let iy = y + ky - 1, ix = x + kx - 1
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                for ci in 0..<cin {
                                    s += input[((b * h + iy) * w + ix) * cin + ci]
                                        * weight[((ky * 3 + kx) * cin + ci) * cout + co]
                                }
                            }
                        }
                        out[((b * h + y) * w + x) * cout + co] = s
                    }
                }
            }
        }
        return out
    }
}

/// dst[i] += src[i] for i in 0..<count, eight lanes at a time.
@inline(__always)
func addVector(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
    var i = 0
    while i + 8 <= count {
        let a = UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
        let b = UnsafeRawPointer(dst + i).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(dst + i).storeBytes(of: a + b, as: SIMD8<Float>.self)
        i += 8
    }
    while i < count {
        dst[i] += src[i]
        i += 1
    }
}
