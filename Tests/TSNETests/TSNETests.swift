import XCTest
import Linalg
import TestSupport
@testable import TSNE

final class TSNETests: XCTestCase {
    /// k Gaussian clusters of `per` points in d dimensions, means N(0, sep²), unit noise.
    static func clusters(k: Int, per: Int, d: Int, separation: Float, seed: UInt64) -> (x: [Float], labels: [Int]) {
        var random = RandomStream(seed: seed, "tsne-clusters")
        let means = (0..<(k * d)).map { _ in random.normal() * separation }
        var x: [Float] = [], labels: [Int] = []
        for i in 0..<(k * per) {
            let c = i % k
            labels.append(c)
            for j in 0..<d { x.append(means[c * d + j] + random.normal()) }
        }
        return (x, labels)
    }

    /// Fraction of each point's 10 nearest neighbours in the layout with the same class.
    static func neighbourAgreement(_ y: [Float], labels: [Int], k: Int = 10) -> Double {
        let n = labels.count
        var agree = 0
        for i in 0..<n {
            var d = (0..<n).map { j -> (Float, Int) in
                let dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1]
                return (j == i ? .infinity : dx * dx + dy * dy, j)
            }
            d.sort { $0.0 < $1.0 }
            agree += d.prefix(k).filter { labels[$0.1] == labels[i] }.count
        }
        return Double(agree) / Double(n * k)
    }

    func testSeparatedClustersStaySeparatedAndRunIsDeterministic() {
        let (x, labels) = Self.clusters(k: 5, per: 60, d: 20, separation: 4, seed: 1)
        let config = TSNEConfig(perplexity: 30, iterations: 500, seed: 7)
        let result = TSNEEmbedding.embed(x, n: 300, d: 20, config: config)
        XCTAssertGreaterThan(Self.neighbourAgreement(result.embedding, labels: labels), 0.95)
        XCTAssertTrue(result.kl.isFinite && result.kl > 0 && result.kl < 2, "KL \(result.kl)")
        var oneThread = config
        oneThread.threads = 1
        XCTAssertEqual(TSNEEmbedding.embed(x, n: 300, d: 20, config: oneThread), result, "thread count must not matter")
        var shorter = config
        shorter.iterations = 300
        let again = TSNEEmbedding.embed(x, n: 300, d: 20, config: shorter)
        XCTAssertEqual(again, TSNEEmbedding.embed(x, n: 300, d: 20, config: shorter))
    }

    /// scikit-learn's random initialisation: Gaussian, standard deviation 1e-4, seeded.
    func testRandomInitialisation() {
        let y = Initialization.random(n: 5000, seed: 3)
        XCTAssertEqual(y.count, 10_000)
        XCTAssertEqual(y, Initialization.random(n: 5000, seed: 3))
        XCTAssertNotEqual(y, Initialization.random(n: 5000, seed: 4))
        let sd = (y.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(y.count)).squareRoot()
        XCTAssertEqual(sd, 1e-4, accuracy: 0.03e-4)
        // A layout from a random start still separates well-separated clusters.
        var x: [Float] = []
        for i in 0..<60 { x += [Float(i / 30) * 20 + Float(i % 5) * 0.1, Float(i % 7) * 0.1] }
        let config = TSNEConfig(perplexity: 10, iterations: 300, initialization: .random, seed: 1, threads: 1)
        let layout = TSNEEmbedding.embed(x, n: 60, d: 2, config: config).embedding
        let left = (0..<30).map { layout[$0 * 2] }, right = (30..<60).map { layout[$0 * 2] }
        XCTAssert(left.max()! < right.min()! || right.max()! < left.min()!, "the two clusters overlap along x")
    }

    func testBarnesHutGradientAgainstExact() {
        let (x, _) = Self.clusters(k: 3, per: 40, d: 5, separation: 3, seed: 2)
        let p = Affinities.perplexityBased(x, n: 120, d: 5, perplexity: 10)
        var random = RandomStream(seed: 3, "layout")
        let y = (0..<240).map { _ in random.normal() * 5 }
        for exaggeration in [1.0, 12.0] {
            let exact = Gradient.exact(p, y, exaggeration: exaggeration)
            let bh0 = Gradient.barnesHut(p, y, exaggeration: exaggeration, theta: 0)
            XCTAssertEqual(bh0.z, exact.z, accuracy: 1e-9 * exact.z)
            let scale = exact.gradient.map(abs).max()!
            for t in 0..<240 { XCTAssertEqual(bh0.gradient[t], exact.gradient[t], accuracy: 1e-9 * scale) }
            let bh = Gradient.barnesHut(p, y, exaggeration: exaggeration, theta: 0.5)
            XCTAssertEqual(bh.z, exact.z, accuracy: 0.02 * exact.z)
            var errNorm = 0.0, norm = 0.0
            for t in 0..<240 {
                errNorm += (bh.gradient[t] - exact.gradient[t]) * (bh.gradient[t] - exact.gradient[t])
                norm += exact.gradient[t] * exact.gradient[t]
            }
            XCTAssertLessThan((errNorm / norm).squareRoot(), 0.05)
        }
    }

    /// The FFT-interpolated gradient (FIt-SNE) against the exact one, on small layouts, a
    /// wide one (clusters 80 units apart: more intervals than the minimum) and with
    /// exaggeration; its errors are reported. (Like FIt-SNE's, the interpolation assumes
    /// what t-SNE layouts have: points with neighbours within about one unit. Isolated
    /// points far apart make the kernel's peak, and Z, inexact.)
    func testInterpolatedGradientAgainstExact() {
        let (x, _) = Self.clusters(k: 3, per: 100, d: 5, separation: 3, seed: 2)
        let p = Affinities.perplexityBased(x, n: 300, d: 5, perplexity: 10)
        for spread: Float in [1, 5, 40] {
            var random = RandomStream(seed: 3, "layout")
            // spread 40: six dense clusters (sd 1.5) spread 40 units around the origin.
            var y = [Float](repeating: 0, count: 600)
            for t in 0..<600 {
                let noise = random.normal()
                if spread < 40 {
                    y[t] = noise * spread
                } else {
                    let cluster = Float((t / 2) % 6 - 3)
                    let axis: Float = t % 2 == 0 ? 16 : -8
                    y[t] = cluster * axis + noise * 1.5
                }
            }
            for exaggeration in [1.0, 12.0] {
                let exact = Gradient.exact(p, y, exaggeration: exaggeration)
                let fft = Gradient.interpolated(p, y, exaggeration: exaggeration, threads: 2)
                let zError = abs(fft.z - exact.z) / exact.z
                var errNorm = 0.0, norm = 0.0, worst = 0.0
                let scale = exact.gradient.map(abs).max()!
                for t in 0..<600 {
                    let e = fft.gradient[t] - exact.gradient[t]
                    errNorm += e * e
                    norm += exact.gradient[t] * exact.gradient[t]
                    worst = max(worst, abs(e) / scale)
                }
                let relative = (errNorm / norm).squareRoot()
                // openTSNE's defaults (1-unit intervals, 3 nodes): measured here 0.5 % on Z and
                // 4 % on the gradient at its worst (the wide layout, no exaggeration).
                XCTAssertLessThan(zError, 1e-2, "spread \(spread): Z relative error \(zError)")
                XCTAssertLessThan(relative, 5e-2, "spread \(spread), exaggeration \(exaggeration): gradient relative error \(relative), largest \(worst)")
                // Deterministic for any thread count.
                XCTAssertEqual(Gradient.interpolated(p, y, exaggeration: exaggeration, threads: 1).gradient, fft.gradient)
            }
        }
    }

    /// The interpolation error falls as the third power of the interval width (quadratic
    /// Lagrange interpolation on three nodes): the implementation converges to the exact sums.
    func testInterpolatedGradientConvergesAsIntervalsShrink() {
        let (x, _) = Self.clusters(k: 3, per: 100, d: 5, separation: 3, seed: 2)
        let p = Affinities.perplexityBased(x, n: 300, d: 5, perplexity: 10)
        var random = RandomStream(seed: 3, "layout")
        var y = [Float](repeating: 0, count: 600)
        for t in 0..<600 {
            let noise = random.normal()
            let cluster = Float((t / 2) % 6 - 3)
            y[t] = cluster * (t % 2 == 0 ? 16 : -8) + noise * 1.5
        }
        let exact = Gradient.exact(p, y, exaggeration: 1)
        func error(width: Double, nodes: Int = 3) -> (z: Double, gradient: Double) {
            let f = Gradient.interpolated(p, y, exaggeration: 1, nodesPerInterval: nodes, intervalWidth: width)
            var e2 = 0.0, n2 = 0.0
            for t in 0..<600 { e2 += pow(f.gradient[t] - exact.gradient[t], 2); n2 += pow(exact.gradient[t], 2) }
            return (abs(f.z - exact.z) / exact.z, (e2 / n2).squareRoot())
        }
        let e1 = error(width: 1), e05 = error(width: 0.5), e025 = error(width: 0.25)
        XCTAssertLessThan(e05.gradient, e1.gradient / 5, "halving the intervals: \(e1) -> \(e05)")
        XCTAssertLessThan(e025.gradient, e05.gradient / 5, "halving again: \(e05) -> \(e025)")
        XCTAssertLessThan(e025.gradient, 1e-3)
        XCTAssertLessThan(e025.z, 1e-4)
        XCTAssertLessThan(error(width: 1, nodes: 8).gradient, 1e-3, "more nodes per interval")
    }

    func testCoincidentPointsDoNotBreakTheTree() {
        let y: [Float] = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1.0000001]
        let p = Affinities.symmetrize([1, 1, 1, 1, 1], indices: [1, 2, 0, 4, 3], n: 5, k: 1)
        let exact = Gradient.exact(p, y, exaggeration: 1)
        let bh = Gradient.barnesHut(p, y, exaggeration: 1, theta: 0)
        XCTAssertEqual(bh.z, exact.z, accuracy: 1e-9)
        for t in 0..<10 { XCTAssertEqual(bh.gradient[t], exact.gradient[t], accuracy: 1e-9) }
    }

    func testPerplexityCalibrationHitsTheEntropy() {
        let (x, _) = Self.clusters(k: 4, per: 50, d: 10, separation: 2, seed: 4)
        for perplexity in [5.0, 20.0, 50.0] {
            let k = Affinities.neighbourCount(points: 200, perplexity: perplexity)
            XCTAssertEqual(k, min(199, Int(3 * perplexity)))
            let nn = NearestNeighbors.exact(x, n: 200, d: 10, k: k)
            let cond = Affinities.conditionalProbabilities(nn, n: 200, perplexity: perplexity)
            for i in 0..<200 {
                let row = cond[(i * k)..<((i + 1) * k)].map(Double.init)
                XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
                let entropy = -row.filter { $0 > 0 }.reduce(0) { $0 + $1 * log($1) }
                XCTAssertEqual(entropy, log(perplexity), accuracy: 1e-4, "perplexity \(perplexity) row \(i)")
            }
        }
    }

    func testSymmetrisedAffinitiesSumToOneAndAreSymmetric() {
        let (x, _) = Self.clusters(k: 3, per: 30, d: 6, separation: 2, seed: 5)
        let p = Affinities.perplexityBased(x, n: 90, d: 6, perplexity: 8)
        XCTAssertEqual(p.values.reduce(0.0) { $0 + Double($1) }, 1, accuracy: 1e-5)
        var dense = [Float](repeating: 0, count: 90 * 90)
        for i in 0..<90 {
            for t in p.rowStart[i]..<p.rowStart[i + 1] { dense[i * 90 + Int(p.columns[t])] = p.values[t] }
            XCTAssertEqual(dense[i * 90 + i], 0)
        }
        for i in 0..<90 { for j in 0..<90 { XCTAssertEqual(dense[i * 90 + j], dense[j * 90 + i]) } }
    }

    func testNearestNeighboursAgainstBruteForce() {
        var random = RandomStream(seed: 6, "nn")
        let n = 5000, d = 7, k = 12  // more than one query and candidate block
        let x = (0..<(n * d)).map { _ in random.normal() }
        let nn = NearestNeighbors.exact(x, n: n, d: d, k: k)
        for i in stride(from: 0, to: n, by: 97) {
            var all = (0..<n).filter { $0 != i }.map { j -> (Double, Int) in
                var s = 0.0
                for c in 0..<d { let v = Double(x[i * d + c]) - Double(x[j * d + c]); s += v * v }
                return (s, j)
            }
            all.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
            XCTAssertEqual(nn.indices[(i * k)..<((i + 1) * k)].map(Int.init), all.prefix(k).map { $0.1 }, "row \(i)")
            expectClose(nn.squaredDistances[(i * k)..<((i + 1) * k)], all.prefix(k).map { Float($0.0) }, tolerance: 1e-5)
        }
    }

    func testPCAInitialisationScaleAxesAndSign() {
        // Variance 9 along (1,1,0)/√2, 1 along (1,-1,0)/√2, 0.01 along z.
        var random = RandomStream(seed: 8, "pca")
        var x: [Float] = []
        for _ in 0..<500 {
            let a: Float = 3 * random.normal(), b: Float = random.normal(), c: Float = 0.1 * random.normal()
            let root2 = Float(2).squareRoot()
            let u: Float = (a + b) / root2 + 5
            let v: Float = (a - b) / root2 - 1
            x += [u, v, c]
        }
        let axes = Initialization.principalAxes(x, n: 500, d: 3, count: 2)
        XCTAssertEqual(abs(axes[0]), 1 / 2.squareRoot(), accuracy: 0.02)
        XCTAssertEqual(axes[1], axes[0], accuracy: 0.03)
        XCTAssertGreaterThan(axes[0], 0, "largest loading positive")
        XCTAssertEqual(abs(axes[3] + axes[4]), 0, accuracy: 0.03)
        XCTAssertEqual(abs(axes[5]), 0, accuracy: 0.02)
        let y = Initialization.pca(x, n: 500, d: 3, seed: 1)
        let mean = (0..<500).reduce(0.0) { $0 + Double(y[2 * $1]) } / 500
        let std = ((0..<500).reduce(0.0) { $0 + (Double(y[2 * $1]) - mean) * (Double(y[2 * $1]) - mean) } / 500).squareRoot()
        XCTAssertEqual(std, 1e-4, accuracy: 1e-6)
        XCTAssertEqual(Initialization.pca(x, n: 500, d: 3, seed: 1), y)
    }

    func testProcrustesRecoversRotationReflectionAndTranslation() {
        var random = RandomStream(seed: 9, "procrustes")
        let reference = (0..<200).map { _ in random.normal() * 10 }
        let angle = 1.1
        let c = Float(cos(angle)), s = Float(sin(angle))
        var rotated = [Float](repeating: 0, count: 200)
        var reflected = [Float](repeating: 0, count: 200)
        for i in 0..<100 {
            let x = reference[2 * i], y = reference[2 * i + 1]
            rotated[2 * i] = c * x - s * y + 7
            rotated[2 * i + 1] = s * x + c * y - 3
            reflected[2 * i] = -x + 2
            reflected[2 * i + 1] = y + 1
        }
        expectClose(Procrustes.align(rotated, to: reference), reference, tolerance: 1e-4)
        expectClose(Procrustes.align(reflected, to: reference), reference, tolerance: 1e-4)
        // Without reflection a mirrored layout cannot be matched exactly, but it is still a rigid motion.
        let rigid = Procrustes.align(reflected, to: reference, allowReflection: false)
        let d01 = hypot(rigid[0] - rigid[2], rigid[1] - rigid[3]), r01 = hypot(reference[0] - reference[2], reference[1] - reference[3])
        XCTAssertEqual(d01, r01, accuracy: 1e-3)
    }

    func testLearningRateAuto() {
        XCTAssertEqual(TSNEConfig.LearningRate.auto.value(points: 2700, exaggeration: 12), 225)
        XCTAssertEqual(TSNEConfig.LearningRate.auto.value(points: 2700, exaggeration: 1), 2700)
        XCTAssertEqual(TSNEConfig.LearningRate.auto.value(points: 300, exaggeration: 12), 50)
        XCTAssertEqual(TSNEConfig.LearningRate.fixed(200).value(points: 300, exaggeration: 12), 200)
    }
}

