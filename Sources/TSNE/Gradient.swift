import Linalg
import Dispatch
import Foundation

/// The t-SNE gradient, with the factor 4 of the textbook formula left out (as openTSNE
/// does; the learning rate absorbs it):
///
///   g_i = Σ_j e p_ij w_ij (y_i - y_j)  -  (1/Z) Σ_j w_ij² (y_i - y_j),
///   w_ij = 1 / (1 + |y_i - y_j|²),  Z = Σ_{k≠l} w_kl,
///
/// with e the exaggeration. The attractive part runs over the sparse P; the repulsive
/// part and Z either exactly (O(N²), for tests) or with Barnes-Hut on a quadtree.
public enum Gradient {
    /// The gradient (n x 2) and Z at layout `y` (n x 2).
    ///
    /// A cell of width w whose centre of mass is at distance r from the point stands for
    /// all its points when w² < theta² r² (scikit-learn's and openTSNE's criterion);
    /// leaves always do, except the point's own leaf, which contributes its coincident
    /// points to Z only. Points are walked in the tree's depth-first order, in fixed
    /// chunks whose partial Z are added in chunk order: deterministic for any thread count.
    public static func barnesHut(_ p: Affinities, _ y: [Float], exaggeration: Double, theta: Double,
                                 threads: Int = 2) -> (gradient: [Double], z: Double) {
        let n = p.n
        var grad = [Double](repeating: 0, count: 2 * n)
        var attraction = [Double](repeating: 0, count: 2 * n)
        let chunks = max(1, min(64, n / 32))
        var partialZ = [Double](repeating: 0, count: chunks)
        y.withUnsafeBufferPointer { yb in
            let yp = yb.baseAddress!
            // The tree (serial) and the attraction over P (independent of it) side by side.
            var built: QuadTree? = nil
            attraction.withUnsafeMutableBufferPointer { ab in
                let ap = ab.baseAddress!
                Parallel.both(threads: threads, { built = QuadTree(yp, n: n) }, { attract(p, yp, into: ap, range: 0..<n) })
            }
            let tree = built!
            let theta2 = theta * theta
            grad.withUnsafeMutableBufferPointer { gb in
                partialZ.withUnsafeMutableBufferPointer { zb in
                    tree.nodes.withUnsafeBufferPointer { nb in
                        tree.order.withUnsafeBufferPointer { ob in
                            let gp = gb.baseAddress!, zp = zb.baseAddress!, nodes = nb.baseAddress!, order = ob.baseAddress!
                            Parallel.forEachChunk(n, chunks: chunks, threads: threads) { _, chunk, range in
                                var z = 0.0
                                let stack = UnsafeMutablePointer<Int32>.allocate(capacity: 4 * 256 + 8)
                                defer { stack.deallocate() }
                                for r in range {
                                    let i = Int(order[r])
                                    let xi = Double(yp[2 * i]), yi = Double(yp[2 * i + 1])
                                    var rx = 0.0, ry = 0.0
                                    stack[0] = 0
                                    var top = 1
                                    if nodes[0].firstChild < 0 {
                                        // A root leaf: all points coincide with this one.
                                        z += Double(nodes[0].count) - 1
                                        top = 0
                                    }
                                    // Stack entries are inner nodes that already failed nothing;
                                    // leaves are summed as soon as they are seen, never stacked.
                                    while top > 0 {
                                        top -= 1
                                        let node = nodes[Int(stack[top])]
                                        let dx = xi - Double(node.massX), dy = yi - Double(node.massY)
                                        let d2 = dx * dx + dy * dy
                                        if Double(node.width2) < theta2 * d2 {
                                            let m = Double(node.count)
                                            let q = 1 / (1 + d2)
                                            z += m * q
                                            let f = m * q * q
                                            rx += f * dx
                                            ry += f * dy
                                            continue
                                        }
                                        let first = Int(node.firstChild)
                                        for c in first..<(first + 4) {
                                            let child = nodes[c]
                                            if child.count == 0 { continue }
                                            if child.firstChild >= 0 {
                                                stack[top] = Int32(c)
                                                top += 1
                                                continue
                                            }
                                            let cx = xi - Double(child.massX), cy = yi - Double(child.massY)
                                            let c2 = cx * cx + cy * cy
                                            let m = Double(child.count)
                                            if c2 == 0 {
                                                z += m - 1
                                            } else {
                                                let q = 1 / (1 + c2)
                                                z += m * q
                                                let f = m * q * q
                                                rx += f * cx
                                                ry += f * cy
                                            }
                                        }
                                    }
                                    gp[2 * i] = -rx
                                    gp[2 * i + 1] = -ry
                                }
                                zp[chunk] = z
                            }
                        }
                    }
                }
            }
        }
        var z = 0.0
        for c in partialZ { z += c }
        let invZ = z > 0 ? 1 / z : 0
        for t in 0..<(2 * n) { grad[t] = exaggeration * attraction[t] + grad[t] * invZ }
        return (grad, z)
    }

