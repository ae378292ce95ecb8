@testable import ConvNet
import Linalg
import TestSupport
import XCTest

/// Every fast kernel against its naive Double reference, and every backward pass against
/// central differences of the Double reference (L = sum r * output for a random r).
final class LayerTests: XCTestCase {
    func checkConv(n: Int, h: Int, w: Int, cin: Int, cout: Int, inputGradient: Bool) {
        let x = randomDoubles(n * h * w * cin, "conv-x")
        let wt = randomDoubles(9 * cin * cout, "conv-w", lo: -0.5, hi: 0.5)
        let bias = randomDoubles(cout, "conv-b")
        let r = randomDoubles(n * h * w * cout, "conv-r")
        let reference = Conv3x3.referenceForward(input: x, weight: wt, bias: bias, n: n, h: h, w: w, cin: cin, cout: cout)

        let xf = floats(x), wf = floats(wt), bf = floats(bias), rf = floats(r)
        var out = [Float](repeating: 0, count: n * h * w * cout)
        let scratch = Conv3x3.scratchCount(n: n, h: h, w: w, cin: cin)
        var s1 = [Float](repeating: 0, count: scratch), s2 = s1
        Conv3x3.forward(input: xf, weight: wf + bf, output: &out, images: 0..<n, h: h, w: w, cin: cin, cout: cout, scratch: &s1)
        expectClose(out, floats(reference), tolerance: 1e-4, relative: 1e-5, "conv forward vs 7-loop reference")

        var dwb = [Float](repeating: 0, count: wf.count + cout)
        var dx = [Float](repeating: 0, count: xf.count)
        if inputGradient {
            Conv3x3.backward(input: xf, weight: wf + bf, dOutput: rf, dWeight: &dwb, dInput: &dx,
                             images: 0..<n, h: h, w: w, cin: cin, cout: cout, scratch: &s1, scratch2: &s2)
        } else {
            Conv3x3.backward(input: xf, weight: wf + bf, dOutput: rf, dWeight: &dwb, dInput: nil,
                             images: 0..<n, h: h, w: w, cin: cin, cout: cout, scratch: &s1, scratch2: &s2)
        }
        let dw = Array(dwb[0..<wf.count]), db = Array(dwb[wf.count...])
        let gw = numericGradient({ dot(r, Conv3x3.referenceForward(input: x, weight: $0, bias: bias, n: n, h: h, w: w, cin: cin, cout: cout)) }, at: wt)
        let gb = numericGradient({ dot(r, Conv3x3.referenceForward(input: x, weight: wt, bias: $0, n: n, h: h, w: w, cin: cin, cout: cout)) }, at: bias)
        assertGradient(doubles(dw), gw, tolerance: 1e-4, "conv dW \(cin)->\(cout)")
        assertGradient(doubles(db), gb, tolerance: 1e-4, "conv db \(cin)->\(cout)")
        if inputGradient {
            let gx = numericGradient({ dot(r, Conv3x3.referenceForward(input: $0, weight: wt, bias: bias, n: n, h: h, w: w, cin: cin, cout: cout)) }, at: x)
            assertGradient(doubles(dx), gx, tolerance: 1e-4, "conv dX \(cin)->\(cout)")
        }
    }

    func testConvMatchesReferenceAndGradients() {
        checkConv(n: 2, h: 5, w: 5, cin: 1, cout: 3, inputGradient: false)
        checkConv(n: 3, h: 4, w: 6, cin: 3, cout: 4, inputGradient: true)
        checkConv(n: 2, h: 3, w: 3, cin: 11, cout: 2, inputGradient: true)   // SIMD lanes plus a tail
    }

    func testConvChunkedOverManyImagesMatchesReference() {
        // 64 images of 8x8x8: several chunks of the im2col buffer.
        let n = 64, h = 8, w = 8, cin = 8, cout = 5
        XCTAssertLessThan(Conv3x3.chunkImages(h: 16, w: 16, cin: 64), 16)
        let x = randomDoubles(n * h * w * cin, "big-x"), wt = randomDoubles(9 * cin * cout, "big-w"), b = randomDoubles(cout, "big-b")
        var out = [Float](repeating: 0, count: n * h * w * cout)
        var s = [Float](repeating: 0, count: Conv3x3.scratchCount(n: n, h: h, w: w, cin: cin))
        Conv3x3.forward(input: floats(x), weight: floats(wt + b), output: &out, images: 0..<n, h: h, w: w, cin: cin, cout: cout, scratch: &s)
        expectClose(out, floats(Conv3x3.referenceForward(input: x, weight: wt, bias: b, n: n, h: h, w: w, cin: cin, cout: cout)),
                    tolerance: 1e-4, relative: 1e-5)
    }

