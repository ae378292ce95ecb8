import CBLAS
import Foundation
@testable import ConvNet
import Linalg
import Storage
import TestSupport
import XCTest

final class NetworkTests: XCTestCase {
    func testLayoutIsOneAllocationInOrder() {
        let layout = ParameterLayout(config: NetworkConfig(channels: [4, 8], batchNorm: true, embedding: 3))
        XCTAssertEqual(layout.parameters.map(\.name),
                       ["conv0.weight", "conv0.bias", "bn0.gamma", "bn0.beta", "conv1.weight", "conv1.bias", "bn1.gamma", "bn1.beta",
                        "dense.weight", "dense.bias"])
        XCTAssertEqual(layout.parameters.map(\.count), [36, 4, 4, 4, 288, 8, 8, 8, 24, 3])
        XCTAssertEqual(layout.parameterCount, 387)
        XCTAssertEqual(layout.state.map(\.name), ["bn0.running_mean", "bn0.running_var", "bn1.running_mean", "bn1.running_var"])
        var offset = 0
        for slot in layout.parameters { XCTAssertEqual(slot.offset, offset); offset += slot.count }
        XCTAssertEqual(layout.parameters.filter(\.decay).map(\.name), ["conv0.weight", "conv1.weight", "dense.weight"])
    }

    /// `krill export`: PyTorch names and layouts (OIHW kernels, (out, in) dense weights), a
    /// safetensors file that reads back into the same network, giving the same embeddings.
    func testTorchExportRoundTrip() throws {
        let network = try Network(config: NetworkConfig(channels: [3, 5], batchNorm: true, embedding: 4, output: .sigmoid), inputSide: 8, seed: 3)
        let mean = network.layout.stateSlot("bn1.running_mean")
        for i in 0..<mean.count { network.state.pointer[mean.offset + i] = Float(i) / 10 }
        let tensors = TorchExport.tensors(network)
        XCTAssertEqual(tensors.map(\.name), ["conv0.weight", "conv0.bias", "bn0.weight", "bn0.bias", "bn0.running_mean", "bn0.running_var",
                                             "bn0.num_batches_tracked", "conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias",
                                             "bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked", "dense.weight", "dense.bias"])
        XCTAssertEqual(tensors[7].shape, [5, 3, 3, 3])
        // PyTorch's weight[co][ci][ky][kx] is krill's ((ky * 3 + kx) * Cin + ci) * Cout + co.
        let w = network.layout.parameter("conv1.weight")
        let krill = { (co: Int, ci: Int, ky: Int, kx: Int) in network.parameters.pointer[w.offset + ((ky * 3 + kx) * 3 + ci) * 5 + co] }
        let torch = tensors[7].floats
        XCTAssertEqual(torch[((4 * 3 + 2) * 3 + 1) * 3 + 0], krill(4, 2, 1, 0))
        XCTAssertEqual(torch[((1 * 3 + 0) * 3 + 2) * 3 + 2], krill(1, 0, 2, 2))
        let d = network.layout.parameter("dense.weight")
        XCTAssertEqual(tensors[14].shape, [4, 5])
        XCTAssertEqual(tensors[14].floats[3 * 5 + 1], network.parameters.pointer[d.offset + 1 * 4 + 3])
        XCTAssertEqual(tensors[11].floats, (0..<5).map { Float($0) / 10 })
        let bytes = TorchExport.encode(network, metadata: ["krill.run": "x@1"])
        let back = try TorchExport.network(from: bytes)
        XCTAssertEqual(back.parameters.array, network.parameters.array)
        XCTAssertEqual(Array(back.state.buffer), Array(network.state.buffer))
        XCTAssertEqual(back.config, network.config)
        let images = (0..<(2 * 64)).map { Float(($0 * 37) % 255) / 255 }
        let a = Array(UnsafeBufferPointer(start: network.forward(input: images, n: 2, training: false), count: 8))
        let b = Array(UnsafeBufferPointer(start: back.forward(input: images, n: 2, training: false), count: 8))
        XCTAssertEqual(a, b)
        XCTAssertThrowsError(try TorchExport.network(from: Safetensors.encode(Array(tensors.dropLast()), metadata: try Safetensors.decode(bytes).metadata))) {
            XCTAssert("\($0)".contains("dense.bias"), "\($0)")
        }
    }

    func testInitialisationIsHeNormalAndSeeded() throws {
        let a = try Network(config: NetworkConfig(), inputSide: 64, seed: 5)
        let b = try Network(config: NetworkConfig(), inputSide: 64, seed: 5)
        let c = try Network(config: NetworkConfig(), inputSide: 64, seed: 6)
        XCTAssertEqual(a.parameters.array, b.parameters.array)
        XCTAssertNotEqual(a.parameters.array, c.parameters.array)
        let slot = a.layout.parameter("conv2.weight")
        let w = Array(a.parameters.array[slot.offset..<(slot.offset + slot.count)])
        var sum = 0.0
        for v in w { sum += Double(v) * Double(v) }
        let variance: Double = sum / Double(w.count)
        let expected: Double = 2.0 / 576.0
        XCTAssertEqual(variance, expected, accuracy: 0.05 * expected)
    }

