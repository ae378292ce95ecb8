import CFFTW
import Foundation
import Linalg

/// The repulsive part of the t-SNE gradient by polynomial interpolation on a grid and FFT
/// convolution (Linderman et al. 2019, "FIt-SNE"; openTSNE's `negative_gradient_method="fft"`),
/// O(N + G log G) per iteration for G grid nodes instead of Barnes-Hut's O(N log N) tree walk.
///
/// With the kernel K(d) = 1 / (1 + |d|²)² and four charges per point, q = (1, y₁, y₂, |y|²),
/// the potentials φ_c(i) = Σ_j K(y_i - y_j) q_c(j) give
///
///   repulsion_i = Σ_j K (y_i - y_j) = y_i φ₀(i) - (φ₁(i), φ₂(i)),
///   Z = Σ_i [(1 + |y_i|²) φ₀(i) - 2 y_i·(φ₁(i), φ₂(i)) + φ₃(i)] - N   (since (1 + |d|²) K = w).
///
/// The layout's bounding square is cut into `intervals` boxes per axis (at least
/// `minimumIntervals`, at most `intervalWidth` embedding units wide, and rounded up to a
/// count whose grid size FFTW transforms fast), each with
/// `nodesPerInterval` equispaced nodes. Each point spreads its charges onto the nodes of its
/// box with Lagrange weights, the node grid is convolved with K sampled at node offsets
/// (a circulant embedding of size 2m per axis, FFTW real transforms), and the potentials
/// are interpolated back with the same weights. openTSNE's defaults: 3 nodes, at least 50
/// intervals, 1 unit wide.
///
/// Deterministic: charges are spread in point order, FFTW plans are made with
/// FFTW_ESTIMATE (no timing), and each point's interpolation is independent of threads.
extension Gradient {
    /// - Parameter buffers: FFTW arrays to reuse across calls (an optimisation keeps one);
    ///   nil: allocated for this call.
    public static func interpolated(_ p: Affinities, _ y: [Float], exaggeration: Double, threads: Int = 2,
                                    nodesPerInterval: Int = 3, minimumIntervals: Int = 50,
                                    intervalWidth: Double = 1,
                                    buffers: InterpolationBuffers? = nil) -> (gradient: [Double], z: Double) {
        let n = p.n
        var lo = Double.infinity, hi = -Double.infinity
        for v in y { lo = min(lo, Double(v)); hi = max(hi, Double(v)) }
        let range = max(hi - lo, 1e-3)
        // Rounded up to a count whose grid size factors into 2, 3 and 5: FFTW_ESTIMATE plans
        // for sizes with a large prime factor (1,026 = 2 x 3³ x 19) ran several times slower.
        let intervals = smoothIntervals(atLeast: max(minimumIntervals, Int((range / intervalWidth).rounded(.up))),
                                        nodesPerInterval: nodesPerInterval)
        let k = nodesPerInterval
        let m = intervals * k                    // nodes per axis
        let spacing = range / Double(m)          // between nodes
        let size = 2 * m                          // circulant embedding per axis
        let half = size / 2 + 1

        // Lagrange weights of every point on its box's nodes, in node units: node l of a box
        // sits at l + 1/2.
        var denominators = [Double](repeating: 1, count: k)
        for a in 0..<k { for b in 0..<k where b != a { denominators[a] *= Double(a - b) } }
        var box = [Int32](repeating: 0, count: 2 * n)
        var weights = [Double](repeating: 0, count: 2 * n * k)
        for i in 0..<n {
            for axis in 0..<2 {
                let u = (Double(y[2 * i + axis]) - lo) / spacing
                let b = min(intervals - 1, max(0, Int(u / Double(k))))
                let t = u - Double(b * k)
                box[2 * i + axis] = Int32(b * k)
                for a in 0..<k {
                    var w = 1.0
                    for c in 0..<k where c != a { w *= t - (Double(c) + 0.5) }
                    weights[(2 * i + axis) * k + a] = w / denominators[a]
                }
            }
        }

        // The kernel sampled at node offsets, wrapped into the circulant grid, transformed once.
        let plans = FFTPlans.shared.plans(size: size)
        let buffers = buffers ?? InterpolationBuffers()
        buffers.reserve(size: size)
        let kernelHat: UnsafeMutablePointer<fftw_complex> = buffers.kernelHat
        let realScratch: UnsafeMutablePointer<Double> = buffers.realScratch
        // Squared node offsets along one axis, wrapped (offset m itself lies outside: 0 there).
        let offsets2 = (0..<size).map { g -> Double in
            let d = Double(g < m ? g : g - size) * spacing
            return d * d
        }
        let charges = 4
        let grids = buffers.grids
        let pointCount = n
        // The kernel's table and transform on one thread, the charges spread on the other
        // (each charge's grid written by one thread, in point order).
        Parallel.both(threads: max(1, threads), {
            for gx in 0..<size {
                let row = realScratch + gx * size
                if gx == m { row.update(repeating: 0, count: size); continue }
                for gy in 0..<size {
                    let w = 1 / (1 + offsets2[gx] + offsets2[gy])
                    row[gy] = gy == m ? 0 : w * w
                }
            }
            fftw_execute_dft_r2c(plans.forward, realScratch, kernelHat)
        }, {
            for g in grids { g.update(repeating: 0, count: size * size) }
            let g0 = grids[0], g1 = grids[1], g2 = grids[2], g3 = grids[3]
            for i in 0..<pointCount {
                let yx = Double(y[2 * i]), yy = Double(y[2 * i + 1])
                let r2 = yx * yx + yy * yy
                let bx = Int(box[2 * i]), by = Int(box[2 * i + 1])
                for a in 0..<k {
                    let wx = weights[(2 * i) * k + a]
                    for b in 0..<k {
                        let w = wx * weights[(2 * i + 1) * k + b]
                        let cell = (bx + a) * size + by + b
                        g0[cell] += w
                        g1[cell] += w * yx
                        g2[cell] += w * yy
                        g3[cell] += w * r2
                    }
                }
            }
        })
        let norm = 1 / Double(size * size)
        Parallel.forEachChunk(charges, chunks: charges, threads: max(1, threads)) { _, c, _ in
            let spectrum = buffers.spectra[c]
            fftw_execute_dft_r2c(plans.forward, grids[c], spectrum)
            for t in 0..<(size * half) {
                let (ar, ai) = spectrum[t], (br, bi) = kernelHat[t]
                spectrum[t] = ((ar * br - ai * bi) * norm, (ar * bi + ai * br) * norm)
            }
            fftw_execute_dft_c2r(plans.inverse, spectrum, grids[c])
        }

        // Potentials back at the points, then the repulsion and Z.
        var grad = [Double](repeating: 0, count: 2 * n)
        let chunks = max(1, min(64, n / 256))
        var partialZ = [Double](repeating: 0, count: chunks)
        grad.withUnsafeMutableBufferPointer { gb in
            partialZ.withUnsafeMutableBufferPointer { zb in
                let gp = gb.baseAddress!, zp = zb.baseAddress!
                Parallel.forEachChunk(n, chunks: chunks, threads: max(1, threads)) { _, chunk, range in
                    var z = 0.0
                    for i in range {
                        var phi = (0.0, 0.0, 0.0, 0.0)
                        let bx = Int(box[2 * i]), by = Int(box[2 * i + 1])
                        for a in 0..<k {
                            let wx = weights[(2 * i) * k + a]
                            for b in 0..<k {
                                let w = wx * weights[(2 * i + 1) * k + b]
                                let cell = (bx + a) * size + by + b
                                phi.0 += w * grids[0][cell]
                                phi.1 += w * grids[1][cell]
                                phi.2 += w * grids[2][cell]
                                phi.3 += w * grids[3][cell]
                            }
                        }
                        let yx = Double(y[2 * i]), yy = Double(y[2 * i + 1])
                        z += (1 + yx * yx + yy * yy) * phi.0 - 2 * (yx * phi.1 + yy * phi.2) + phi.3
                        gp[2 * i] = -(yx * phi.0 - phi.1)
                        gp[2 * i + 1] = -(yy * phi.0 - phi.2)
                    }
                    zp[chunk] = z
                }
            }
        }
        let z = partialZ.reduce(0, +) - Double(n)
        finish(&grad, p, y, exaggeration: exaggeration, z: z, threads: threads)
        return (grad, z)
    }
}

