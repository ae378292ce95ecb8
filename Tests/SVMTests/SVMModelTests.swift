import XCTest
import Linalg
@testable import SVM

final class SVMModelTests: XCTestCase {
    /// Three Gaussian blobs in 4-D, with labels given out of order (7, 2, 5) on purpose.
    private func blobs(per: Int, spread: Float, seed: UInt64) -> (x: [Float], labels: [Int]) {
        var random = RandomStream(seed: seed, "svm-blobs")
        let names = [7, 2, 5]
        var x: [Float] = [], labels: [Int] = []
        for i in 0..<(3 * per) {
            let c = i % 3
            labels.append(names[c])
            for j in 0..<4 { x.append((j == c ? 3 : 0) + spread * random.normal()) }
        }
        return (x, labels)
    }

    func testSeparableBlobsAllKernels() throws {
        let (x, y) = blobs(per: 40, spread: 0.4, seed: 1)
        for kernel in SVMConfig.Kernel.allCases {
            let model = try SVMModel.fitKeepingLibsvmModels(x: x, n: 120, d: 4, labels: y,
                                         config: SVMConfig(kernel: kernel, C: 10, gamma: .scale, coef0: 1))
            XCTAssertTrue(model.usesPrecomputedKernel)
            XCTAssertEqual(model.predict(x, n: 120), y, "\(kernel)")
            let direct = try SVMModel.fitKeepingLibsvmModels(x: x, n: 120, d: 4, labels: y,
                                          config: SVMConfig(kernel: kernel, C: 10, gamma: .scale, coef0: 1, precomputedKernelLimit: 50))
            XCTAssertFalse(direct.usesPrecomputedKernel)
            XCTAssertEqual(direct.predict(x, n: 120), y, "\(kernel)")
            XCTAssertEqual(direct.predictWithLibsvm(x, n: 120), y, "\(kernel)")
            XCTAssertEqual(model.predictWithLibsvm(x, n: 120), y, "\(kernel)")
            XCTAssertEqual(model.classes, [2, 5, 7])
            XCTAssertGreaterThan(model.supportVectorCount, 0)
        }
    }

    func testXorNeedsANonlinearKernel() throws {
        var x: [Float] = [], y: [Int] = []
        var random = RandomStream(seed: 2, "xor")
        for _ in 0..<200 {
            let a = random.uniform(-1, 1), b = random.uniform(-1, 1)
            guard abs(a) > 0.1 && abs(b) > 0.1 else { continue }
            x += [a, b]
            y.append(a * b > 0 ? 1 : 0)
        }
        let n = y.count
        let rbf = try SVMModel.fitKeepingLibsvmModels(x: x, n: n, d: 2, labels: y, config: SVMConfig(kernel: .rbf, C: 100, gamma: .value(2)))
        XCTAssertEqual(rbf.predict(x, n: n), rbf.predictWithLibsvm(x, n: n))
        let correct = zip(rbf.predict(x, n: n), y).filter { $0 == $1 }.count
        XCTAssertGreaterThan(Double(correct) / Double(n), 0.95)
    }

    func testModelOutlivesItsTrainingArraysAndIsDeterministic() throws {
        var model: SVMModel? = nil
        var expected: [Int] = []
        let (test, _) = blobs(per: 30, spread: 1.0, seed: 4)
        do {
            let (x, y) = blobs(per: 30, spread: 1.0, seed: 3)
            model = try SVMModel.fitKeepingLibsvmModels(x: x, n: 90, d: 4, labels: y, config: SVMConfig(kernel: .poly, C: 1, gamma: .auto))
            expected = try SVMModel.fitKeepingLibsvmModels(x: x, n: 90, d: 4, labels: y, config: SVMConfig(kernel: .poly, C: 1, gamma: .auto))
                .predict(test, n: 90)
        }
        XCTAssertEqual(model!.predict(test, n: 90), expected)
        let (x, y) = blobs(per: 30, spread: 1.0, seed: 3)
        let direct = try SVMModel.fitKeepingLibsvmModels(x: x, n: 90, d: 4, labels: y,
                                      config: SVMConfig(kernel: .poly, C: 1, gamma: .auto, precomputedKernelLimit: 0))
        XCTAssertEqual(direct.predict(test, n: 90), expected)
        XCTAssertEqual(model!.predictWithLibsvm(test, n: 90), expected)
        XCTAssertEqual(model!.gamma, 0.25)
    }

    func testGammaScaleIsOneOverDTimesVariance() {
        let x: [Float] = [0, 2, 4, 6]  // mean 3, variance 5
        XCTAssertEqual(SVMConfig(gamma: .scale).resolvedGamma(x, n: 2, d: 2), 1.0 / 10.0, accuracy: 1e-15)
        XCTAssertEqual(SVMConfig(gamma: .auto).resolvedGamma(x, n: 2, d: 2), 0.5)
        XCTAssertEqual(SVMConfig(gamma: .scale).resolvedGamma([1, 1], n: 1, d: 2), 1)
        XCTAssertEqual(SVMConfig.Gamma("scale"), .scale)
        XCTAssertEqual(SVMConfig.Gamma("0.5"), .value(0.5))
        XCTAssertNil(SVMConfig.Gamma("big"))
    }

