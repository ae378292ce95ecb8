import Linalg

/// Approximate k nearest neighbours for t-SNE's affinities on large N, where the exact
/// search's O(N² D) dominates (29 of 87 seconds at 100,000 points in 64 dimensions):
///
/// 1. A forest of `trees` random-projection trees. A node splits its points at the median
///    of their projections on the difference of two of its points drawn at random (Annoy's
///    hyperplanes, but balanced), down to leaves of at most `leafSize` points.
/// 2. In every leaf, each point's neighbours among the leaf's points by one sgemm (as
///    `NearestNeighbors.exact` does for all points), merged into each point's k best over
///    all trees.
/// 3. `refinements` rounds of NN-descent's local join: each point also tries the
///    neighbours of its `fanout` nearest neighbours (and of the points that list it among
///    theirs), keeping the k best.
///
/// The chosen neighbours' distances are then recomputed exactly in Double and each row is
/// sorted, as in the exact search. Deterministic for a seed, whatever the thread count: the
/// trees depend on the seed alone, a leaf's points are written by the one worker that owns
/// the leaf, a refinement round reads only the previous round's graph, and every distance
/// is computed by the same code for the same pair. Recall against the exact search is
/// measured by `recall(_:exact:)` (the TSNETests and `krill bench tsne --neighbors`).
public enum ApproximateNeighbors {
    /// How hard the search works: more trees, bigger leaves and more refinement raise the
    /// recall and the time.
    public struct Parameters: Sendable, Equatable {
        public var trees: Int
        /// Largest leaf (raised to 2k + 2 so that every leaf holds k others).
        public var leafSize: Int
        public var refinements: Int
        /// Neighbours whose lists each point searches in a refinement round.
        public var fanout: Int
        /// How far into each of those lists (nearest first) it searches.
        public var depth: Int

        public init(trees: Int = 4, leafSize: Int = 1024, refinements: Int = 2, fanout: Int = 10, depth: Int = 90) {
            self.depth = depth
            self.trees = trees
            self.leafSize = leafSize
            self.refinements = refinements
            self.fanout = fanout
        }
    }

    /// The approximate k nearest neighbours of every row of `x` (n x d) among the other rows,
    /// in the layout of `NearestNeighbors.exact`.
    /// - Precondition: 0 < k < n.
    public static func search(_ x: [Float], n: Int, d: Int, k: Int, seed: UInt64, parameters: Parameters = Parameters(),
                              threads: Int = 2) -> NearestNeighbors.Result {
        precondition(k > 0 && k < n, "neighbours: need 0 < k (\(k)) < n (\(n))")
        precondition(x.count == n * d, "neighbours: \(x.count) values for \(n) x \(d)")
        let leafSize = max(parameters.leafSize, 2 * k + 2)
        var heapD = [Float](repeating: .infinity, count: n * k)
        var heapI = [Int32](repeating: Int32.max, count: n * k)
        var indices = [Int32](repeating: 0, count: n * k)
        var dists = [Float](repeating: 0, count: n * k)
        x.withUnsafeBufferPointer { xb in
            let xp = xb.baseAddress!
            var norms = [Float](repeating: 0, count: n)
            for i in 0..<n { norms[i] = dot(xp + i * d, xp + i * d, d) }
            // The trees, side by side: each is a permutation of the points cut into leaves.
            var forest = [Tree](repeating: Tree(order: [], leafStarts: []), count: parameters.trees)
            forest.withUnsafeMutableBufferPointer { fb in
                let fp = fb.baseAddress!
                Parallel.forEachChunk(parameters.trees, chunks: parameters.trees, threads: threads) { _, t, _ in
                    fp[t] = Tree.build(xp, n: n, d: d, leafSize: leafSize, seed: seed, tree: t)
                }
            }
            norms.withUnsafeBufferPointer { nb in
                heapD.withUnsafeMutableBufferPointer { hd in
                    heapI.withUnsafeMutableBufferPointer { hi in
                        for tree in forest {
                            searchLeaves(tree, xp, norms: nb.baseAddress!, n: n, d: d, k: k, leafSize: leafSize,
                                         heapD: hd.baseAddress!, heapI: hi.baseAddress!, threads: threads)
                        }
                    }
                }
            }
            for _ in 0..<parameters.refinements {
                refine(xp, n: n, d: d, k: k, fanout: min(parameters.fanout, k), depth: min(parameters.depth, k), heapD: &heapD, heapI: &heapI, threads: threads)
            }
            NearestNeighbors.finish(xp, d: d, k: k, rows: 0..<n, heapOffset: 0, heapI: heapI,
                                    indices: &indices, squaredDistances: &dists, threads: threads)
        }
        return NearestNeighbors.Result(k: k, indices: indices, squaredDistances: dists)
    }