    /// Whole-network gradient check (Float forward, central differences on a sample of
    /// parameters), with batch norm and dropout on, for each output transform.
    func testNetworkGradientCheck() throws {
        for (output, bn) in [(OutputTransform.l2, true), (.sigmoid, false), (.linear, true)] {
            let config = NetworkConfig(channels: [3, 4], batchNorm: bn, dropout: 0.2, embedding: 3, output: output)
            let net = try Network(config: config, inputSide: 6, seed: 11)
            let n = 4
            var rng = RandomStream(seed: 2, "net-input")
            let input = (0..<(n * 36)).map { _ in rng.uniform() }
            let r = randomDoubles(n * 3, "net-r")
            let stream = RandomStream(seed: 9, "dropout", 1, 1)
            func lossValue() -> Double {
                let e = net.forward(input: input, n: n, training: true, dropoutStream: stream)
                return (0..<(n * 3)).reduce(0.0) { $0 + r[$1] * Double(e[$1]) }
            }
            _ = lossValue()
            net.backward(dEmbeddings: floats(r))
            let analytic = net.gradients.array
            var pick = RandomStream(seed: 3, "pick")
            var worst = 0.0
            let scale = max(analytic.map { abs(Double($0)) }.max()!, 1e-3)
            for _ in 0..<40 {
                let i = pick.below(net.layout.parameterCount)
                let old = net.parameters[i]
                let h: Float = 2e-3 * max(1, abs(old))
                net.parameters[i] = old + h
                let fp = lossValue()
                net.parameters[i] = old - h
                let fm = lossValue()
                net.parameters[i] = old
                let numeric = (fp - fm) / Double(2 * h)
                worst = max(worst, abs(numeric - Double(analytic[i])) / scale)
            }
            if ProcessInfo.processInfo.environment["KRILL_VERBOSE_TESTS"] != nil { print("network \(output) bn \(bn): largest relative error \(worst)") }
            XCTAssertLessThan(worst, 2e-3, "network \(output) bn \(bn): largest relative error \(worst)")
        }
    }

    /// One forward/backward of the reference network (64 px, [32, 64, 128, 128], 96 images)
    /// gives bit-identical gradients with 1, 2 or 3 worker threads and 1 or 2 OpenBLAS threads.
    func testGradientsIndependentOfThreads() throws {
        let net = try Network(config: NetworkConfig(batchNorm: true), inputSide: 64, seed: 1)
        let n = 96
        var rng = RandomStream(seed: 4, "input")
        let input = (0..<(n * 64 * 64)).map { _ in rng.uniform() }
        let r = floats(randomDoubles(n * 64, "r"))
        let saved = openblas_get_num_threads()
        defer { openblas_set_num_threads(saved) }
        var results: [[Float]] = []
        for (workers, blas): (Int, Int32) in [(1, 1), (2, 2), (3, 1)] {
            openblas_set_num_threads(blas)
            net.threads = workers
            net.forward(input: input, n: n, training: true)
            net.backward(dEmbeddings: r)
            results.append(net.gradients.array)
            XCTAssertEqual(openblas_get_num_threads(), blas, "the BLAS setting is restored")
        }
        for i in 1..<results.count {
            XCTAssert(results[0] == results[i], "gradients differ between thread settings 0 and \(i): max diff \(maxAbsDifference(results[0], results[i]))")
        }
    }

    func testBenchmarkRunsAndReportsJSON() throws {
        let net = NetworkConfig(channels: [4, 8], embedding: 4)
        let train = try ConvNetBenchmark.train(size: 16, triplets: 2, steps: 1, warmupSteps: 1, threads: 2, network: net)
        XCTAssertEqual(train.batch, 6)
        XCTAssert(train.imagesPerSecond > 0 && train.peakRssBytes > 0 && train.meanLoss!.isFinite)
        let embed = try ConvNetBenchmark.embed(size: 16, batch: 5, steps: 1, threads: 1, network: net)
        XCTAssertEqual(embed.benchmark, "embed")
        let json = try JSONSerialization.jsonObject(with: Data(embed.json.utf8)) as? [String: Any]
        XCTAssertNotNil(json?["images_per_second"] as? Double)
        XCTAssertNotNil(json?["peak_rss_bytes"] as? Int)
        XCTAssertNotNil(json?["seconds"] as? Double)
    }
}