    /// Winograd F(2x2, 3x3) against the 7-loop reference, and its flipped form against the
    /// input gradient of the reference.
    func testWinogradMatchesReference() {
        for (n, h, w, cin, cout) in [(2, 4, 4, 8, 8), (3, 5, 7, 11, 9), (2, 1, 3, 3, 17), (20, 8, 8, 16, 24)] {
            let x = randomDoubles(n * h * w * cin, "wino-x"), wt = randomDoubles(9 * cin * cout, "wino-w", lo: -0.5, hi: 0.5)
            let b = randomDoubles(cout, "wino-b")
            var u = [Float](repeating: 0, count: 16 * cin * cout)
            Winograd.transformWeights(floats(wt), cin: cin, cout: cout, flip: false, into: &u)
            let (vc, mc) = Winograd.scratchCounts(n: n, h: h, w: w, cin: cin, cout: cout)
            var v = [Float](repeating: 0, count: vc), m = [Float](repeating: 0, count: mc)
            var out = [Float](repeating: .nan, count: n * h * w * cout)
            Winograd.forward(input: floats(x), u: u, bias: floats(b), output: &out, images: 0..<n, h: h, w: w, cin: cin, cout: cout, v: &v, m: &m)
            let reference = Conv3x3.referenceForward(input: x, weight: wt, bias: b, n: n, h: h, w: w, cin: cin, cout: cout)
            expectClose(out, floats(reference), tolerance: 2e-5, relative: 1e-5, "Winograd forward \(h)x\(w) \(cin)->\(cout)")

            // Fused with max-pool and ReLU: bit-identical to the separate layers.
            var pooled = [Float](repeating: .nan, count: n * (h / 2) * (w / 2) * cout), pooled2 = pooled
            var arg = [UInt8](repeating: 9, count: pooled.count), arg2 = arg
            var unused = [Float](repeating: 0, count: 1)
            pooled.withUnsafeMutableBufferPointer { pp in
                arg.withUnsafeMutableBufferPointer { ap in
                    Winograd.forward(input: floats(x), u: u, bias: floats(b), output: &unused, images: 0..<n, h: h, w: w, cin: cin, cout: cout,
                                     v: &v, m: &m, pool: (output: pp.baseAddress!, argmax: ap.baseAddress!))
                }
            }
            MaxPool2x2.forward(input: out, output: &pooled2, argmax: &arg2, images: 0..<n, h: h, w: w, c: cout, relu: true)
            XCTAssertEqual(pooled, pooled2, "fused pool \(h)x\(w) \(cin)->\(cout)")
            XCTAssertEqual(arg, arg2)

            // Input gradient: the flipped, channel-swapped transform applied to dY.
            let r = randomDoubles(n * h * w * cout, "wino-r")
            var uT = [Float](repeating: 0, count: 16 * cin * cout)
            Winograd.transformWeights(floats(wt), cin: cin, cout: cout, flip: true, into: &uT)
            let (vc2, mc2) = Winograd.scratchCounts(n: n, h: h, w: w, cin: cout, cout: cin)
            var v2 = [Float](repeating: 0, count: vc2), m2 = [Float](repeating: 0, count: mc2)
            var dx = [Float](repeating: .nan, count: x.count)
            Winograd.forward(input: floats(r), u: uT, bias: nil, output: &dx, images: 0..<n, h: h, w: w, cin: cout, cout: cin, v: &v2, m: &m2)
            // Weight and bias gradients by F(3x3, 2x2).
            var dwb = [Float](repeating: 0, count: (9 * cin + 1) * cout)
            var acc = [Float](repeating: 0, count: 16 * cin * cout)
            Winograd.weightGradient(input: floats(x), dOutput: floats(r), dWeight: &dwb, images: 0..<n, h: h, w: w, cin: cin, cout: cout,
                                    v: &v, e: &m, accumulator: &acc)
            if n * h * w * cin <= 1200 {
                let gw = numericGradient({ dot(r, Conv3x3.referenceForward(input: x, weight: $0, bias: b, n: n, h: h, w: w, cin: cin, cout: cout)) }, at: wt)
                let gb = numericGradient({ dot(r, Conv3x3.referenceForward(input: x, weight: wt, bias: $0, n: n, h: h, w: w, cin: cin, cout: cout)) }, at: b)
                assertGradient(doubles(Array(dwb[0..<(9 * cin * cout)])), gw, tolerance: 1e-4, "Winograd weight gradient \(h)x\(w) \(cin)->\(cout)")
                assertGradient(doubles(Array(dwb[(9 * cin * cout)...])), gb, tolerance: 1e-4, "Winograd bias gradient \(h)x\(w) \(cin)->\(cout)")
            } else {
                // Larger: against im2col + GEMM (itself checked against the reference above).
                var dwbRef = [Float](repeating: 0, count: dwb.count)
                var s1 = [Float](repeating: 0, count: Conv3x3.scratchCount(n: n, h: h, w: w, cin: cin)), s2 = s1
                Conv3x3.backward(input: floats(x), weight: floats(wt + b), dOutput: floats(r), dWeight: &dwbRef, dInput: nil,
                                 images: 0..<n, h: h, w: w, cin: cin, cout: cout, scratch: &s1, scratch2: &s2)
                expectClose(dwb, dwbRef, tolerance: 1e-3, relative: 1e-4, "Winograd weight gradient vs im2col \(h)x\(w) \(cin)->\(cout)")
            }
            if n * h * w * cin <= 1200 {
                let g = numericGradient({ dot(r, Conv3x3.referenceForward(input: $0, weight: wt, bias: b, n: n, h: h, w: w, cin: cin, cout: cout)) }, at: x)
                assertGradient(doubles(dx), g, tolerance: 1e-4, "Winograd input gradient \(h)x\(w) \(cin)->\(cout)")
            }
        }
    }

