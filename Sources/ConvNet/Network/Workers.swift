import Foundation
import Linalg

/// Data parallelism that cannot change a single bit of the results.
///
/// A batch of N images is cut into `Workers.groups` fixed, contiguous groups of images
/// (group g holds images [g N / G, (g + 1) N / G)); the cut depends on N alone, never on
/// the thread count. Each group is computed by one thread with single-threaded BLAS, and
/// every reduction over the batch (weight gradients, batch-norm statistics) first sums
/// within a group, then adds the G group sums in group order. So 1, 2 or 16 threads give
/// identical bits, and the OpenBLAS thread count does not matter either: ConvNet runs BLAS
/// on one thread (OpenBLAS's own threading is not bit-stable: with 2 threads it splits the
/// K dimension of some products differently from 1 thread).
public struct Workers: Sendable, Equatable {
    /// The fixed number of image groups G of every batch.
    public static let groups = 16

    /// Threads used (at most `groups`).
    public let count: Int

    public init(_ count: Int) { self.count = max(1, min(count, Workers.groups)) }

    public static let serial = Workers(1)

    /// Images [g N / G, (g + 1) N / G) of group g.
    @inline(__always)
    public static func range(group g: Int, of n: Int) -> Range<Int> { Parallel.chunk(g, of: n, chunks: groups) }

    /// Runs `body(worker, group, images)` for every non-empty group of a batch of `n` images;
    /// worker w (0..<count) takes the groups w, w + count, ... in order. Bodies must write
    /// only to their own group's outputs and their own worker's scratch.
    public func forEachGroup(_ n: Int, _ body: (_ worker: Int, _ group: Int, _ images: Range<Int>) -> Void) {
        Parallel.forEachChunk(n, chunks: Workers.groups, threads: count, body)
    }

    /// Runs `body` with OpenBLAS on one thread (see `Gemm.withSingleThreadedBLAS`).
    public static func withSingleThreadedBLAS<T>(_ body: () throws -> T) rethrows -> T {
        try Gemm.withSingleThreadedBLAS(body)
    }

    /// The machine's active cores.
    public static var available: Int { Parallel.cores }
}