final class TSNEEdgeCaseTests: XCTestCase {
    func testTinyInputsAndDuplicatePoints() {
        // Five points, two of them identical: perplexity is clipped to the 4 neighbours.
        let x: [Float] = [0, 0, 1, 0, 1, 0, 5, 5, 6, 5]
        let r = TSNEEmbedding.embed(x, n: 5, d: 2, config: TSNEConfig(perplexity: 30, iterations: 300, seed: 1))
        XCTAssertEqual(r.embedding.count, 10)
        XCTAssertTrue(r.embedding.allSatisfy { $0.isFinite })
        XCTAssertTrue(r.kl.isFinite)
        let two = TSNEEmbedding.embed([0, 0, 1, 1], n: 2, d: 2, config: TSNEConfig(iterations: 50))
        XCTAssertTrue(two.embedding.allSatisfy { $0.isFinite })
    }
}

final class TSNECoincidentTests: XCTestCase {
    func testAllPointsCoincident() {
        let y = [Float](repeating: 0.5, count: 8)
        let p = Affinities.symmetrize([1, 1, 1, 1], indices: [1, 2, 3, 0], n: 4, k: 1)
        let bh = Gradient.barnesHut(p, y, exaggeration: 1, theta: 0.5)
        let exact = Gradient.exact(p, y, exaggeration: 1)
        XCTAssertEqual(bh.z, exact.z)
        XCTAssertEqual(bh.z, 12)
        XCTAssertEqual(bh.gradient, exact.gradient)
    }
}