    func testMaxPool() {
        let n = 2, h = 5, w = 6, c = 3
        let x = randomDoubles(n * h * w * c, "pool-x")
        let r = randomDoubles(n * (h / 2) * (w / 2) * c, "pool-r")
        var out = [Float](repeating: 0, count: r.count)
        var arg = [UInt8](repeating: 0, count: r.count)
        MaxPool2x2.forward(input: floats(x), output: &out, argmax: &arg, images: 0..<n, h: h, w: w, c: c)
        expectClose(out, floats(MaxPool2x2.referenceForward(x, n: n, h: h, w: w, c: c)), tolerance: 0)
        var dx = [Float](repeating: 7, count: x.count)
        MaxPool2x2.backward(dOutput: floats(r), argmax: arg, dInput: &dx, images: 0..<n, h: h, w: w, c: c)
        let g = numericGradient({ dot(r, MaxPool2x2.referenceForward($0, n: n, h: h, w: w, c: c)) }, at: x)
        assertGradient(doubles(dx), g, tolerance: 1e-6, "max-pool")

        // Fused with ReLU: relu(maxpool(x)) = maxpool(relu(x)).
        var outR = [Float](repeating: 0, count: r.count)
        MaxPool2x2.forward(input: floats(x), output: &outR, argmax: &arg, images: 0..<n, h: h, w: w, c: c, relu: true)
        let refR = { (v: [Double]) in MaxPool2x2.referenceForward(ReLU.referenceForward(v), n: n, h: h, w: w, c: c) }
        expectClose(outR, floats(refR(x)), tolerance: 0)
        XCTAssert(outR.contains(0) && outR.contains { $0 > 0 })
        var dxR = [Float](repeating: 7, count: x.count)
        MaxPool2x2.backward(dOutput: floats(r), argmax: arg, dInput: &dxR, images: 0..<n, h: h, w: w, c: c, output: outR)
        assertGradient(doubles(dxR), numericGradient({ dot(r, refR($0)) }, at: x), tolerance: 1e-6, "max-pool + relu")
    }

