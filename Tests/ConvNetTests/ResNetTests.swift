import Foundation
@testable import ConvNet
import Linalg
import Storage
import TestSupport
import XCTest

/// The ResNet layers against their Double references and central differences, and whole
/// small ResNets: gradient checks, thread independence, the layout's torchvision names.
final class ResNetTests: XCTestCase {
    func checkConv2D(_ shape: ConvShape, n: Int, side h: Int) {
        let o = shape.outputSide(h)
        let x = randomDoubles(n * h * h * shape.cin, "c2d-x-\(shape.kernel)-\(shape.stride)")
        let wt = randomDoubles(shape.weightCount, "c2d-w", lo: -0.5, hi: 0.5)
        let r = randomDoubles(n * o * o * shape.cout, "c2d-r")
        let reference = Conv2D.referenceForward(input: x, weight: wt, n: n, side: h, shape: shape)
        var out = [Float](repeating: 0, count: n * o * o * shape.cout)
        var s1 = [Float](repeating: 0, count: Conv2D.scratchCount(shape, side: h, n: n)), s2 = s1
        Conv2D.forward(input: floats(x), weight: floats(wt), output: &out, images: 0..<n, side: h, shape: shape, scratch: &s1)
        let what = "\(shape.kernel)x\(shape.kernel)/\(shape.stride) pad \(shape.padding) \(shape.cin)->\(shape.cout) on \(h)"
        expectClose(out, floats(reference), tolerance: 1e-4, relative: 1e-5, "Conv2D \(what) forward")
        var dw = [Float](repeating: 0, count: shape.weightCount), dx = [Float](repeating: 0, count: x.count)
        Conv2D.backward(input: floats(x), weight: floats(wt), dOutput: floats(r), dWeight: &dw, dInput: &dx, images: 0..<n,
                        side: h, shape: shape, scratch: &s1, scratch2: &s2)
        let gw = numericGradient({ dot(r, Conv2D.referenceForward(input: x, weight: $0, n: n, side: h, shape: shape)) }, at: wt)
        let gx = numericGradient({ dot(r, Conv2D.referenceForward(input: $0, weight: wt, n: n, side: h, shape: shape)) }, at: x)
        assertGradient(doubles(dw), gw, tolerance: 1e-4, "Conv2D \(what) dW")
        assertGradient(doubles(dx), gx, tolerance: 1e-4, "Conv2D \(what) dX")
    }

    func testStridedConvolutionsMatchReferenceAndGradients() {
        checkConv2D(ConvShape(kernel: 7, stride: 2, padding: 3, cin: 1, cout: 3), n: 2, side: 9)
        checkConv2D(ConvShape(kernel: 7, stride: 2, padding: 3, cin: 3, cout: 2), n: 1, side: 8)
        checkConv2D(ConvShape(kernel: 3, stride: 2, padding: 1, cin: 3, cout: 4), n: 2, side: 7)
        checkConv2D(ConvShape(kernel: 3, stride: 2, padding: 1, cin: 2, cout: 3), n: 2, side: 6)
        checkConv2D(ConvShape(kernel: 1, stride: 2, padding: 0, cin: 5, cout: 3), n: 2, side: 7)
        checkConv2D(ConvShape(kernel: 1, stride: 1, padding: 0, cin: 4, cout: 3), n: 2, side: 5)
        checkConv2D(ConvShape(kernel: 3, stride: 1, padding: 1, cin: 1, cout: 2), n: 2, side: 5)
        XCTAssertEqual(ConvShape(kernel: 7, stride: 2, padding: 3, cin: 3, cout: 64).outputSide(224), 112)
        XCTAssertEqual(ConvShape(kernel: 3, stride: 2, padding: 1, cin: 64, cout: 128).outputSide(7), 4)
    }

