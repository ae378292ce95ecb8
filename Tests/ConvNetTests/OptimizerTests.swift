@testable import ConvNet
import XCTest

final class OptimizerTests: XCTestCase {
    /// A layout with one decayed weight tensor and one bias.
    let layout = ParameterLayout(config: NetworkConfig(channels: [1], embedding: 1))

    func buffers(_ w: [Float], _ g: [Float]) -> (FloatBuffer, FloatBuffer) {
        let p = FloatBuffer(count: w.count), q = FloatBuffer(count: g.count)
        p.copy(from: w)
        q.copy(from: g)
        return (p, q)
    }

    func testAdamMatchesAHandComputedDoubleReference() {
        let n = layout.parameterCount
        let w0: [Float] = (0..<n).map { Float($0) * 0.1 - 0.3 }
        let config = OptimizerConfig.adam(lr: 0.01, beta1: 0.9, beta2: 0.99, weightDecay: 0.1)
        let opt = Optimizer(config: config, layout: layout)
        var w = w0.map(Double.init), m = [Double](repeating: 0, count: n), v = m
        let (p, g) = buffers(w0, [Float](repeating: 0, count: n))
        for t in 1...3 {
            let grads: [Float] = (0..<n).map { Float(($0 * 7 + t * 3) % 5) - 2 }
            g.copy(from: grads)
            opt.update(parameters: p, gradients: g, lr: 0.01)
            for i in 0..<n {
                let gi = Double(grads[i])
                m[i] = 0.9 * m[i] + 0.1 * gi
                v[i] = 0.99 * v[i] + 0.01 * gi * gi
                let mh = m[i] / (1 - Foundation.pow(0.9, Double(t))), vh = v[i] / (1 - Foundation.pow(0.99, Double(t)))
                let decayed = layout.parameters.contains { $0.decay && i >= $0.offset && i < $0.offset + $0.count }
                w[i] = w[i] - 0.01 * mh / (vh.squareRoot() + 1e-8) - (decayed ? 0.01 * 0.1 * w[i] : 0)
            }
        }
        for i in 0..<n { XCTAssertEqual(Double(p[i]), w[i], accuracy: 1e-5, "parameter \(i)") }
        XCTAssertEqual(opt.step, 3)
    }

    func testSGDMomentumAndNesterov() {
        let n = layout.parameterCount
        for nesterov in [false, true] {
            let opt = Optimizer(config: .sgd(lr: 0.1, momentum: 0.9, nesterov: nesterov), layout: layout)
            let (p, g) = buffers([Float](repeating: 1, count: n), [Float](repeating: 1, count: n))
            opt.update(parameters: p, gradients: g, lr: 0.1)
            opt.update(parameters: p, gradients: g, lr: 0.1)
            // v1 = 1, v2 = 1.9; plain: 1 - 0.1 (1 + 1.9); Nesterov: 1 - 0.1 (1.9 + 2.71).
            XCTAssertEqual(p[0], nesterov ? 1 - 0.1 * (1.9 + 2.71) : 1 - 0.1 * 2.9, accuracy: 1e-6)
        }
    }

    func testSchedules() {
        func rates(_ kind: ScheduleConfig.Kind, warmup: Int = 0, epochs: Int = 8) -> [Float] {
            let s = LearningRateSchedule(base: 1, schedule: ScheduleConfig(kind: kind, warmupEpochs: warmup), epochs: epochs)
            return (1...epochs).map { s.rate(epoch: $0) }
        }
        XCTAssertEqual(rates(.constant), [Float](repeating: 1, count: 8))
        XCTAssertEqual(rates(.step(every: 3, factor: 0.5)), [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25])
        XCTAssertEqual(rates(.exponential(gamma: 0.5), epochs: 3), [1, 0.5, 0.25])
        let cosine = rates(.cosine(minLR: 0.1), epochs: 4)
        XCTAssertEqual(cosine[0], 1)
        XCTAssertEqual(cosine[2], 0.55, accuracy: 1e-6)
        XCTAssert(cosine[3] > 0.1 && cosine[3] < cosine[2])
        XCTAssertEqual(rates(.constant, warmup: 3, epochs: 5), [0.25, 0.5, 0.75, 1, 1])
        // SGDR: period 2, factor 2: cycles of 2, 4, ... epochs.
        let sgdr = rates(.restarts(period: 2, factor: 2, minLR: 0), epochs: 7)
        XCTAssertEqual(sgdr[0], 1); XCTAssertEqual(sgdr[1], 0.5, accuracy: 1e-6)
        XCTAssertEqual(sgdr[2], 1); XCTAssertEqual(sgdr[3], Float((1 + cos(Double.pi / 4)) / 2), accuracy: 1e-6)
        XCTAssertEqual(sgdr[6], 1)
    }

    func testConfigDefaultsFollowDesign() {
        let n = NetworkConfig()
        XCTAssertEqual(n, NetworkConfig(channels: [32, 64, 128, 128], batchNorm: false, dropout: 0, embedding: 64, output: .l2))
        let l = LossConfig()
        XCTAssertEqual(l.variant, .stdTriplet); XCTAssertEqual(l.margin, 0.5)
        let t = TrainingConfig()
        XCTAssertEqual(t.epochs, 30); XCTAssertEqual(t.stepsPerEpoch, 200); XCTAssertEqual(t.batch, .triplets(32))
        XCTAssertEqual(t.optimizer, .adam(lr: 0.001)); XCTAssertEqual(t.snapshots, [5, 15, 30]); XCTAssertEqual(t.checkpointEvery, 1)
        XCTAssertEqual(t.augment, AugmentConfig(flip: true, rotate90: true))
        XCTAssertEqual(TrainingConfig(epochs: 20, snapshots: [5, 15, 30]).snapshotEpochs, [5, 15, 20])
        // Codable round trip.
        let data = try! JSONEncoder().encode(t)
        XCTAssertEqual(try JSONDecoder().decode(TrainingConfig.self, from: data), t)
    }
}
