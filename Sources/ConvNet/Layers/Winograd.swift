import Linalg

/// 3x3 same-padding convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray
/// 2016), over NHWC activations: 16 multiplications per 2x2 output tile and channel pair
/// instead of 36, i.e. 2.25x fewer than im2col + GEMM, as 16 GEMMs of (tiles x Cin) by
/// (Cin x Cout).
///
/// For every 4x4 input tile d (stride 2, zero padding 1) and channel: V = Bᵀ d B; for every
/// filter g (3x3) and channel pair: U = G g Gᵀ; per tile M_ξ = Σ_c V_ξ[c] U_ξ[c, :] for each of
/// the 16 positions ξ (one GEMM each); output tile Y = Aᵀ M A (2x2), plus the bias. Odd
/// sides are handled by tiles hanging over the edge (their extra outputs are dropped).
///
/// The same routine computes the input gradient of a convolution: dX is the same-padding
/// correlation of dY with the flipped filter, channels swapped (`transformWeights(flip:)`).
///
/// Layouts: V is (16, tiles, Cin) and M (16, tiles, Cout) row-major, so each of the 16 GEMMs
/// works on contiguous matrices (strided ones ran at half the speed); U is (16, Cin, Cout).
/// The tiles of a run of images are processed in chunks of `chunkTiles` (small enough for V
/// and M to stay in the core's cache), a size that depends only on the layer's shape; the
/// sums over tiles (weight gradients) add chunk after chunk, so the results do not depend on
/// how a batch is split among threads.
public enum Winograd {
    /// Floats of V plus M a chunk aims for (512 KB: measured best of 64 KB to 8 MB).
    static let targetChunkFloats = 1 << 17

    @inline(__always)
    static func tiles(_ h: Int, _ w: Int) -> (y: Int, x: Int) { ((h + 1) / 2, (w + 1) / 2) }

    /// Tiles per chunk for this shape (chunks run over the tiles of consecutive images).
    /// - Parameter minimumTiles: the smallest chunk (the plain network's 32; the ResNet's
    ///   128, which keeps the 16 GEMMs of its wide layers from being too thin to run fast).
    public static func chunkTiles(cin: Int, cout: Int, minimumTiles: Int = 32) -> Int {
        max(minimumTiles, targetChunkFloats / (16 * (cin + cout)))
    }

    /// Scratch floats for V and for M when computing up to `n` images.
    public static func scratchCounts(n: Int, h: Int, w: Int, cin: Int, cout: Int, minimumTiles: Int = 32) -> (v: Int, m: Int) {
        let t = tiles(h, w)
        let count = min(n * t.y * t.x, chunkTiles(cin: cin, cout: cout, minimumTiles: minimumTiles))
        return (count * 16 * cin, count * 16 * cout)
    }

    /// (image, tile row, tile column) of tile k, tiles numbered image by image, row by row.
    @inline(__always)
    static func tileCoordinates(_ k: Int, _ t: (y: Int, x: Int)) -> (Int, Int, Int) {
        let perImage = t.y * t.x
        let i = k / perImage, r = k - i * perImage
        let ty = r / t.x
        return (i, ty, r - ty * t.x)
    }

