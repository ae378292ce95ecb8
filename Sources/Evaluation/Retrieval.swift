import Clustering
import Foundation
import Linalg
import Storage

/// Retrieval figures of metric learning, as pytorch-metric-learning's `AccuracyCalculator`
/// defines them (Musgrave et al. 2020, "A metric learning reality check"): each query's
/// neighbours among the reference points by Euclidean distance (nearest first, ties to the
/// lower reference index); R = the number of reference points of the query's class (minus
/// the query itself when queries and references are the same points).
///
/// - precision@1: whether the nearest neighbour has the query's class;
/// - R-precision: the fraction of the R nearest that have the query's class;
/// - MAP@R: (1/R) Σ_{i ≤ R} rel(i) · P(i), with rel(i) = 1 when neighbour i has the
///   query's class and P(i) the fraction of such among the first i neighbours.
///
/// Each is averaged over the queries (not per class first). Queries whose class has no
/// reference point (R = 0) are left out, as pytorch-metric-learning does.
public struct RetrievalResult: Sendable, Equatable {
    /// Figures of one class's queries, or of all queries (`classIndex` nil).
    public struct Row: Sendable, Equatable {
        public let classIndex: Int?
        public let queries: Int
        public let precisionAt1: Double
        public let rPrecision: Double
        public let mapAtR: Double
    }

    /// One row per class (in class order; classes without queries have 0 queries and NaN
    /// figures), then `all`.
    public let perClass: [Row]
    public let all: Row

    /// `summary.csv`: `class,queries,precision_at_1,r_precision,map_at_r`, one row per class,
    /// then `all`.
    public func csv(classNames: [String]) -> String {
        func fields(_ name: String, _ r: Row) -> [String] {
            [name, String(r.queries), ReportNumber.format(r.precisionAt1), ReportNumber.format(r.rPrecision), ReportNumber.format(r.mapAtR)]
        }
        return CSV.render(header: ["class", "queries", "precision_at_1", "r_precision", "map_at_r"],
                          rows: perClass.map { fields(classNames[$0.classIndex!], $0) } + [fields("all", all)])
    }
}

public enum Retrieval {
    /// Query rows per block of the distance GEMM.
    static let blockRows = 128

