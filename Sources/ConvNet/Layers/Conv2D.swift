import Linalg

/// The shape of a convolution: a K x K kernel at stride S with zero padding P, no bias
/// (the ResNet convolutions, each followed by batch norm). Output side
/// (H + 2P - K) / S + 1, as in PyTorch's `nn.Conv2d(..., bias=False)`.
public struct ConvShape: Equatable, Sendable {
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let cin: Int
    public let cout: Int

    public init(kernel: Int, stride: Int, padding: Int, cin: Int, cout: Int) {
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.cin = cin
        self.cout = cout
    }

    /// Output side for an input of side `side`.
    public func outputSide(_ side: Int) -> Int { (side + 2 * padding - kernel) / stride + 1 }

    /// Rows of the (K K Cin, Cout) weight matrix.
    public var patch: Int { kernel * kernel * cin }
    public var weightCount: Int { patch * cout }
}

/// K x K convolution at any stride with zero padding and no bias, over NHWC activations,
/// by im2col + GEMM (the 3x3 stride-1 ResNet convolutions use `Winograd` instead).
///
/// Layout: activations (N, H, W, C) row-major; the weight is (K, K, Cin, Cout) row-major,
/// a (K K Cin, Cout) matrix whose row (ky K + kx) Cin + ci holds the Cout weights of input
/// channel ci at tap (ky, kx). Output pixel (y, x) reads input (S y + ky - P, S x + kx - P).
/// Images are processed in chunks whose size depends only on the layer's shape.
public enum Conv2D {
    /// Floats of patch matrix a chunk aims for (about 2 MB).
    static let targetChunkFloats = 1 << 19

    /// Images per chunk.
    public static func chunkImages(_ shape: ConvShape, side: Int) -> Int {
        let o = shape.outputSide(side)
        return max(1, targetChunkFloats / max(1, o * o * shape.patch))
    }

    /// Floats of one patch matrix for a batch of `n` images.
    public static func scratchCount(_ shape: ConvShape, side: Int, n: Int) -> Int {
        let o = shape.outputSide(side)
        return min(n, chunkImages(shape, side: side)) * o * o * shape.patch
    }

    /// The (count O O, K K Cin) patch matrix of images [n0, n0 + count).
    static func im2col(_ input: UnsafePointer<Float>, n0: Int, count: Int, side h: Int, _ s: ConvShape,
                       col: UnsafeMutablePointer<Float>) {
        let o = s.outputSide(h), k = s.kernel, cin = s.cin, p = s.patch
        for i in 0..<count {
            let img = input + (n0 + i) * h * h * cin
            var row = col + i * o * o * p
            for y in 0..<o {
                for x in 0..<o {
                    for ky in 0..<k {
                        let iy = s.stride * y + ky - s.padding
                        for kx in 0..<k {
                            let ix = s.stride * x + kx - s.padding
                            let dst = row + (ky * k + kx) * cin
                            if iy >= 0 && iy < h && ix >= 0 && ix < h {
                                if cin == 1 { dst[0] = img[iy * h + ix] } else { dst.update(from: img + (iy * h + ix) * cin, count: cin) }
                            } else {
                                dst.update(repeating: 0, count: cin)
                            }
                        }
                    }
                    row += p
                }
            }
        }
    }

    /// Adds a patch-matrix gradient back onto the (zeroed) input gradient (adjoint of im2col).
    static func col2im(_ dcol: UnsafePointer<Float>, n0: Int, count: Int, side h: Int, _ s: ConvShape,
                       dInput: UnsafeMutablePointer<Float>) {
        let o = s.outputSide(h), k = s.kernel, cin = s.cin, p = s.patch
        for i in 0..<count {
            let img = dInput + (n0 + i) * h * h * cin
            var row = dcol + i * o * o * p
            for y in 0..<o {
                for x in 0..<o {
                    for ky in 0..<k {
                        let iy = s.stride * y + ky - s.padding
                        guard iy >= 0 && iy < h else { continue }
                        for kx in 0..<k {
                            let ix = s.stride * x + kx - s.padding
                            guard ix >= 0 && ix < h else { continue }
                            addVector(row + (ky * k + kx) * cin, into: img + (iy * h + ix) * cin, count: cin)
                        }
                    }
                    row += p
                }
            }
        }
    }