    func testMaxPool3x3Stride2() {
        let n = 2, h = 7, c = 3
        let x = randomDoubles(n * h * h * c, "mp3-x")
        let o = MaxPool3x3.outputSide(h)
        XCTAssertEqual(o, 4)
        XCTAssertEqual(MaxPool3x3.outputSide(112), 56)
        var out = [Float](repeating: 0, count: n * o * o * c)
        var argmax = [UInt8](repeating: 0, count: out.count)
        MaxPool3x3.forward(input: floats(x), output: &out, argmax: &argmax, images: 0..<n, side: h, c: c)
        expectClose(out, floats(MaxPool3x3.referenceForward(x, n: n, side: h, c: c)), tolerance: 1e-7, relative: 0, "max-pool 3x3/2")
        let r = randomDoubles(out.count, "mp3-r")
        var dx = [Float](repeating: 0, count: x.count)
        MaxPool3x3.backward(dOutput: floats(r), argmax: argmax, dInput: &dx, images: 0..<n, side: h, c: c)
        let gx = numericGradient({ dot(r, MaxPool3x3.referenceForward($0, n: n, side: h, c: c)) }, at: x)
        assertGradient(doubles(dx), gx, tolerance: 1e-6, "max-pool 3x3/2 dX")
    }

    func testLayoutHasTorchvisionNames() {
        let config = NetworkConfig(embedding: 4, resnet: ResNetConfig(blocks: [2, 1], widths: [4, 8]), hidden: 6)
        let layout = ParameterLayout(config: config)
        XCTAssertEqual(layout.parameters.map(\.name), [
            "conv1.weight", "bn1.weight", "bn1.bias",
            "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias", "layer1.0.conv2.weight", "layer1.0.bn2.weight", "layer1.0.bn2.bias",
            "layer1.1.conv1.weight", "layer1.1.bn1.weight", "layer1.1.bn1.bias", "layer1.1.conv2.weight", "layer1.1.bn2.weight", "layer1.1.bn2.bias",
            "layer2.0.conv1.weight", "layer2.0.bn1.weight", "layer2.0.bn1.bias", "layer2.0.conv2.weight", "layer2.0.bn2.weight", "layer2.0.bn2.bias",
            "layer2.0.downsample.0.weight", "layer2.0.downsample.1.weight", "layer2.0.downsample.1.bias",
            "hidden.weight", "hidden.bias", "dense.weight", "dense.bias"])
        XCTAssertEqual(layout.parameter("conv1.weight").count, 49 * 4)
        XCTAssertEqual(layout.parameter("layer2.0.downsample.0.weight").count, 4 * 8)
        XCTAssertEqual(layout.state.count, 2 * 8, "running mean and variance of each of the 8 batch norms")
        XCTAssertEqual(layout.parameters.filter(\.decay).map(\.name).count, 10, "7 convolutions, hidden and dense weights")
    }

    /// Sums L = r . embeddings of a training-mode forward, and its gradient by `backward`,
    /// checked by central differences on a sample of parameters.
    func gradientCheck(_ config: NetworkConfig, side: Int, n: Int = 4, samples: Int = 60, _ what: String,
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let net = try Network(config: config, inputSide: side, seed: 11)
        var rng = RandomStream(seed: 2, "resnet-input")
        let input = (0..<(n * net.inputCount)).map { _ in rng.uniform() }
        let d = config.embedding
        let r = randomDoubles(n * d, "resnet-r")
        let stream = RandomStream(seed: 9, "dropout", 1, 1)
        func lossValue() -> Double {
            let e = net.forward(input: input, n: n, training: true, dropoutStream: stream)
            return (0..<(n * d)).reduce(0.0) { $0 + r[$1] * Double(e[$1]) }
        }
        _ = lossValue()
        net.backward(dEmbeddings: floats(r))
        let analytic = net.gradients.array
        var pick = RandomStream(seed: 3, "pick", what)
        var worst = 0.0
        let scale = max(analytic.map { abs(Double($0)) }.max()!, 1e-3)
        // Every tensor at least once, then random parameters.
        var indices = net.layout.parameters.map { $0.offset + $0.count / 2 }
        for _ in 0..<samples { indices.append(pick.below(net.layout.parameterCount)) }
        // ReLU and max-pool kinks near a perturbed parameter bend the difference quotient,
        // more for larger steps: each parameter is checked at two steps and the closer one
        // counts (a wrong gradient is wrong at both).
        for i in indices {
            let old = net.parameters[i]
            var err = Double.infinity
            for step: Float in [1e-3, 2.5e-4] {
                let h = step * max(1, abs(old))
                net.parameters[i] = old + h
                let fp = lossValue()
                net.parameters[i] = old - h
                let fm = lossValue()
                net.parameters[i] = old
                err = min(err, abs((fp - fm) / Double(2 * h) - Double(analytic[i])) / scale)
            }
            if err > 3e-3, ProcessInfo.processInfo.environment["KRILL_VERBOSE_TESTS"] != nil {
                let slot = net.layout.parameters.first { $0.offset <= i && i < $0.offset + $0.count }!
                print("\(what): \(slot.name)[\(i - slot.offset)] analytic \(analytic[i])")
            }
            worst = max(worst, err)
        }
        XCTAssertLessThan(worst, 3e-3, "\(what): largest relative error \(worst)", file: file, line: line)
    }