    func testReLUAndGlobalAveragePool() {
        let x = randomDoubles(40, "relu-x"), r = randomDoubles(40, "relu-r")
        var y = floats(x)
        ReLU.forward(&y, count: y.count)
        expectClose(y, floats(ReLU.referenceForward(x)), tolerance: 0)
        var g = floats(r)
        ReLU.backward(output: y, gradient: &g, count: g.count)
        assertGradient(doubles(g), numericGradient({ dot(r, ReLU.referenceForward($0)) }, at: x), tolerance: 1e-6, "relu")

        let n = 2, spatial = 6, c = 4
        let a = randomDoubles(n * spatial * c, "gap-x"), ra = randomDoubles(n * c, "gap-r")
        var out = [Float](repeating: 0, count: n * c)
        GlobalAveragePool.forward(input: floats(a), output: &out, images: 0..<n, spatial: spatial, c: c)
        expectClose(out, floats(GlobalAveragePool.referenceForward(a, n: n, spatial: spatial, c: c)), tolerance: 1e-6)
        var da = [Float](repeating: 0, count: a.count)
        GlobalAveragePool.backward(dOutput: floats(ra), dInput: &da, images: 0..<n, spatial: spatial, c: c)
        assertGradient(doubles(da), numericGradient({ dot(ra, GlobalAveragePool.referenceForward($0, n: n, spatial: spatial, c: c)) }, at: a),
                       tolerance: 1e-6, "global average pool")
    }

    func testDense() {
        let n = 3, cin = 5, cout = 4
        let x = randomDoubles(n * cin, "dense-x"), wt = randomDoubles(cin * cout, "dense-w"), b = randomDoubles(cout, "dense-b")
        let r = randomDoubles(n * cout, "dense-r")
        var out = [Float](repeating: 0, count: n * cout)
        Dense.forward(input: floats(x), weight: floats(wt), bias: floats(b), output: &out, n: n, cin: cin, cout: cout)
        expectClose(out, floats(Dense.referenceForward(x, weight: wt, bias: b, n: n, cin: cin, cout: cout)), tolerance: 1e-5)
        var dw = [Float](repeating: 0, count: wt.count), db = [Float](repeating: 0, count: cout), dx = [Float](repeating: 0, count: x.count)
        Dense.backward(input: floats(x), weight: floats(wt), dOutput: floats(r), dWeight: &dw, dBias: &db, dInput: &dx, n: n, cin: cin, cout: cout)
        assertGradient(doubles(dw), numericGradient({ dot(r, Dense.referenceForward(x, weight: $0, bias: b, n: n, cin: cin, cout: cout)) }, at: wt), tolerance: 1e-5, "dense dW")
        assertGradient(doubles(db), numericGradient({ dot(r, Dense.referenceForward(x, weight: wt, bias: $0, n: n, cin: cin, cout: cout)) }, at: b), tolerance: 1e-5, "dense db")
        assertGradient(doubles(dx), numericGradient({ dot(r, Dense.referenceForward($0, weight: wt, bias: b, n: n, cin: cin, cout: cout)) }, at: x), tolerance: 1e-5, "dense dX")
    }