    /// The fraction of the exact neighbours that `approximate` found (1: all of them).
    public static func recall(_ approximate: NearestNeighbors.Result, exact: NearestNeighbors.Result) -> Double {
        precondition(approximate.k == exact.k && approximate.indices.count == exact.indices.count)
        let k = exact.k, n = exact.indices.count / max(1, k)
        var found = 0
        for i in 0..<n {
            let truth = Set(exact.indices[(i * k)..<((i + 1) * k)])
            for t in 0..<k where truth.contains(approximate.indices[i * k + t]) { found += 1 }
        }
        return Double(found) / Double(max(1, n * k))
    }

    /// One random-projection tree: `order` lists the points leaf after leaf; leaf l holds
    /// `order[leafStarts[l] ..< leafStarts[l + 1]]`.
    struct Tree {
        var order: [Int32]
        var leafStarts: [Int]

        static func build(_ xp: UnsafePointer<Float>, n: Int, d: Int, leafSize: Int, seed: UInt64, tree: Int) -> Tree {
            var order = (0..<n).map { Int32($0) }
            var leafStarts: [Int] = []
            var keyed: [(Float, Int32)] = []
            var direction = [Float](repeating: 0, count: d)
            // Depth first, left before right, so that leaves come out in order.
            var stack: [Range<Int>] = [0..<n]
            while let range = stack.popLast() {
                if range.count <= leafSize {
                    leafStarts.append(range.lowerBound)
                    continue
                }
                var random = RandomStream(seed: seed, "tsne-rp-tree", tree, range.lowerBound, range.count)
                let a = Int(order[range.lowerBound + Int(random.next() % UInt64(range.count))])
                var b = Int(order[range.lowerBound + Int(random.next() % UInt64(range.count - 1))])
                if b == a { b = Int(order[range.upperBound - 1]) }
                for c in 0..<d { direction[c] = xp[a * d + c] - xp[b * d + c] }
                keyed.removeAll(keepingCapacity: true)
                direction.withUnsafeBufferPointer { db in
                    for p in range {
                        let i = Int(order[p])
                        keyed.append((dot(xp + i * d, db.baseAddress!, d), Int32(i)))
                    }
                }
                // The median by (projection, index): equal projections still split evenly.
                keyed.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                for (t, entry) in keyed.enumerated() { order[range.lowerBound + t] = entry.1 }
                let middle = range.lowerBound + range.count / 2
                stack.append(middle..<range.upperBound)
                stack.append(range.lowerBound..<middle)
            }
            leafStarts.append(n)
            return Tree(order: order, leafStarts: leafStarts)
        }
    }

    /// Offers every point of every leaf of `tree` the other points of its leaf.
    static func searchLeaves(_ tree: Tree, _ xp: UnsafePointer<Float>, norms: UnsafePointer<Float>, n: Int, d: Int, k: Int,
                             leafSize: Int, heapD: UnsafeMutablePointer<Float>, heapI: UnsafeMutablePointer<Int32>,
                             threads: Int) {
        let leaves = tree.leafStarts.count - 1
        Parallel.forEachChunk(leaves, chunks: min(leaves, 4 * max(1, threads)), threads: threads) { _, _, range in
            var rows = [Float](repeating: 0, count: leafSize * d)
            var block = [Float](repeating: 0, count: leafSize * leafSize)
            var marks = Marks(count: n)
            rows.withUnsafeMutableBufferPointer { rb in
                block.withUnsafeMutableBufferPointer { bb in
                    let rp = rb.baseAddress!, bp = bb.baseAddress!
                    for leaf in range {
                        let start = tree.leafStarts[leaf], m = tree.leafStarts[leaf + 1] - start
                        for r in 0..<m {
                            let i = Int(tree.order[start + r])
                            (rp + r * d).update(from: xp + i * d, count: d)
                        }
                        Gemm.sgemm(transB: true, m: m, n: m, k: d, alpha: -2, a: rp, lda: d, b: rp, ldb: d, c: bp, ldc: m)
                        for r in 0..<m {
                            let i = Int(tree.order[start + r])
                            let hD = heapD + i * k, hI = heapI + i * k
                            marks.begin(i, listed: hI, k)
                            let row = bp + r * m
                            let ni = norms[i]
                            for c in 0..<m where c != r {
                                let j = tree.order[start + c]
                                if marks.isMarked(j) { continue }
                                offer(hD, hI, k, max(0, row[c] + ni + norms[Int(j)]), j)
                            }
                        }
                    }
                }
            }
        }
    }