/// The FFTW arrays of `Gradient.interpolated`: the kernel's table and transform, the four
/// charge grids and their spectra. Kept across the iterations of an optimisation and grown
/// (by a quarter more than asked) only when the grid outgrows them: allocating them afresh
/// every iteration, at sizes that grow with the layout, left the freed blocks unused by
/// the allocator (360 MiB resident after 500 iterations at 25,000 points).
public final class InterpolationBuffers: @unchecked Sendable {
    /// Grid side the arrays hold (size x size reals, size x (size / 2 + 1) complex).
    private(set) var capacity = 0
    private(set) var kernelHat: UnsafeMutablePointer<fftw_complex>! = nil
    private(set) var realScratch: UnsafeMutablePointer<Double>! = nil
    private(set) var grids: [UnsafeMutablePointer<Double>] = []
    private(set) var spectra: [UnsafeMutablePointer<fftw_complex>] = []

    public init() {}

    /// Makes room for a size x size grid.
    func reserve(size: Int) {
        guard size > capacity else { return }
        release()
        capacity = size + size / 4
        let reals = capacity * capacity, complexes = capacity * (capacity / 2 + 1)
        kernelHat = fftw_alloc_complex(complexes)
        realScratch = fftw_alloc_real(reals)
        grids = (0..<4).map { _ in fftw_alloc_real(reals)! }
        spectra = (0..<4).map { _ in fftw_alloc_complex(complexes)! }
    }