    /// Σ_j p_ij w_ij (y_i - y_j) for the points in `range`, into out[2i], out[2i+1].
    static func attract(_ p: Affinities, _ yp: UnsafePointer<Float>, into out: UnsafeMutablePointer<Double>, range: Range<Int>) {
        p.rowStart.withUnsafeBufferPointer { rs in
            p.columns.withUnsafeBufferPointer { cs in
                p.values.withUnsafeBufferPointer { vs in
                    for i in range {
                        let (ax, ay) = attraction(row: i, yp, rs[i]..<rs[i + 1], cs.baseAddress!, vs.baseAddress!)
                        out[2 * i] = ax
                        out[2 * i + 1] = ay
                    }
                }
            }
        }
    }

    /// The exact gradient and Z (O(N²)): the reference the Barnes-Hut version is tested against.
    public static func exact(_ p: Affinities, _ y: [Float], exaggeration: Double) -> (gradient: [Double], z: Double) {
        let n = p.n
        var grad = [Double](repeating: 0, count: 2 * n)
        var z = 0.0
        for i in 0..<n {
            for j in 0..<n where j != i {
                let dx = Double(y[2 * i]) - Double(y[2 * j]), dy = Double(y[2 * i + 1]) - Double(y[2 * j + 1])
                let q = 1 / (1 + dx * dx + dy * dy)
                z += q
                grad[2 * i] -= q * q * dx
                grad[2 * i + 1] -= q * q * dy
            }
        }
        finish(&grad, p, y, exaggeration: exaggeration, z: z, threads: 1)
        return (grad, z)
    }

    /// Turns the unnormalised repulsion in `grad` into the full gradient: divides it by Z
    /// and adds the attraction over P.
    static func finish(_ grad: inout [Double], _ p: Affinities, _ y: [Float], exaggeration: Double, z: Double, threads: Int) {
        let n = p.n
        let invZ = z > 0 ? 1 / z : 0
        grad.withUnsafeMutableBufferPointer { gb in
            let gp = gb.baseAddress!
            p.rowStart.withUnsafeBufferPointer { rs in
                p.columns.withUnsafeBufferPointer { cs in
                    p.values.withUnsafeBufferPointer { vs in
                        y.withUnsafeBufferPointer { yb in
                            let yp = yb.baseAddress!
                            Parallel.forEachChunk(n, chunks: 64, threads: threads) { _, _, range in
                                for i in range {
                                    let (ax, ay) = attraction(row: i, yp, rs[i]..<rs[i + 1], cs.baseAddress!, vs.baseAddress!)
                                    gp[2 * i] = exaggeration * ax + gp[2 * i] * invZ
                                    gp[2 * i + 1] = exaggeration * ay + gp[2 * i + 1] * invZ
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Σ_j p_ij (y_i - y_j) / (1 + |y_i - y_j|²) over row i's entries of P, four entries at a
    /// time in Float (the division is what an iteration spends most on at 100,000 points:
    /// four Float quotients cost about what one Double quotient does), lanes summed in Double.
    @inline(__always)
    static func attraction(row i: Int, _ yp: UnsafePointer<Float>, _ entries: Range<Int>,
                           _ cs: UnsafePointer<Int32>, _ vs: UnsafePointer<Float>) -> (Double, Double) {
        typealias V4 = SIMD4<Float>
        let xi = V4(repeating: yp[2 * i]), yi = V4(repeating: yp[2 * i + 1])
        var ax = V4(), ay = V4()
        var t = entries.lowerBound
        while t + 4 <= entries.upperBound {
            let j0 = 2 * Int(cs[t]), j1 = 2 * Int(cs[t + 1]), j2 = 2 * Int(cs[t + 2]), j3 = 2 * Int(cs[t + 3])
            let dx = xi - V4(yp[j0], yp[j1], yp[j2], yp[j3])
            let dy = yi - V4(yp[j0 + 1], yp[j1 + 1], yp[j2 + 1], yp[j3 + 1])
            let w = UnsafeRawPointer(vs + t).loadUnaligned(as: V4.self) / (1 + dx * dx + dy * dy)
            ax += w * dx
            ay += w * dy
            t += 4
        }
        var sx = Double(ax[0]) + Double(ax[1]) + Double(ax[2]) + Double(ax[3])
        var sy = Double(ay[0]) + Double(ay[1]) + Double(ay[2]) + Double(ay[3])
        while t < entries.upperBound {
            let j = 2 * Int(cs[t])
            let dx = yp[2 * i] - yp[j], dy = yp[2 * i + 1] - yp[j + 1]
            let w = vs[t] / (1 + dx * dx + dy * dy)
            sx += Double(w * dx)
            sy += Double(w * dy)
            t += 1
        }
        return (sx, sy)
    }

    /// KL(P || Q) = Σ p_ij ln(p_ij / q_ij) over the nonzero p_ij, q_ij = w_ij / Z.
    public static func klDivergence(_ p: Affinities, _ y: [Float], z: Double) -> Double {
        var kl = 0.0
        let logZ = log(z)
        for i in 0..<p.n {
            for t in p.rowStart[i]..<p.rowStart[i + 1] {
                let pij = Double(p.values[t])
                guard pij > 0 else { continue }
                let j = Int(p.columns[t])
                let dx = Double(y[2 * i]) - Double(y[2 * j]), dy = Double(y[2 * i + 1]) - Double(y[2 * j + 1])
                // ln q_ij = -ln(1 + d²) - ln Z
                kl += pij * (log(pij) + log(1 + dx * dx + dy * dy) + logZ)
            }
        }
        return kl
    }
}