    /// One round of the local join: point i tries the lists of its `fanout` nearest
    /// neighbours and of the points that have i among their `fanout` nearest.
    static func refine(_ xp: UnsafePointer<Float>, n: Int, d: Int, k: Int, fanout: Int, depth: Int,
                       heapD: inout [Float], heapI: inout [Int32], threads: Int) {
        // The previous graph, each row sorted nearest first.
        var sorted = [Int32](repeating: 0, count: n * k)
        heapD.withUnsafeBufferPointer { hd in
            heapI.withUnsafeBufferPointer { hi in
                sorted.withUnsafeMutableBufferPointer { sb in
                    let hdp = hd.baseAddress!, hip = hi.baseAddress!, sp = sb.baseAddress!
                    Parallel.forEachChunk(n, chunks: 64, threads: threads) { _, _, range in
                        var pairs = [(Float, Int32)]()
                        for i in range {
                            pairs.removeAll(keepingCapacity: true)
                            for t in 0..<k { pairs.append((hdp[i * k + t], hip[i * k + t])) }
                            pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                            for t in 0..<k { sp[i * k + t] = pairs[t].1 }
                        }
                    }
                }
            }
        }
        // Reverse lists: the points that have i among their `fanout` nearest, by index.
        var reverseStart = [Int](repeating: 0, count: n + 1)
        for i in 0..<n { for t in 0..<fanout { reverseStart[Int(sorted[i * k + t]) + 1] += 1 } }
        for i in 0..<n { reverseStart[i + 1] += reverseStart[i] }
        var reverse = [Int32](repeating: 0, count: reverseStart[n])
        var fill = reverseStart
        for i in 0..<n { for t in 0..<fanout { let j = Int(sorted[i * k + t]); reverse[fill[j]] = Int32(i); fill[j] += 1 } }
        let previous = sorted
        heapD.withUnsafeMutableBufferPointer { hd in
            heapI.withUnsafeMutableBufferPointer { hi in
                let hdp = hd.baseAddress!, hip = hi.baseAddress!
                previous.withUnsafeBufferPointer { pb in
                    reverse.withUnsafeBufferPointer { rb in
                        let pp = pb.baseAddress!, rvp = rb.baseAddress!
                        Parallel.forEachChunk(n, chunks: 64, threads: threads) { _, _, range in
                            var marks = Marks(count: n)
                            for i in range {
                                let hD = hdp + i * k, hI = hip + i * k
                                let xi = xp + i * d
                                marks.begin(i, listed: hI, k)
                                func tryList(of a: Int) {
                                    for t in 0..<depth {
                                        let j = pp[a * k + t]
                                        if marks.isMarked(j) { continue }
                                        marks.mark(j)
                                        offer(hD, hI, k, squaredDistance(xi, xp + Int(j) * d, d), j)
                                    }
                                }
                                for t in 0..<fanout { tryList(of: Int(pp[i * k + t])) }
                                for r in reverseStart[i]..<reverseStart[i + 1] { tryList(of: Int(rvp[r])) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// The points a point has already seen in one pass: its own list (and itself) when it
    /// starts, then every candidate tried, so that no distance is computed twice and a
    /// listed point is never listed again. One per worker; `begin` forgets the previous point.
    struct Marks {
        var owner: [Int32]
        var current: Int32 = -1

        init(count: Int) { owner = [Int32](repeating: -1, count: count) }

        /// Starts point i: marks i and the k points of its list (entries not yet filled are skipped).
        mutating func begin(_ i: Int, listed: UnsafePointer<Int32>, _ k: Int) {
            current = Int32(i)
            owner[i] = current
            for t in 0..<k where listed[t] != Int32.max { owner[Int(listed[t])] = current }
        }

        @inline(__always) func isMarked(_ j: Int32) -> Bool { owner[Int(j)] == current }
        @inline(__always) mutating func mark(_ j: Int32) { owner[Int(j)] = current }
    }

    /// Puts j (not in the heap: see `Marks`) into a point's max-heap of k (distance, index)
    /// when it beats the worst.
    @inline(__always)
    static func offer(_ hD: UnsafeMutablePointer<Float>, _ hI: UnsafeMutablePointer<Int32>, _ k: Int,
                      _ dist: Float, _ j: Int32) {
        if dist > hD[0] || (dist == hD[0] && j >= hI[0]) { return }
        NearestNeighbors.heapReplaceTop(hD, hI, k, dist, j)
    }

    /// a · b over d floats, eight lanes then the rest: the same bits for the same pair everywhere.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
        var acc = SIMD8<Float>()
        var c = 0
        while c + 8 <= d {
            let va = UnsafeRawPointer(a + c).loadUnaligned(as: SIMD8<Float>.self)
            let vb = UnsafeRawPointer(b + c).loadUnaligned(as: SIMD8<Float>.self)
            acc += va * vb
            c += 8
        }
        var s = acc.sum()
        while c < d { s += a[c] * b[c]; c += 1 }
        return s
    }

    /// ||a - b||² over d floats, summed as in `dot`.
    @inline(__always)
    static func squaredDistance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Float {
        var acc = SIMD8<Float>()
        var c = 0
        while c + 8 <= d {
            let v = UnsafeRawPointer(a + c).loadUnaligned(as: SIMD8<Float>.self)
                - UnsafeRawPointer(b + c).loadUnaligned(as: SIMD8<Float>.self)
            acc += v * v
            c += 8
        }
        var s = acc.sum()
        while c < d { let v = a[c] - b[c]; s += v * v; c += 1 }
        return s
    }
}