    /// The retrieval figures of `queries` against `references`.
    /// - Parameters:
    ///   - queries: nq x d row-major, with `queryLabels` in 0..<classCount.
    ///   - references: nr x d row-major, with `referenceLabels` in 0..<classCount.
    ///   - sameSource: the queries are the references (same points, same order): each query
    ///     is left out of its own neighbours (leave-one-out).
    ///   - threads: results do not depend on it.
    public static func evaluate(queries: [Float], queryLabels: [Int], references: [Float], referenceLabels: [Int],
                                d: Int, classCount: Int, sameSource: Bool, threads: Int = Parallel.cores) -> RetrievalResult {
        let nq = queryLabels.count, nr = referenceLabels.count
        precondition(queries.count == nq * d && references.count == nr * d, "retrieval: shapes do not match the labels")
        precondition(!sameSource || nq == nr, "retrieval: same-source queries must be the references")
        var classSize = [Int](repeating: 0, count: classCount)
        for l in referenceLabels { classSize[l] += 1 }
        // Per query: (p@1, R-precision, MAP@R), or nil when R = 0.
        var figures = [(Double, Double, Double)?](repeating: nil, count: nq)
        let refNorms = references.withUnsafeBufferPointer { SquaredDistances.rowNorms($0.baseAddress!, n: nr, d: d) }
        let queryNorms = queries.withUnsafeBufferPointer { SquaredDistances.rowNorms($0.baseAddress!, n: nq, d: d) }
        let blocks = (nq + blockRows - 1) / blockRows
        let workers = max(1, min(threads, blocks))
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * blockRows * max(nr, 1))
        defer { scratch.deallocate() }
        queries.withUnsafeBufferPointer { qb in
            references.withUnsafeBufferPointer { rb in
                figures.withUnsafeMutableBufferPointer { fb in
                    let qp = qb.baseAddress!, rp = rb.baseAddress!, out = fb.baseAddress!
                    Parallel.forEachChunk(blocks, chunks: blocks, threads: workers) { w, b, _ in
                        let first = b * blockRows, rows = min(blockRows, nq - first)
                        let cross = scratch + w * blockRows * max(nr, 1)
                        // cross[i, j] = q_i · r_j
                        Gemm.sgemm(transB: true, m: rows, n: nr, k: d, a: qp + first * d, lda: d, b: rp, ldb: d, c: cross, ldc: nr)
                        for i in 0..<rows {
                            let q = first + i
                            let label = queryLabels[q]
                            let r = classSize[label] - (sameSource ? 1 : 0)
                            guard r > 0 else { continue }
                            let qNorm = queryNorms[q]
                            let row = cross + i * nr
                            let nearest = smallest(max(1, r), of: nr, excluding: sameSource ? q : nil) { j in
                                max(0, qNorm - 2 * row[j] + refNorms[j])
                            }
                            out[q] = figuresOf(nearest.map { referenceLabels[$0] }, label: label, r: r)
                        }
                    }
                }
            }
        }
        func row(_ indices: [Int], _ classIndex: Int?) -> RetrievalResult.Row {
            let values = indices.compactMap { figures[$0] }
            guard !values.isEmpty else { return .init(classIndex: classIndex, queries: 0, precisionAt1: .nan, rPrecision: .nan, mapAtR: .nan) }
            let n = Double(values.count)
            return .init(classIndex: classIndex, queries: values.count, precisionAt1: values.reduce(0) { $0 + $1.0 } / n,
                         rPrecision: values.reduce(0) { $0 + $1.1 } / n, mapAtR: values.reduce(0) { $0 + $1.2 } / n)
        }
        let byClass = (0..<classCount).map { c in row((0..<nq).filter { queryLabels[$0] == c }, c) }
        return RetrievalResult(perClass: byClass, all: row(Array(0..<nq), nil))
    }

    /// (precision@1, R-precision, MAP@R) of one query from the labels of its nearest
    /// neighbours (at least R of them, nearest first).
    static func figuresOf(_ labels: [Int], label: Int, r: Int) -> (Double, Double, Double) {
        var hits = 0
        var precisionSum = 0.0
        for i in 0..<r where labels[i] == label {
            hits += 1
            precisionSum += Double(hits) / Double(i + 1)
        }
        return (labels[0] == label ? 1 : 0, Double(hits) / Double(r), precisionSum / Double(r))
    }

    /// The indices of the `k` smallest of `distance(0..<n)` (skipping `excluding`), nearest
    /// first, ties to the lower index: a bounded max-heap, then a sort.
    static func smallest(_ k: Int, of n: Int, excluding: Int?, _ distance: (Int) -> Float) -> [Int] {
        var heap: [(Float, Int)] = []
        heap.reserveCapacity(k + 1)
        func worse(_ a: (Float, Int), _ b: (Float, Int)) -> Bool { a.0 > b.0 || (a.0 == b.0 && a.1 > b.1) }
        for j in 0..<n where j != excluding {
            let item = (distance(j), j)
            if heap.count < k {
                heap.append(item)
                var c = heap.count - 1
                while c > 0 {
                    let p = (c - 1) / 2
                    guard worse(heap[c], heap[p]) else { break }
                    heap.swapAt(c, p)
                    c = p
                }
            } else if worse(heap[0], item) {
                heap[0] = item
                var p = 0
                while true {
                    let l = 2 * p + 1, r = l + 1
                    var top = p
                    if l < heap.count && worse(heap[l], heap[top]) { top = l }
                    if r < heap.count && worse(heap[r], heap[top]) { top = r }
                    if top == p { break }
                    heap.swapAt(p, top)
                    p = top
                }
            }
        }
        return heap.sorted { worse($1, $0) }.map(\.1)
    }
}