    func testSmallResNetsPassAGradientCheck() throws {
        try gradientCheck(NetworkConfig(embedding: 3, output: .linear, resnet: ResNetConfig(blocks: [1, 1], widths: [3, 4], stem: .small)),
                          side: 6, "small stem, identity and projection shortcuts")
        try gradientCheck(NetworkConfig(dropout: 0.2, embedding: 3, output: .l2, resnet: ResNetConfig(blocks: [2, 1], widths: [2, 4], stem: .imagenet), hidden: 5),
                          side: 11, "imagenet stem, max-pool, hidden layer, dropout")
        try gradientCheck(NetworkConfig(embedding: 2, output: .sigmoid, resnet: ResNetConfig(blocks: [1], widths: [3], stem: .small, input: .rgb)),
                          side: 5, "rgb input")
        try gradientCheck(NetworkConfig(embedding: 3, output: .l2, hidden: 4, features: 6), side: 1, "a head alone on features")
    }

    /// 1 and 3 threads give the same bits, in training (gradients, running statistics) and
    /// in inference.
    func testResNetIsIndependentOfThreads() throws {
        let config = NetworkConfig(embedding: 4, resnet: ResNetConfig(blocks: [1, 1], widths: [4, 8], stem: .imagenet), hidden: 6)
        var results: [[Float]] = []
        for threads in [1, 3] {
            let net = try Network(config: config, inputSide: 16, seed: 5)
            net.threads = threads
            var rng = RandomStream(seed: 4, "threads")
            let n = 20
            let input = (0..<(n * 256)).map { _ in rng.uniform() }
            let e = Array(UnsafeBufferPointer(start: net.forward(input: input, n: n, training: true), count: n * 4))
            net.backward(dEmbeddings: floats(randomDoubles(n * 4, "threads-r")))
            let inference = Array(UnsafeBufferPointer(start: net.forward(input: input, n: n, training: false), count: n * 4))
            results.append(e + net.gradients.array + Array(net.state.buffer) + inference)
        }
        XCTAssertEqual(results[0].map(\.bitPattern), results[1].map(\.bitPattern))
    }

    /// In inference an image's embedding does not depend on the other images of its batch.
    func testInferenceIsPerImage() throws {
        let net = try Network(config: NetworkConfig(embedding: 4, resnet: ResNetConfig(blocks: [1, 1], widths: [4, 8])), inputSide: 16, seed: 5)
        var rng = RandomStream(seed: 6, "per-image")
        let input = (0..<(9 * 256)).map { _ in rng.uniform() }
        let all = Array(UnsafeBufferPointer(start: net.forward(input: input, n: 9, training: false), count: 36))
        let last = Array(UnsafeBufferPointer(start: net.forward(input: Array(input[(8 * 256)...]), n: 1, training: false), count: 4))
        XCTAssertEqual(Array(all[32...]).map(\.bitPattern), last.map(\.bitPattern))
    }
}

/// krill's ResNet against PyTorch on a committed fixture (Fixtures/resnet_reference.py):
/// torchvision's layout and names, random weights and running statistics, two grey images.
final class ResNetPyTorchTests: XCTestCase {
    func fixture(_ name: String) throws -> [Safetensors.Tensor] {
        let url = Bundle.module.url(forResource: name, withExtension: "safetensors")!
        return try Safetensors.decode([UInt8](Data(contentsOf: url))).tensors
    }

