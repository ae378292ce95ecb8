import Foundation

/// Runs `body(i)` for i in 0..<count on up to `jobs` threads, in contiguous chunks.
/// Results must not depend on which thread ran which index: callers write to disjoint slots.
func parallelFor(_ count: Int, jobs: Int, _ body: (Int) throws -> Void) throws {
    guard count > 0 else { return }
    let workers = max(1, min(jobs, count))
    if workers == 1 {
        for i in 0..<count { try body(i) }
        return
    }
    let lock = NSLock()
    var firstError: Error?
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        let lo = count * w / workers
        let hi = count * (w + 1) / workers
        for i in lo..<hi {
            do { try body(i) } catch {
                lock.lock()
                if firstError == nil { firstError = error }
                lock.unlock()
                return
            }
        }
    }
    if let firstError { throw firstError }
}

/// The default number of worker threads: the machine's active cores.
var defaultJobs: Int { ProcessInfo.processInfo.activeProcessorCount }
