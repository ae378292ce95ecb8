import Linalg

/// Exact k nearest neighbours in Euclidean distance by blocked GEMM: for a block of query
/// rows, squared distances to a block of candidate rows are ||q||² + ||c||² - 2 q·c
/// (one sgemm), and each query keeps its k best in a bounded max-heap. Memory stays at
/// one block of distances (128 queries x 2,048 candidates) per worker; time is O(N² D) in
/// GEMM plus a cheap O(N²) scan. The chosen neighbours' squared distances are then recomputed exactly in
/// Double. A point is never its own neighbour; ties go to the lower index.
public enum NearestNeighbors {
    /// Squared distances and indices of each point's k nearest neighbours.
    public struct Result: Sendable, Equatable {
        public let k: Int
        /// n x k, row i sorted by increasing distance.
        public let indices: [Int32]
        /// n x k squared Euclidean distances, matching `indices`.
        public let squaredDistances: [Float]
    }

    /// The k nearest neighbours of every row of `x` (n x d) among the other rows.
    /// - Precondition: 0 < k < n.
    public static func exact(_ x: [Float], n: Int, d: Int, k: Int, threads: Int = 2) -> Result {
        precondition(k > 0 && k < n, "neighbours: need 0 < k (\(k)) < n (\(n))")
        precondition(x.count == n * d, "neighbours: \(x.count) values for \(n) x \(d)")
        var indices = [Int32](repeating: 0, count: n * k)
        var dists = [Float](repeating: 0, count: n * k)
        // Fixed blocks of query rows, one worker each: the products, and so the choices, do
        // not depend on the thread count. A block's distances to one candidate block (1 MiB)
        // are scanned while still in cache.
        let queryBlock = 128
        let candidateBlock = 2048
        let blocks = (n + queryBlock - 1) / queryBlock
        x.withUnsafeBufferPointer { xb in
            let xp = xb.baseAddress!
            var norms = [Float](repeating: 0, count: n)
            for i in 0..<n {
                var s: Float = 0
                for j in 0..<d { s += xp[i * d + j] * xp[i * d + j] }
                norms[i] = s
            }
            indices.withUnsafeMutableBufferPointer { ib in
                dists.withUnsafeMutableBufferPointer { db in
                    norms.withUnsafeBufferPointer { nb in
                        let ip = ib.baseAddress!, dp = db.baseAddress!, np = nb.baseAddress!
                        Parallel.forEachChunk(blocks, chunks: blocks, threads: threads) { _, b, _ in
                            let q0 = b * queryBlock, qn = min(queryBlock, n - q0)
                            var block = [Float](repeating: 0, count: qn * candidateBlock)
                            // Per query: a max-heap of (distance, index) of size k, stored flat.
                            var heapD = [Float](repeating: .infinity, count: qn * k)
                            var heapI = [Int32](repeating: Int32.max, count: qn * k)
                            block.withUnsafeMutableBufferPointer { bb in
                                heapD.withUnsafeMutableBufferPointer { hd in
                                    heapI.withUnsafeMutableBufferPointer { hi in
                                        let bp = bb.baseAddress!, hdp = hd.baseAddress!, hip = hi.baseAddress!
                                        var c0 = 0
                                        while c0 < n {
                                            let cn = min(candidateBlock, n - c0)
                                            Gemm.sgemm(transB: true, m: qn, n: cn, k: d, alpha: -2, a: xp + q0 * d, lda: d,
                                                       b: xp + c0 * d, ldb: d, c: bp, ldc: cn)
                                            for r in 0..<qn {
                                                let qi = q0 + r
                                                let row = bp + r * cn
                                                let hD = hdp + r * k, hI = hip + r * k
                                                let qn2 = np[qi]
                                                var worst = hD[0]
                                                for c in 0..<cn {
                                                    let j = c0 + c
                                                    let dist = max(0, row[c] + qn2 + np[j])
                                                    if dist > worst || j == qi { continue }
                                                    if dist == worst && Int32(j) > hI[0] { continue }
                                                    heapReplaceTop(hD, hI, k, dist, Int32(j))
                                                    worst = hD[0]
                                                }
                                            }
                                            c0 += cn
                                        }
                                    }
                                }
                            }
                            // Exact distances for the chosen neighbours, then sort each row.
                            finishRows(xp, d: d, k: k, rows: q0..<(q0 + qn), heapOffset: q0, heapI: heapI,
                                       indices: ip, squaredDistances: dp)
                        }
                    }
                }
            }
        }
        return Result(k: k, indices: indices, squaredDistances: dists)
    }

    /// Recomputes the squared distances of `rows`' chosen neighbours exactly (in Double) and
    /// writes each row sorted by (distance, index) into `indices`/`squaredDistances` (n x k),
    /// on `threads` threads. Row r's candidates are `heapI[(r - heapOffset) * k ..< +k]`, in any order.
    static func finish(_ xp: UnsafePointer<Float>, d: Int, k: Int, rows: Range<Int>, heapOffset: Int, heapI: [Int32],
                       indices: inout [Int32], squaredDistances: inout [Float], threads: Int) {
        indices.withUnsafeMutableBufferPointer { ib in
            squaredDistances.withUnsafeMutableBufferPointer { db in
                let ip = ib.baseAddress!, dp = db.baseAddress!
                Parallel.forEachChunk(rows.count, chunks: 16, threads: threads) { _, _, chunk in
                    finishRows(xp, d: d, k: k, rows: (chunk.lowerBound + rows.lowerBound)..<(chunk.upperBound + rows.lowerBound),
                               heapOffset: heapOffset, heapI: heapI, indices: ip, squaredDistances: dp)
                }
            }
        }
    }

    /// `finish` for one run of rows on the calling thread.
    static func finishRows(_ xp: UnsafePointer<Float>, d: Int, k: Int, rows: Range<Int>, heapOffset: Int, heapI: [Int32],
                           indices: UnsafeMutablePointer<Int32>, squaredDistances: UnsafeMutablePointer<Float>) {
        var pairs = [(Float, Int32)]()
        pairs.reserveCapacity(k)
        for qi in rows {
            pairs.removeAll(keepingCapacity: true)
            for t in 0..<k {
                let j = Int(heapI[(qi - heapOffset) * k + t])
                var s: Double = 0
                for c in 0..<d { let v = Double(xp[qi * d + c]) - Double(xp[j * d + c]); s += v * v }
                pairs.append((Float(s), Int32(j)))
            }
            pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            for t in 0..<k {
                squaredDistances[qi * k + t] = pairs[t].0
                indices[qi * k + t] = pairs[t].1
            }
        }
    }

    /// Replaces the top (largest, then highest index) of a max-heap of size k and sifts down.
    @inline(__always)
    static func heapReplaceTop(_ hD: UnsafeMutablePointer<Float>, _ hI: UnsafeMutablePointer<Int32>, _ k: Int,
                               _ dist: Float, _ index: Int32) {
        var pos = 0
        while true {
            let l = 2 * pos + 1
            if l >= k { break }
            var child = l
            let r = l + 1
            if r < k && (hD[r] > hD[l] || (hD[r] == hD[l] && hI[r] > hI[l])) { child = r }
            if hD[child] > dist || (hD[child] == dist && hI[child] > index) {
                hD[pos] = hD[child]
                hI[pos] = hI[child]
                pos = child
            } else {
                break
            }
        }
        hD[pos] = dist
        hI[pos] = index
    }
}