    func testMatchesPyTorch() throws {
        let config = NetworkConfig(embedding: 3, resnet: ResNetConfig(blocks: [2, 1, 1, 1], widths: [4, 8, 8, 16], stem: .imagenet, input: .rgb))
        let net = try Network(config: config, inputSide: 40, seed: 1)
        try TorchExport.load(try fixture("resnet_reference"), into: net, only: ["conv1.", "bn1.", "layer"], ignoring: ["fc."], source: "fixture")
        let io = Dictionary(uniqueKeysWithValues: try fixture("resnet_reference_io").map { ($0.name, $0) })
        let pixels = io["pixels"]!.floats, expected = io["features"]!.floats
        XCTAssertEqual(io["features"]!.shape, [2, 16])
        let input = pixels.map { 1 - $0 }   // krill's input x = 1 - pixel
        let features = Array(UnsafeBufferPointer(start: net.backboneFeatures(input: input, n: 2), count: 32))
        let worst = zip(features, expected).map { abs($0 - $1) }.max()!
        if ProcessInfo.processInfo.environment["KRILL_VERBOSE_TESTS"] != nil { print("ResNet vs PyTorch: largest difference \(worst)") }
        XCTAssertLessThan(worst, 1e-4, "largest |krill - PyTorch| = \(worst)")
        XCTAssertGreaterThan(expected.map(abs).max()!, 0.1, "the fixture's features are not trivially small")
    }

    /// A missing, extra or misshapen tensor is named.
    func testWeightProblemsAreNamed() throws {
        let config = NetworkConfig(embedding: 3, resnet: ResNetConfig(blocks: [2, 1, 1, 1], widths: [4, 8, 8, 16], stem: .imagenet, input: .rgb))
        let net = try Network(config: config, inputSide: 40, seed: 1)
        let file = try fixture("resnet_reference")
        let backbone = ["conv1.", "bn1.", "layer"]
        XCTAssertThrowsError(try TorchExport.load(file.filter { $0.name != "layer2.0.bn1.running_var" }, into: net, only: backbone, ignoring: ["fc."], source: "f")) {
            XCTAssert("\($0)".contains("missing layer2.0.bn1.running_var [8]"), "\($0)")
        }
        XCTAssertThrowsError(try TorchExport.load(file, into: net, only: backbone, source: "f")) {
            XCTAssert("\($0)".contains("not in this network: ") && "\($0)".contains("fc.weight") && "\($0)".contains("fc.bias"), "\($0)")
        }
        let grey = try Network(config: NetworkConfig(embedding: 3, resnet: ResNetConfig(blocks: [2, 1, 1, 1], widths: [4, 8, 8, 16])), inputSide: 40, seed: 1)
        XCTAssertThrowsError(try TorchExport.load(file, into: grey, only: backbone, ignoring: ["fc."], source: "f")) {
            XCTAssert("\($0)".contains("conv1.weight is F32 [4, 3, 7, 7], the network needs F32 [4, 1, 7, 7]"), "\($0)")
        }
    }

    /// A ResNet exports with torchvision's names and reads back to the same network.
    func testExportRoundTrip() throws {
        let config = NetworkConfig(embedding: 5, resnet: ResNetConfig(blocks: [1, 1], widths: [3, 6], stem: .small), hidden: 7)
        let net = try Network(config: config, inputSide: 12, seed: 4)
        let bytes = TorchExport.encode(net)
        let names = try Safetensors.decode(bytes).tensors.map(\.name)
        XCTAssert(names.contains("layer2.0.downsample.1.num_batches_tracked") && names.contains("hidden.weight"), "\(names)")
        let back = try TorchExport.network(from: bytes)
        XCTAssertEqual(back.config, net.config)
        XCTAssertEqual(back.parameters.array, net.parameters.array)
        XCTAssertEqual(Array(back.state.buffer), Array(net.state.buffer))
    }
}
