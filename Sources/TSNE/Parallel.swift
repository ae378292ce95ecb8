import Dispatch

/// Splits 0..<count into `chunks` fixed contiguous ranges and runs them on up to
/// `threads` threads. The partition depends on `count` and `chunks` only, never on the
/// thread count, so per-chunk partial sums combined in chunk order are deterministic.
@inline(__always)
func forEachChunk(_ count: Int, chunks: Int, threads: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
    let chunks = max(1, min(chunks, count))
    let workers = max(1, min(threads, chunks))
    if workers == 1 {
        for c in 0..<chunks { body(c, (count * c / chunks)..<(count * (c + 1) / chunks)) }
        return
    }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        var c = w
        while c < chunks {
            body(c, (count * c / chunks)..<(count * (c + 1) / chunks))
            c += workers
        }
    }
}