    func testBatchNormTrainingAndInference() {
        let m = 24, c = 3
        let x = randomDoubles(m * c, "bn-x", lo: -2, hi: 3), gamma = randomDoubles(c, "bn-g", lo: 0.5, hi: 1.5)
        let beta = randomDoubles(c, "bn-b"), r = randomDoubles(m * c, "bn-r")
        var y = [Float](repeating: 0, count: m * c)
        var mean = [Float](repeating: 0, count: c), inv = mean
        var rm = [Float](repeating: 0, count: c), rv = [Float](repeating: 1, count: c)
        BatchNorm.forwardTraining(input: floats(x), output: &y, gamma: floats(gamma), beta: floats(beta), mean: &mean, invStd: &inv,
                                  runningMean: &rm, runningVar: &rv, m: m, c: c)
        expectClose(y, floats(BatchNorm.referenceForward(x, gamma: gamma, beta: beta, m: m, c: c)), tolerance: 1e-5)
        // Running statistics moved 10% of the way to the batch mean and unbiased variance.
        for ch in 0..<c {
            let mu = (0..<m).reduce(0.0) { $0 + x[$1 * c + ch] } / Double(m)
            let v = (0..<m).reduce(0.0) { $0 + (x[$1 * c + ch] - mu) * (x[$1 * c + ch] - mu) } / Double(m - 1)
            XCTAssertEqual(Double(rm[ch]), 0.1 * mu, accuracy: 1e-6)
            XCTAssertEqual(Double(rv[ch]), 0.9 + 0.1 * v, accuracy: 1e-5)
        }
        var dg = [Float](repeating: 0, count: c), dbeta = dg, dx = [Float](repeating: 0, count: m * c)
        BatchNorm.backward(input: floats(x), dOutput: floats(r), gamma: floats(gamma), mean: mean, invStd: inv,
                           dGamma: &dg, dBeta: &dbeta, dInput: &dx, m: m, c: c)
        assertGradient(doubles(dx), numericGradient({ dot(r, BatchNorm.referenceForward($0, gamma: gamma, beta: beta, m: m, c: c)) }, at: x),
                       tolerance: 1e-4, "batch norm dX")
        assertGradient(doubles(dg), numericGradient({ dot(r, BatchNorm.referenceForward(x, gamma: $0, beta: beta, m: m, c: c)) }, at: gamma),
                       tolerance: 1e-4, "batch norm dGamma")
        assertGradient(doubles(dbeta), numericGradient({ dot(r, BatchNorm.referenceForward(x, gamma: gamma, beta: $0, m: m, c: c)) }, at: beta),
                       tolerance: 1e-4, "batch norm dBeta")
        // Inference: (x - running mean) / sqrt(running var + eps) * gamma + beta.
        var yi = [Float](repeating: 0, count: m * c)
        BatchNorm.forwardInference(input: floats(x), output: &yi, rows: 0..<m, gamma: floats(gamma), beta: floats(beta), runningMean: rm, runningVar: rv, c: c)
        let expected = (0..<(m * c)).map { i -> Float in
            let ch = i % c
            return Float((x[i] - Double(rm[ch])) / (Double(rv[ch]) + 1e-5).squareRoot() * gamma[ch] + beta[ch])
        }
        expectClose(yi, expected, tolerance: 1e-5)
    }

    func testOutputTransforms() {
        let n = 3, d = 5
        let x = randomDoubles(n * d, "out-x", lo: -2, hi: 2), r = randomDoubles(n * d, "out-r")
        for kind in OutputTransform.allCases {
            var y = [Float](repeating: 0, count: n * d)
            OutputLayer.forward(kind, input: floats(x), output: &y, n: n, d: d)
            expectClose(y, floats(OutputLayer.referenceForward(kind, x, n: n, d: d)), tolerance: 1e-6, "\(kind)")
            var dx = [Float](repeating: 0, count: n * d)
            OutputLayer.backward(kind, input: floats(x), output: y, dOutput: floats(r), dInput: &dx, n: n, d: d)
            assertGradient(doubles(dx), numericGradient({ dot(r, OutputLayer.referenceForward(kind, $0, n: n, d: d)) }, at: x),
                           tolerance: 1e-5, "output \(kind)")
        }
        var y = [Float](repeating: 0, count: n * d)
        OutputLayer.forward(.l2, input: floats(x), output: &y, n: n, d: d)
        for row in 0..<n {
            XCTAssertEqual((0..<d).reduce(Float(0)) { $0 + y[row * d + $1] * y[row * d + $1] }, 1, accuracy: 1e-6)
        }
    }

    func testDropoutMaskIsSeededAndScaled() {
        var a = [Float](repeating: 0, count: 1000), b = a
        var s1 = RandomStream(seed: 3, "dropout", 2, 5), s2 = RandomStream(seed: 3, "dropout", 2, 5)
        Dropout.makeMask(&a, count: a.count, p: 0.25, stream: &s1)
        Dropout.makeMask(&b, count: b.count, p: 0.25, stream: &s2)
        XCTAssertEqual(a, b)
        XCTAssert(a.allSatisfy { $0 == 0 || $0 == Float(1) / 0.75 })
        let kept = a.filter { $0 > 0 }.count
        XCTAssert(kept > 700 && kept < 800, "kept \(kept) of 1000 at p = 0.25")
        // Backward = forward with the same mask: a linear map, its own gradient.
        let x: [Float] = (0..<1000).map { Float($0) }
        var y = [Float](repeating: 0, count: 1000)
        Dropout.apply(x, mask: a, output: &y, count: 1000)
        XCTAssertEqual(y[10], x[10] * a[10])
    }
}
