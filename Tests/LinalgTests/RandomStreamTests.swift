import Linalg
import XCTest

final class RandomStreamTests: XCTestCase {
    /// The first four words of `RandomStream(seed: 42, "split", 0)`, recorded once.
    static let goldenSplitWords: [UInt32] = [3_043_848_157, 201_908_492, 2_048_715_277, 999_237_115]

    /// Known-answer vectors from the Random123 distribution (kat_vectors, philox4x32 10 rounds).
    func testPhiloxKnownAnswers() {
        let zero = Philox4x32.block(key: 0, counter: (0, 0, 0, 0))
        XCTAssertEqual([zero.0, zero.1, zero.2, zero.3], [0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8])
        let ones = Philox4x32.block(key: 0xFFFF_FFFF_FFFF_FFFF,
                                    counter: (0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF))
        XCTAssertEqual([ones.0, ones.1, ones.2, ones.3], [0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD])
        let pi = Philox4x32.block(key: 0x299F31D0_A4093822,
                                  counter: (0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344))
        XCTAssertEqual([pi.0, pi.1, pi.2, pi.3], [0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1])
    }

    func testSameLabelsSameNumbersWhateverCameBefore() {
        var a = RandomStream(seed: 42, "sampler", 3, 17)
        let first = (0..<100).map { _ in a.nextUInt32() }
        var noise = RandomStream(seed: 42, "something-else")
        _ = (0..<1000).map { _ in noise.next() }
        var b = RandomStream(seed: 42, "sampler", 3, 17)
        XCTAssertEqual(first, (0..<100).map { _ in b.nextUInt32() })
    }

    func testDifferentSeedsAndLabelsDiffer() {
        func draw(_ s: RandomStream) -> [UInt32] { var s = s; return (0..<8).map { _ in s.nextUInt32() } }
        let base = draw(RandomStream(seed: 42, "sampler", 3, 17))
        XCTAssertNotEqual(base, draw(RandomStream(seed: 43, "sampler", 3, 17)))
        XCTAssertNotEqual(base, draw(RandomStream(seed: 42, "sampler", 3, 18)))
        XCTAssertNotEqual(base, draw(RandomStream(seed: 42, "sampler", 17, 3)))
        XCTAssertNotEqual(base, draw(RandomStream(seed: 42, "split", 3, 17)))
    }

    func testStartingAtAPositionSkipsAhead() {
        var a = RandomStream(seed: 1, stream: 99)
        let all = (0..<40).map { _ in a.nextUInt32() }
        var b = RandomStream(seed: 1, stream: 99, position: 5)   // 5 blocks of 4 words
        XCTAssertEqual(Array(all[20..<40]), (0..<20).map { _ in b.nextUInt32() })
    }

    func testUniformRangeAndMean() {
        var rng = RandomStream(seed: 5, "uniform")
        let n = 200_000
        var sum = 0.0
        for _ in 0..<n {
            let u = rng.uniform()
            XCTAssert(u >= 0 && u < 1)
            sum += Double(u)
        }
        // Standard error of the mean of U(0,1) over n draws is 0.2887/sqrt(n) ≈ 0.00065.
        XCTAssertEqual(sum / Double(n), 0.5, accuracy: 0.003)
    }

    func testBelowIsUniformAndInRange() {
        var rng = RandomStream(seed: 9, "below")
        var counts = [Int](repeating: 0, count: 7)
        let n = 70_000
        for _ in 0..<n { counts[rng.below(7)] += 1 }
        // Chi-square with 6 degrees of freedom: 22.46 is the 0.999 quantile.
        let expected = Double(n) / 7
        let chi2 = counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        XCTAssertLessThan(chi2, 22.46, "counts \(counts)")
    }

    func testNormalMoments() {
        var rng = RandomStream(seed: 11, "normal")
        let n = 100_000
        let xs = (0..<n).map { _ in Double(rng.normal()) }
        let mean = xs.reduce(0, +) / Double(n)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        XCTAssertEqual(mean, 0, accuracy: 0.015)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
    }

    func testShuffleIsAPermutationAndSampleIsDistinct() {
        var rng = RandomStream(seed: 3, "shuffle")
        var xs = Array(0..<50)
        rng.shuffle(&xs)
        XCTAssertNotEqual(xs, Array(0..<50))
        XCTAssertEqual(xs.sorted(), Array(0..<50))
        let picked = rng.sample(20, from: 30)
        XCTAssertEqual(Set(picked).count, 20)
        XCTAssert(picked.allSatisfy { (0..<30).contains($0) })
    }

    func testStreamLabelsAreStableAcrossProcesses() {
        // FNV-1a of "split" and the folded id are fixed numbers: a change here changes every split.
        XCTAssertEqual("split".streamBits, 0x5FDB_7A8A_C314_7783)
        var rng = RandomStream(seed: 42, "split", 0)
        let words = (0..<4).map { _ in rng.nextUInt32() }
        XCTAssertEqual(words, RandomStreamTests.goldenSplitWords, "stream derivation changed: every split and sample would change")
    }
}