    /// U = G g Gᵀ for every filter of a (3, 3, Cin, Cout) weight.
    /// - Parameters:
    ///   - weight: (3, 3, Cin, Cout) row-major (`Conv3x3`'s layout).
    ///   - flip: transform the filters of the input-gradient convolution instead: rotated by
    ///     180 degrees with the channels swapped, so `u` is (16, Cout, Cin).
    ///   - u: (16, Cin, Cout) (or (16, Cout, Cin) with `flip`), overwritten.
    public static func transformWeights(_ weight: UnsafePointer<Float>, cin: Int, cout: Int, flip: Bool,
                                        into u: UnsafeMutablePointer<Float>) {
        let (rows, cols) = flip ? (cout, cin) : (cin, cout)
        let plane = rows * cols
        for ci in 0..<cin {
            for co in 0..<cout {
                // g[ky][kx] of this channel pair (flipped for the gradient).
                var g = (Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0), Float(0))
                withUnsafeMutableBytes(of: &g) { raw in
                    let gp = raw.baseAddress!.assumingMemoryBound(to: Float.self)
                    for ky in 0..<3 {
                        for kx in 0..<3 {
                            let sy = flip ? 2 - ky : ky, sx = flip ? 2 - kx : kx
                            gp[ky * 3 + kx] = weight[((sy * 3 + sx) * cin + ci) * cout + co]
                        }
                    }
                }
                let (g0, g1, g2, g3, g4, g5, g6, g7, g8) = g
                // t = G g (4 x 3), rows of g are (g0 g1 g2), (g3 g4 g5), (g6 g7 g8).
                let t0 = (g0, g1, g2)
                let t1 = ((g0 + g3 + g6) * 0.5, (g1 + g4 + g7) * 0.5, (g2 + g5 + g8) * 0.5)
                let t2 = ((g0 - g3 + g6) * 0.5, (g1 - g4 + g7) * 0.5, (g2 - g5 + g8) * 0.5)
                let t3 = (g6, g7, g8)
                let base = u + (flip ? co * cols + ci : ci * cols + co)
                @inline(__always) func put(_ a: Int, _ x0: Float, _ x1: Float, _ x2: Float) {
                    base[(a * 4 + 0) * plane] = x0
                    base[(a * 4 + 1) * plane] = (x0 + x1 + x2) * 0.5
                    base[(a * 4 + 2) * plane] = (x0 - x1 + x2) * 0.5
                    base[(a * 4 + 3) * plane] = x2
                }
                put(0, t0.0, t0.1, t0.2)
                put(1, t1.0, t1.1, t1.2)
                put(2, t2.0, t2.1, t2.2)
                put(3, t3.0, t3.1, t3.2)
            }
        }
    }

    /// output = conv3x3(input) with the transformed weights `u`, plus `bias` when given.
    /// - Parameters:
    ///   - input: (N, H, W, Cin).
    ///   - u: (16, Cin, Cout) from `transformWeights`.
    ///   - bias: (Cout) or nil.
    ///   - output: (N, H, W, Cout), overwritten for `images`.
    ///   - v, m: scratch of `scratchCounts(n:h:w:cin:cout:)` floats.
    ///   - pool: fuse `MaxPool2x2` with ReLU into the output transform: each 2x2 output tile is a
    ///     pooling window, so only the pooled (N, H/2, W/2, Cout) values and their argmax are
    ///     written (bit-identical to the separate layers) and `output` is not touched.
    public static func forward(input: UnsafePointer<Float>, u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                               output: UnsafeMutablePointer<Float>, images: Range<Int>, h: Int, w: Int, cin: Int, cout: Int,
                               v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
                               pool: (output: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<UInt8>)? = nil,
                               minimumTiles: Int = 32) {
        let chunk = chunkTiles(cin: cin, cout: cout, minimumTiles: minimumTiles)
        let t = tiles(h, w)
        var k0 = images.lowerBound * t.y * t.x
        let end = images.upperBound * t.y * t.x
        while k0 < end {
            let tileCount = min(chunk, end - k0)
            inputTransform(input, firstTile: k0, tileCount: tileCount, h: h, w: w, c: cin, v: v)
            for xi in 0..<16 {
                Gemm.sgemm(m: tileCount, n: cout, k: cin, a: v + xi * tileCount * cin, lda: cin,
                           b: u + xi * cin * cout, ldb: cout, beta: 0, c: m + xi * tileCount * cout, ldc: cout)
            }
            if let pool {
                outputTransformPool(m, firstTile: k0, tileCount: tileCount, h: h, w: w, c: cout, bias: bias,
                                    pooled: pool.output, argmax: pool.argmax)
            } else {
                outputTransform(m, firstTile: k0, tileCount: tileCount, h: h, w: w, c: cout, bias: bias, output: output)
            }
            k0 += tileCount
        }
    }

    /// Weight and bias gradients by Winograd F(3x3, 2x2), the transposed algorithm:
    /// dW = Gᵀ [Σ_tiles (Bᵀ X B) ⊙ (A dY Aᵀ)] G per channel pair, where the sum over tiles is the
    /// K dimension of 16 GEMMs (Cin x tiles) by (tiles x Cout); 2.25x fewer multiplications
    /// than im2col.
    /// - Parameters:
    ///   - input: (N, H, W, Cin), the forward input.
    ///   - dOutput: (N, H, W, Cout).
    ///   - dWeight: (9 Cin + 1, Cout) weight and bias gradients (`Conv3x3`'s layout), accumulated (+=).
    ///   - images: the images to sum over.
    ///   - v, e: scratch of `scratchCounts(n:h:w:cin:cout:)` (v, m) floats.
    ///   - accumulator: 16 Cin Cout floats of scratch.
    ///   - overwrite: write the (9 Cin, Cout) weight gradient instead of adding to it, and
    ///     leave out the bias (the ResNet's convolutions have none): no zeroing is needed.
    public static func weightGradient(input: UnsafePointer<Float>, dOutput: UnsafePointer<Float>, dWeight: UnsafeMutablePointer<Float>,
                                      images: Range<Int>, h: Int, w: Int, cin: Int, cout: Int,
                                      v: UnsafeMutablePointer<Float>, e: UnsafeMutablePointer<Float>,
                                      accumulator acc: UnsafeMutablePointer<Float>, minimumTiles: Int = 32, overwrite: Bool = false) {
        let chunk = chunkTiles(cin: cin, cout: cout, minimumTiles: minimumTiles)
        let t = tiles(h, w)
        if !overwrite { acc.update(repeating: 0, count: 16 * cin * cout) }
        var k0 = images.lowerBound * t.y * t.x
        let end = images.upperBound * t.y * t.x
        var first = true
        while k0 < end {
            let tileCount = min(chunk, end - k0)
            inputTransform(input, firstTile: k0, tileCount: tileCount, h: h, w: w, c: cin, v: v)
            gradientTransform(dOutput, firstTile: k0, tileCount: tileCount, h: h, w: w, c: cout, e: e)
            // (With `overwrite`, the first chunk sets the accumulator instead of adding to zeros.)
            let beta: Float = overwrite && first ? 0 : 1
            for xi in 0..<16 {
                Gemm.sgemm(transA: true, m: cin, n: cout, k: tileCount, a: v + xi * tileCount * cin, lda: cin,
                           b: e + xi * tileCount * cout, ldb: cout, beta: beta, c: acc + xi * cin * cout, ldc: cout)
            }
            first = false
            k0 += tileCount
        }
        if first { acc.update(repeating: 0, count: 16 * cin * cout) }   // no tiles at all
        // dW[ky, kx] += (Gᵀ M G)[ky, kx], G columns (1 .5 .5 0), (0 .5 -.5 0), (0 .5 .5 1);
        // eight output channels at a time (contiguous in M and in dW).
        typealias V8 = SIMD8<Float>
        let plane = cin * cout
        let half: Float = 0.5
        for ci in 0..<cin {
            var co = 0
            while co < cout {
                let lanes = min(8, cout - co)
                let mp = acc + ci * cout + co
                @inline(__always) func m(_ a: Int, _ b: Int) -> V8 {
                    if lanes == 8 { return UnsafeRawPointer(mp + (a * 4 + b) * plane).loadUnaligned(as: V8.self) }
                    var x = V8()
                    for l in 0..<lanes { x[l] = mp[(a * 4 + b) * plane + l] }
                    return x
                }
                @inline(__always) func add(_ j: Int, _ k: Int, _ x: V8) {
                    let out = dWeight + ((j * 3 + k) * cin + ci) * cout + co
                    if overwrite {
                        if lanes == 8 { UnsafeMutableRawPointer(out).storeBytes(of: x, as: V8.self) } else { for l in 0..<lanes { out[l] = x[l] } }
                    } else if lanes == 8 {
                        let old = UnsafeRawPointer(out).loadUnaligned(as: V8.self)
                        UnsafeMutableRawPointer(out).storeBytes(of: old + x, as: V8.self)
                    } else {
                        for l in 0..<lanes { out[l] += x[l] }
                    }
                }
                // q_j = row j of Gᵀ M, for each of the 4 columns b; then dW row j = q_j G.
                @inline(__always) func q(_ bcol: Int) -> (V8, V8, V8) {
                    let m0 = m(0, bcol), m1 = m(1, bcol), m2 = m(2, bcol), m3 = m(3, bcol)
                    let s12: V8 = m1 + m2
                    return (m0 + half * s12, half * (m1 - m2), half * s12 + m3)
                }
                let c0 = q(0), c1 = q(1), c2 = q(2), c3 = q(3)
                @inline(__always) func row(_ j: Int, _ x0: V8, _ x1: V8, _ x2: V8, _ x3: V8) {
                    let s12: V8 = x1 + x2
                    add(j, 0, x0 + half * s12)
                    add(j, 1, half * (x1 - x2))
                    add(j, 2, half * s12 + x3)
                }
                row(0, c0.0, c1.0, c2.0, c3.0)
                row(1, c0.1, c1.1, c2.1, c3.1)
                row(2, c0.2, c1.2, c2.2, c3.2)
                co += lanes
            }
        }
        if overwrite { return }
        // Bias: column sums of dY, rows in order.
        let db = dWeight + 9 * cin * cout
        for r in (images.lowerBound * h * w)..<(images.upperBound * h * w) {
            addVector(dOutput + r * cout, into: db, count: cout)
        }
    }

    /// E = A dY Aᵀ for output tiles [firstTile, firstTile + tileCount) (outputs beyond the
    /// edge count as 0); A = [1 0; 1 1; 1 -1; 0 -1]. E is (16, tiles, C).
    static func gradientTransform(_ dOutput: UnsafePointer<Float>, firstTile: Int, tileCount: Int, h: Int, w: Int, c: Int,
                                  e: UnsafeMutablePointer<Float>) {
        typealias V8 = SIMD8<Float>
        let t = tiles(h, w)
        let plane = tileCount * c
        withUnsafeTemporaryAllocation(of: Float.self, capacity: c) { tmp in
            let zero = tmp.baseAddress!
            zero.update(repeating: 0, count: c)
            var out = e
            for k in firstTile..<(firstTile + tileCount) {
                let (i, ty, tx) = tileCoordinates(k, t)
                let img = dOutput + i * h * w * c
                do {
                    do {
                        let y0 = 2 * ty, x0 = 2 * tx
                        let right = x0 + 1 < w, below = y0 + 1 < h
                        let p00 = img + (y0 * w + x0) * c
                        let p01 = right ? p00 + c : UnsafePointer(zero)
                        let p10 = below ? p00 + w * c : UnsafePointer(zero)
                        let p11 = right && below ? p00 + (w + 1) * c : UnsafePointer(zero)
                        @inline(__always) func st(_ k: Int, _ ch: Int, _ x: V8) {
                            UnsafeMutableRawPointer(out + k * plane + ch).storeBytes(of: x, as: V8.self)
                        }
                        var ch = 0
                        while ch + 8 <= c {
                            let a = UnsafeRawPointer(p00 + ch).loadUnaligned(as: V8.self)
                            let b = UnsafeRawPointer(p01 + ch).loadUnaligned(as: V8.self)
                            let cc = UnsafeRawPointer(p10 + ch).loadUnaligned(as: V8.self)
                            let d = UnsafeRawPointer(p11 + ch).loadUnaligned(as: V8.self)
                            // r = A dY: rows (a b), (a+c b+d), (a-c b-d), (-c -d); then E = r Aᵀ.
                            let r10: V8 = a + cc, r11: V8 = b + d, r20: V8 = a - cc, r21: V8 = b - d
                            st(0, ch, a); st(1, ch, a + b); st(2, ch, a - b); st(3, ch, -b)
                            st(4, ch, r10); st(5, ch, r10 + r11); st(6, ch, r10 - r11); st(7, ch, -r11)
                            st(8, ch, r20); st(9, ch, r20 + r21); st(10, ch, r20 - r21); st(11, ch, -r21)
                            st(12, ch, -cc); st(13, ch, -cc - d); st(14, ch, d - cc); st(15, ch, d)
                            ch += 8
                        }
                        while ch < c {
                            let a = p00[ch], b = p01[ch], cc = p10[ch], d = p11[ch]
                            let r10 = a + cc, r11 = b + d, r20 = a - cc, r21 = b - d
                            let vals: [Float] = [a, a + b, a - b, -b, r10, r10 + r11, r10 - r11, -r11,
                                                 r20, r20 + r21, r20 - r21, -r21, -cc, -cc - d, d - cc, d]
                            for k in 0..<16 { out[k * plane + ch] = vals[k] }
                            ch += 1
                        }
                        out += c
                    }
                }
            }
        }
    }

    /// V = Bᵀ d B for tiles [firstTile, firstTile + tileCount); Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
    static func inputTransform(_ input: UnsafePointer<Float>, firstTile: Int, tileCount: Int, h: Int, w: Int, c: Int,
                               v: UnsafeMutablePointer<Float>) {
        let t = tiles(h, w)
        let plane = tileCount * c
        withUnsafeTemporaryAllocation(of: Float.self, capacity: c) { tmp in
            let zero = tmp.baseAddress!        // stands for the pixels outside the image
            zero.update(repeating: 0, count: c)
            var out = v
            for k in firstTile..<(firstTile + tileCount) {
                let (i, ty, tx) = tileCoordinates(k, t)
                let img = input + i * h * w * c
                do {
                    do {
                        // Pointers to the 16 input pixels (or the zero row).
                        var rows = (zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero, zero)
                        withUnsafeMutableBytes(of: &rows) { raw in
                            let p = raw.baseAddress!.assumingMemoryBound(to: UnsafeMutablePointer<Float>.self)
                            for a in 0..<4 {
                                let y = 2 * ty - 1 + a
                                guard y >= 0 && y < h else { continue }
                                for b in 0..<4 {
                                    let x = 2 * tx - 1 + b
                                    guard x >= 0 && x < w else { continue }
                                    p[a * 4 + b] = UnsafeMutablePointer(mutating: img + (y * w + x) * c)
                                }
                            }
                            transform4x4(p, out, c, plane)
                        }
                        out += c
                    }
                }
            }
        }
    }

    /// out[ξ plane + ch] = (Bᵀ d B)[ξ] for the 16 rows d[k] (each C floats), eight channels at a time.
    @inline(__always)
    static func transform4x4(_ d: UnsafeMutablePointer<UnsafeMutablePointer<Float>>, _ out: UnsafeMutablePointer<Float>, _ c: Int,
                             _ plane: Int) {
        typealias V8 = SIMD8<Float>
        @inline(__always) func ld(_ k: Int, _ ch: Int) -> V8 { UnsafeRawPointer(d[k] + ch).loadUnaligned(as: V8.self) }
        @inline(__always) func st(_ k: Int, _ ch: Int, _ x: V8) { UnsafeMutableRawPointer(out + k * plane + ch).storeBytes(of: x, as: V8.self) }
        var ch = 0
        while ch + 8 <= c {
            // Rows: r_a = Bᵀ applied down each column b.
            let d00 = ld(0, ch), d01 = ld(1, ch), d02 = ld(2, ch), d03 = ld(3, ch)
            let d10 = ld(4, ch), d11 = ld(5, ch), d12 = ld(6, ch), d13 = ld(7, ch)
            let d20 = ld(8, ch), d21 = ld(9, ch), d22 = ld(10, ch), d23 = ld(11, ch)
            let d30 = ld(12, ch), d31 = ld(13, ch), d32 = ld(14, ch), d33 = ld(15, ch)
            let t00 = d00 - d20, t01 = d01 - d21, t02 = d02 - d22, t03 = d03 - d23
            let t10 = d10 + d20, t11 = d11 + d21, t12 = d12 + d22, t13 = d13 + d23
            let t20 = d20 - d10, t21 = d21 - d11, t22 = d22 - d12, t23 = d23 - d13
            let t30 = d10 - d30, t31 = d11 - d31, t32 = d12 - d32, t33 = d13 - d33
            st(0, ch, t00 - t02); st(1, ch, t01 + t02); st(2, ch, t02 - t01); st(3, ch, t01 - t03)
            st(4, ch, t10 - t12); st(5, ch, t11 + t12); st(6, ch, t12 - t11); st(7, ch, t11 - t13)
            st(8, ch, t20 - t22); st(9, ch, t21 + t22); st(10, ch, t22 - t21); st(11, ch, t21 - t23)
            st(12, ch, t30 - t32); st(13, ch, t31 + t32); st(14, ch, t32 - t31); st(15, ch, t31 - t33)
            ch += 8
        }
        while ch < c {
            let e = (0..<16).map { d[$0][ch] }
            var t = [Float](repeating: 0, count: 16)
            for b in 0..<4 {
                t[0 * 4 + b] = e[0 * 4 + b] - e[2 * 4 + b]
                t[1 * 4 + b] = e[1 * 4 + b] + e[2 * 4 + b]
                t[2 * 4 + b] = e[2 * 4 + b] - e[1 * 4 + b]
                t[3 * 4 + b] = e[1 * 4 + b] - e[3 * 4 + b]
            }
            for a in 0..<4 {
                out[(a * 4 + 0) * plane + ch] = t[a * 4 + 0] - t[a * 4 + 2]
                out[(a * 4 + 1) * plane + ch] = t[a * 4 + 1] + t[a * 4 + 2]
                out[(a * 4 + 2) * plane + ch] = t[a * 4 + 2] - t[a * 4 + 1]
                out[(a * 4 + 3) * plane + ch] = t[a * 4 + 1] - t[a * 4 + 3]
            }
            ch += 1
        }
    }

    /// Y = Aᵀ M A + bias of one tile for 8 channels from `channel`: the outputs (0,0), (0,1),
    /// (1,0), (1,1). M's 16 positions are `plane` floats apart (Aᵀ = [1 1 1 0; 0 1 -1 -1]).
    @inline(__always)
    static func outputTile8(_ m: UnsafePointer<Float>, plane: Int, channel ch: Int, bias: UnsafePointer<Float>?)
        -> (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>) {
        typealias V8 = SIMD8<Float>
        @inline(__always) func ld(_ k: Int) -> V8 { UnsafeRawPointer(m + k * plane + ch).loadUnaligned(as: V8.self) }
        let m00 = ld(0), m01 = ld(1), m02 = ld(2), m03 = ld(3)
        let m10 = ld(4), m11 = ld(5), m12 = ld(6), m13 = ld(7)
        let m20 = ld(8), m21 = ld(9), m22 = ld(10), m23 = ld(11)
        let m30 = ld(12), m31 = ld(13), m32 = ld(14), m33 = ld(15)
        let s00: V8 = m00 + m10 + m20, s01: V8 = m01 + m11 + m21
        let s02: V8 = m02 + m12 + m22, s03: V8 = m03 + m13 + m23
        let s10: V8 = m10 - m20 - m30, s11: V8 = m11 - m21 - m31
        let s12: V8 = m12 - m22 - m32, s13: V8 = m13 - m23 - m33
        let b = bias.map { UnsafeRawPointer($0 + ch).loadUnaligned(as: V8.self) } ?? V8()
        return (s00 + s01 + s02 + b, s01 - s02 - s03 + b, s10 + s11 + s12 + b, s11 - s12 - s13 + b)
    }

    /// `outputTile8` for one channel (the channels left after the multiples of 8).
    @inline(__always)
    static func outputTile1(_ m: UnsafePointer<Float>, plane: Int, channel ch: Int, bias: UnsafePointer<Float>?)
        -> (Float, Float, Float, Float) {
        @inline(__always) func e(_ k: Int) -> Float { m[k * plane + ch] }
        let s00 = e(0) + e(4) + e(8), s01 = e(1) + e(5) + e(9), s02 = e(2) + e(6) + e(10), s03 = e(3) + e(7) + e(11)
        let s10 = e(4) - e(8) - e(12), s11 = e(5) - e(9) - e(13), s12 = e(6) - e(10) - e(14), s13 = e(7) - e(11) - e(15)
        let b: Float = bias?[ch] ?? 0
        return (s00 + s01 + s02 + b, s01 - s02 - s03 + b, s10 + s11 + s12 + b, s11 - s12 - s13 + b)
    }

    /// relu(maxpool(Aᵀ M A + bias)) for every tile inside the pooled area (tiles over an odd
    /// edge are the rows and columns the pool drops); ties go to the first of 00, 01, 10, 11.
    static func outputTransformPool(_ m: UnsafePointer<Float>, firstTile: Int, tileCount: Int, h: Int, w: Int, c: Int,
                                    bias: UnsafePointer<Float>?, pooled: UnsafeMutablePointer<Float>,
                                    argmax: UnsafeMutablePointer<UInt8>) {
        typealias V8 = SIMD8<Float>
        typealias I8 = SIMD8<Int32>
        let t = tiles(h, w)
        let ph = h / 2, pw = w / 2
        let plane = tileCount * c
        var src = m
        for k in firstTile..<(firstTile + tileCount) {
            let (i, ty, tx) = tileCoordinates(k, t)
            do {
                do {
                    defer { src += c }
                    guard ty < ph && tx < pw else { continue }
                    let o = ((i * ph + ty) * pw + tx) * c
                    let out = pooled + o, arg = argmax + o
                    var ch = 0
                    while ch + 8 <= c {
                        let (y00, y01, y10, y11) = outputTile8(src, plane: plane, channel: ch, bias: bias)
                        var best = y00
                        var a = I8(repeating: 0)
                        let k1 = y01 .> best
                        best.replace(with: y01, where: k1); a.replace(with: 1, where: k1)
                        let k2 = y10 .> best
                        best.replace(with: y10, where: k2); a.replace(with: 2, where: k2)
                        let k3 = y11 .> best
                        best.replace(with: y11, where: k3); a.replace(with: 3, where: k3)
                        best.replace(with: 0, where: .!(best .> 0))
                        UnsafeMutableRawPointer(out + ch).storeBytes(of: best, as: V8.self)
                        UnsafeMutableRawPointer(arg + ch).storeBytes(of: SIMD8<UInt8>(truncatingIfNeeded: a), as: SIMD8<UInt8>.self)
                        ch += 8
                    }
                    while ch < c {
                        let t = outputTile1(src, plane: plane, channel: ch, bias: bias)
                        let y: [Float] = [t.0, t.1, t.2, t.3]
                        var best = y[0], a: UInt8 = 0
                        for k in 1..<4 where y[k] > best { best = y[k]; a = UInt8(k) }
                        out[ch] = best > 0 ? best : 0
                        arg[ch] = a
                        ch += 1
                    }
                }
            }
        }
    }

    /// Y = Aᵀ M A (+ bias) for tiles [firstTile, firstTile + tileCount); Aᵀ = [1 1 1 0; 0 1 -1 -1].
    static func outputTransform(_ m: UnsafePointer<Float>, firstTile: Int, tileCount: Int, h: Int, w: Int, c: Int,
                                bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>) {
        typealias V8 = SIMD8<Float>
        let t = tiles(h, w)
        let plane = tileCount * c
        var src = m
        for k in firstTile..<(firstTile + tileCount) {
            let (i, ty, tx) = tileCoordinates(k, t)
            let img = output + i * h * w * c
            do {
                do {
                    let y0 = 2 * ty, x0 = 2 * tx
                    let hasRight = x0 + 1 < w, hasBelow = y0 + 1 < h
                    let o00 = img + (y0 * w + x0) * c
                    let o01 = o00 + c
                    let o10 = o00 + w * c
                    let o11 = o10 + c
                    var ch = 0
                    while ch + 8 <= c {
                        let (y00, y01, y10, y11) = outputTile8(src, plane: plane, channel: ch, bias: bias)
                        UnsafeMutableRawPointer(o00 + ch).storeBytes(of: y00, as: V8.self)
                        if hasRight { UnsafeMutableRawPointer(o01 + ch).storeBytes(of: y01, as: V8.self) }
                        if hasBelow {
                            UnsafeMutableRawPointer(o10 + ch).storeBytes(of: y10, as: V8.self)
                            if hasRight { UnsafeMutableRawPointer(o11 + ch).storeBytes(of: y11, as: V8.self) }
                        }
                        ch += 8
                    }
                    while ch < c {
                        let (y00, y01, y10, y11) = outputTile1(src, plane: plane, channel: ch, bias: bias)
                        o00[ch] = y00
                        if hasRight { o01[ch] = y01 }
                        if hasBelow {
                            o10[ch] = y10
                            if hasRight { o11[ch] = y11 }
                        }
                        ch += 1
                    }
                    src += c
                }
            }
        }
    }
}