    /// output = conv(input, weight) for `images`.
    /// - Parameters:
    ///   - input: (N, H, H, Cin); output: (N, O, O, Cout), overwritten for `images`.
    ///   - scratch: `scratchCount` floats.
    public static func forward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                               images: Range<Int>, side h: Int, shape s: ConvShape, scratch: UnsafeMutablePointer<Float>) {
        let o = s.outputSide(h), chunk = chunkImages(s, side: h)
        if s.kernel == 1 && s.stride == 1 && s.padding == 0 {
            // A 1 x 1 convolution is one GEMM on the activations themselves.
            let rows = images.count * h * h
            Gemm.sgemm(m: rows, n: s.cout, k: s.cin, a: input + images.lowerBound * h * h * s.cin, lda: s.cin,
                       b: weight, ldb: s.cout, beta: 0, c: output + images.lowerBound * h * h * s.cout, ldc: s.cout)
            return
        }
        var n0 = images.lowerBound
        while n0 < images.upperBound {
            let count = min(chunk, images.upperBound - n0)
            im2col(input, n0: n0, count: count, side: h, s, col: scratch)
            Gemm.sgemm(m: count * o * o, n: s.cout, k: s.patch, a: scratch, lda: s.patch, b: weight, ldb: s.cout,
                       beta: 0, c: output + n0 * o * o * s.cout, ldc: s.cout)
            n0 += count
        }
    }

    /// Accumulates the weight gradient (+=, or with `overwrite` writes it) and, when `dInput`
    /// is given, overwrites the input gradient of `images`.
    /// - Parameters:
    ///   - dOutput: (N, O, O, Cout); dWeight: (K K Cin, Cout).
    ///   - scratch, scratch2: `scratchCount` floats each.
    public static func backward(input: UnsafePointer<Float>, weight: UnsafePointer<Float>, dOutput: UnsafePointer<Float>,
                                dWeight: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>?,
                                images: Range<Int>, side h: Int, shape s: ConvShape,
                                scratch: UnsafeMutablePointer<Float>, scratch2: UnsafeMutablePointer<Float>, overwrite: Bool = false) {
        let o = s.outputSide(h), chunk = chunkImages(s, side: h)
        var n0 = images.lowerBound
        if overwrite && images.isEmpty { dWeight.update(repeating: 0, count: s.weightCount) }
        while n0 < images.upperBound {
            let count = min(chunk, images.upperBound - n0)
            let rows = count * o * o
            let dOut = dOutput + n0 * o * o * s.cout
            im2col(input, n0: n0, count: count, side: h, s, col: scratch)
            Gemm.sgemm(transA: true, m: s.patch, n: s.cout, k: rows, a: scratch, lda: s.patch, b: dOut, ldb: s.cout,
                       beta: overwrite && n0 == images.lowerBound ? 0 : 1, c: dWeight, ldc: s.cout)
            if let dInput {
                Gemm.sgemm(transB: true, m: rows, n: s.patch, k: s.cout, a: dOut, lda: s.cout, b: weight, ldb: s.cout,
                           beta: 0, c: scratch2, ldc: s.patch)
                (dInput + n0 * h * h * s.cin).update(repeating: 0, count: count * h * h * s.cin)
                col2im(scratch2, n0: n0, count: count, side: h, s, dInput: dInput)
            }
            n0 += count
        }
    }

    /// The naive convolution in Double, same layouts.
    public static func referenceForward(input: [Double], weight: [Double], n: Int, side h: Int, shape s: ConvShape) -> [Double] {
        let o = s.outputSide(h)
        var out = [Double](repeating: 0, count: n * o * o * s.cout)
        for b in 0..<n {
            for y in 0..<o {
                for x in 0..<o {
                    for co in 0..<s.cout {
                        var sum = 0.0
                        for ky in 0..<s.kernel {
                            for kx in 0..<s.kernel {
                                let iy = s.stride * y + ky - s.padding, ix = s.stride * x + kx - s.padding
                                guard iy >= 0, iy < h, ix >= 0, ix < h else { continue }
                                for ci in 0..<s.cin {
                                    sum += input[((b * h + iy) * h + ix) * s.cin + ci] * weight[((ky * s.kernel + kx) * s.cin + ci) * s.cout + co]
                                }
                            }
                        }
                        out[((b * o + y) * o + x) * s.cout + co] = sum
                    }
                }
            }
        }
        return out
    }
}