    private func release() {
        if let kernelHat { fftw_free(kernelHat) }
        if let realScratch { fftw_free(realScratch) }
        grids.forEach { fftw_free($0) }
        spectra.forEach { fftw_free($0) }
        grids = []
        spectra = []
    }

    deinit { release() }
}

extension Gradient {
    /// The smallest count c >= `atLeast` such that the circulant grid, 2 x c x `nodesPerInterval`
    /// nodes per axis, has no prime factor above 5.
    static func smoothIntervals(atLeast: Int, nodesPerInterval: Int) -> Int {
        var c = max(1, atLeast)
        while true {
            var size = 2 * c * nodesPerInterval
            for f in [2, 3, 5] { while size % f == 0 { size /= f } }
            if size == 1 { return c }
            c += 1
        }
    }
}

/// FFTW plans by grid size, made once (planning is not thread-safe: under a lock) with
/// FFTW_ESTIMATE, for any arrays of that size allocated by `fftw_alloc_*` (which aligns
/// them all alike, so the plans may use FFTW's SIMD codelets: planning with
/// FFTW_UNALIGNED instead made every transform about twice as slow).
final class FFTPlans: @unchecked Sendable {
    static let shared = FFTPlans()
    private let lock = NSLock()
    private var cache: [Int: (forward: OpaquePointer, inverse: OpaquePointer)] = [:]

    func plans(size: Int) -> (forward: OpaquePointer, inverse: OpaquePointer) {
        lock.lock()
        defer { lock.unlock() }
        if let p = cache[size] { return p }
        let real = fftw_alloc_real(size * size)!, complex = fftw_alloc_complex(size * (size / 2 + 1))!
        defer { fftw_free(real); fftw_free(complex) }
        let flags = UInt32(FFTW_ESTIMATE)
        let forward = fftw_plan_dft_r2c_2d(Int32(size), Int32(size), real, complex, flags)!
        let inverse = fftw_plan_dft_c2r_2d(Int32(size), Int32(size), complex, real, flags | UInt32(FFTW_DESTROY_INPUT))!
        cache[size] = (forward, inverse)
        return (forward, inverse)
    }
}