    func testBadParametersThrowLibsvmMessage() {
        let (x, y) = blobs(per: 5, spread: 1, seed: 5)
        XCTAssertThrowsError(try SVMModel.fitKeepingLibsvmModels(x: x, n: 15, d: 4, labels: y, config: SVMConfig(C: -1))) { error in
            XCTAssertEqual(error as? SVMError, .invalidParameter("C <= 0"))
        }
        XCTAssertThrowsError(try SVMModel.fitKeepingLibsvmModels(x: x, n: 15, d: 4, labels: y, config: SVMConfig(gamma: .value(-1)))) { error in
            XCTAssertEqual(error as? SVMError, .invalidParameter("gamma < 0"))
        }
        XCTAssertThrowsError(try SVMModel.fitKeepingLibsvmModels(x: x, n: 14, d: 4, labels: y, config: SVMConfig())) { error in
            guard case .invalidInput = error as? SVMError else { return XCTFail("\(error)") }
        }
    }
}

final class SVMEdgeCaseTests: XCTestCase {
    func testSingleClassPredictsThatClass() throws {
        let x: [Float] = [0, 1, 2, 3, 4, 5]
        for limit in [0, 6000] {
            let model = try SVMModel.fitKeepingLibsvmModels(x: x, n: 3, d: 2, labels: [4, 4, 4], config: SVMConfig(precomputedKernelLimit: limit))
            XCTAssertEqual(model.classes, [4])
            XCTAssertEqual(model.predict([9, 9, -1, 0], n: 2), [4, 4])
        }
    }
}

/// The pairwise training against libsvm's own multi-class training.
final class PairwiseSVCTests: XCTestCase {
    /// Four overlapping, unequal classes in 5-D (so that the pairs differ in size and have
    /// bounded and free support vectors alike).
    private func data(seed: UInt64) -> (x: [Float], labels: [Int], n: Int) {
        var random = RandomStream(seed: seed, "pairwise-svc")
        let sizes = [60, 25, 40, 15], names = [3, 9, 1, 6]
        var x: [Float] = [], labels: [Int] = []
        for (c, size) in sizes.enumerated() {
            for _ in 0..<size {
                labels.append(names[c])
                for j in 0..<5 { x.append((j == c ? 1.5 : 0) + random.normal()) }
            }
        }
        return (x, labels, labels.count)
    }

    func testSamePredictorAsLibsvmMulticlassBitForBit() throws {
        let (x, y, n) = data(seed: 31)
        for kernel in SVMConfig.Kernel.allCases {
            for weight in [SVMConfig.ClassWeight.none, .balanced] {
                let config = SVMConfig(kernel: kernel, C: 2, gamma: .scale, coef0: 0.5, precomputedKernelLimit: 0, classWeight: weight)
                let reference = try XCTUnwrap(SVMModel.libsvmMulticlassReference(x: x, n: n, d: 5, labels: y, config: config))
                for threads in [1, 2] {
                    let model = try SVMModel.fit(x: x, n: n, d: 5, labels: y, config: config, threads: threads)
                    XCTAssertEqual(model.predictor, reference, "\(kernel) \(weight) threads \(threads)")
                    XCTAssertEqual(model.supportVectorCount, reference.counts.reduce(0, +))
                }
            }
        }
    }

    func testPrecomputedPairsAgreeWithFeaturePairs() throws {
        let (x, y, n) = data(seed: 32)
        let (test, _, m) = data(seed: 33)
        for kernel in SVMConfig.Kernel.allCases {
            let features = try SVMModel.fit(x: x, n: n, d: 5, labels: y,
                                            config: SVMConfig(kernel: kernel, C: 2, coef0: 0.5, precomputedKernelLimit: 0))
            let precomputed = try SVMModel.fit(x: x, n: n, d: 5, labels: y,
                                               config: SVMConfig(kernel: kernel, C: 2, coef0: 0.5, precomputedKernelLimit: 6000))
            XCTAssertEqual(features.precomputedPairs, 0)
            XCTAssertEqual(precomputed.precomputedPairs, 6)
            // The same solutions up to the last bits of the kernel values.
            XCTAssertEqual(precomputed.predictor.counts, features.predictor.counts, "\(kernel)")
            var worst = 0.0
            for (a, b) in zip(precomputed.predictor.rho, features.predictor.rho) { worst = max(worst, abs(a - b)) }
            XCTAssertLessThan(worst, 1e-6, "\(kernel): largest rho difference \(worst)")
            XCTAssertEqual(precomputed.predict(test, n: m), features.predict(test, n: m), "\(kernel)")
        }
        // A limit between the pair sizes (40 to 100 rows) mixes the two.
        let mixed = try SVMModel.fit(x: x, n: n, d: 5, labels: y, config: SVMConfig(kernel: .rbf, precomputedKernelLimit: 70))
        XCTAssertEqual(mixed.precomputedPairs, 3, "pairs of 40, 55 and 65 rows precomputed; 75, 85 and 100 not")
    }
}
