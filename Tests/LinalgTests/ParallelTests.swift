import Foundation
import Linalg
import XCTest

final class ParallelTests: XCTestCase {
    /// The chunks cover every item once, in order, and do not depend on the thread count.
    func testChunksArePartitionOfTheItemsWhateverTheThreads() {
        for (count, chunks) in [(0, 4), (3, 16), (16, 16), (100, 7), (1000, 64)] {
            var seen: [[Int]] = []
            for threads in [1, 2, 5] {
                let box = Slots(chunks)
                Parallel.forEachChunk(count, chunks: chunks, threads: threads) { worker, chunk, range in
                    XCTAssert(worker < threads && chunk % min(threads, chunks, max(1, count)) == worker)
                    box.set(chunk, Array(range))
                }
                let covered = box.all.flatMap { $0 }
                XCTAssertEqual(covered, Array(0..<count), "count \(count) chunks \(chunks) threads \(threads)")
                seen.append(box.all.map { $0.count })
            }
            XCTAssertEqual(Set(seen.map { "\($0)" }).count, 1, "the partition must not depend on the threads")
        }
        XCTAssertEqual(Parallel.chunk(2, of: 10, chunks: 4), 5..<7)
    }

    func testForEachVisitsEveryIndexAndRethrowsTheFirstError() throws {
        let box = Slots(50)
        try Parallel.forEach(50, threads: 3) { box.set($0, [$0]) }
        XCTAssertEqual(box.all.flatMap { $0 }, Array(0..<50))
        struct Boom: Error {}
        XCTAssertThrowsError(try Parallel.forEach(50, threads: 2) { if $0 == 30 { throw Boom() } }) { XCTAssert($0 is Boom) }
    }

    func testDgemmMatchesAPlainLoop() {
        let a: [Double] = [1, 2, 3, 4, 5, 6], b: [Double] = [1, 0, -1, 2, 0.5, 3]
        var c = [Double](repeating: 0, count: 4)
        // (2 x 3) times (2 x 3)ᵀ.
        Gemm.dgemm(transB: true, m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 3, c: &c, ldc: 2)
        XCTAssertEqual(c, [-2, 12, -2, 28.5])
        XCTAssertEqual(Gemm.withSingleThreadedBLAS { Gemm.blasThreads }, 1)
    }
}

/// Per-slot results written from several threads.
final class Slots: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [[Int]]
    init(_ n: Int) { values = Array(repeating: [], count: n) }
    func set(_ i: Int, _ v: [Int]) { lock.lock(); values[i] = v; lock.unlock() }
    var all: [[Int]] { lock.lock(); defer { lock.unlock() }; return values }
}
