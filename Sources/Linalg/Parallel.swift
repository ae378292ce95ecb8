import Dispatch
import Foundation

/// Deterministic data parallelism: work is cut into fixed, contiguous chunks that depend
/// on the amount of work alone, never on the thread count, so per-chunk partial results
/// combined in chunk order give the same bits on 1 or 16 threads. Every parallel loop in
/// krill goes through here (with BLAS kept single-threaded, see `Gemm`).
public enum Parallel {
    /// The machine's active cores: the default thread count.
    public static var cores: Int { ProcessInfo.processInfo.activeProcessorCount }

    /// Items [c N / C, (c + 1) N / C) of chunk c, for N items in C chunks.
    @inline(__always)
    public static func chunk(_ c: Int, of count: Int, chunks: Int) -> Range<Int> {
        (count * c / chunks)..<(count * (c + 1) / chunks)
    }

    /// Runs `body(worker, chunk, range)` for every non-empty chunk of `count` items cut into
    /// `chunks` chunks; worker w (0..<threads) takes chunks w, w + threads, ... in order, so
    /// a worker may keep scratch of its own. Bodies write only to their chunk's outputs.
    public static func forEachChunk(_ count: Int, chunks: Int, threads: Int,
                                    _ body: (_ worker: Int, _ chunk: Int, _ range: Range<Int>) -> Void) {
        let chunks = max(1, chunks)
        let workers = max(1, min(threads, chunks, max(1, count)))
        if workers == 1 {
            for c in 0..<chunks {
                let r = chunk(c, of: count, chunks: chunks)
                if !r.isEmpty { body(0, c, r) }
            }
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var c = w
                while c < chunks {
                    let r = chunk(c, of: count, chunks: chunks)
                    if !r.isEmpty { body(w, c, r) }
                    c += workers
                }
            }
        }
    }

    /// Runs `body(i)` for every i in 0..<count on up to `threads` threads (contiguous
    /// blocks per thread); the first error thrown is rethrown after all threads stop.
    /// Results must not depend on which thread ran which index: write to disjoint slots.
    public static func forEach(_ count: Int, threads: Int, _ body: (Int) throws -> Void) throws {
        guard count > 0 else { return }
        let failure = FirstError()
        forEachChunk(count, chunks: max(1, min(threads, count)), threads: threads) { _, _, range in
            for i in range where !failure.isSet {
                do { try body(i) } catch { failure.set(error) }
            }
        }
        if let error = failure.error { throw error }
    }

    /// Runs two pieces of work side by side (or one after the other on one thread).
    public static func both(threads: Int, _ first: () -> Void, _ second: () -> Void) {
        forEachChunk(2, chunks: 2, threads: threads) { _, c, _ in c == 0 ? first() : second() }
    }
}

/// The first error of a parallel loop.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return stored != nil }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return stored }
    func set(_ e: Error) { lock.lock(); if stored == nil { stored = e }; lock.unlock() }
}
