import Foundation
import Linalg

/// The forward and backward passes of a ResNet (`NetworkConfig.resnet`) or of a head alone
/// (`NetworkConfig.features`), over the parameters of the `Network` that owns it.
///
/// Activations are NHWC. Every per-image operation runs on `Workers`' fixed image groups, and
/// every sum over the batch (weight gradients, batch-norm statistics) is made per group and
/// added in group order, so the results do not depend on the thread count. 3x3 stride-1
/// convolutions with more than one input channel use `Winograd`; the others (the stem,
/// strided and 1x1 convolutions) im2col + GEMM (`Conv2D`).
final class ResidualBody {
    /// Winograd's smallest chunk of tiles here (see `Winograd.chunkTiles`): wide layers need
    /// thicker GEMMs than the plain network's (measured on ResNet-18 at 112 px: 32 -> 128
    /// tiles raised training from 41 to 51 images/s and inference from 142 to 173).
    static let winogradTiles = 128
    /// 3x3 stride-1 convolutions on smaller images use im2col + GEMM: a few tiles per image
    /// make Winograd's GEMMs too thin. (A rule on the layer's shape alone, never on the batch,
    /// so an image's embedding does not depend on the batch it is in.)
    static let winogradMinimumSide = 8

    /// One convolution of the plan: its shape, input side and weight name.
    struct Conv {
        let shape: ConvShape
        let side: Int
        let weight: String
        var outSide: Int { shape.outputSide(side) }
        var winograd: Bool { shape.kernel == 3 && shape.stride == 1 && shape.padding == 1 && shape.cin > 1 && side >= ResidualBody.winogradMinimumSide }
    }

    /// A basic block: conv1 (stride s) + bn1 + ReLU, conv2 + bn2, the shortcut, ReLU.
    struct Block {
        let conv1: Conv, conv2: Conv
        let downsample: Conv?
        let prefix: String
    }

    let config: NetworkConfig
    /// Input side S (images) or 1 (features).
    let inputSide: Int
    let stem: Conv?
    let stemPool: Bool
    let blocks: [Block]
    /// Channels and side of the backbone's output (before global average pooling).
    let outChannels: Int
    let outSide: Int

    private var workspace: ResidualWorkspace?
    private var lastBatch = 0, lastTraining = false
    private var lastInput: UnsafePointer<Float>?

    init(config: NetworkConfig, inputSide: Int) {
        self.config = config
        self.inputSide = inputSide
        guard let r = config.resnet else {
            stem = nil
            stemPool = false
            blocks = []
            outChannels = config.features ?? 0
            outSide = 1
            return
        }
        let k = r.stem == .imagenet ? 7 : 3
        let stemConv = Conv(shape: ConvShape(kernel: k, stride: r.stem == .imagenet ? 2 : 1, padding: k / 2, cin: r.inputChannels, cout: r.widths[0]),
                            side: inputSide, weight: "conv1.weight")
        stem = stemConv
        stemPool = r.stem == .imagenet
        var side = stemPool ? MaxPool3x3.outputSide(stemConv.outSide) : stemConv.outSide
        var cin = r.widths[0]
        var plan: [Block] = []
        for (i, (count, width)) in zip(r.blocks, r.widths).enumerated() {
            for j in 0..<count {
                let prefix = "layer\(i + 1).\(j)"
                let stride = i > 0 && j == 0 ? 2 : 1
                let c1 = Conv(shape: ConvShape(kernel: 3, stride: stride, padding: 1, cin: cin, cout: width), side: side, weight: "\(prefix).conv1.weight")
                let c2 = Conv(shape: ConvShape(kernel: 3, stride: 1, padding: 1, cin: width, cout: width), side: c1.outSide, weight: "\(prefix).conv2.weight")
                let ds = stride != 1 || cin != width
                    ? Conv(shape: ConvShape(kernel: 1, stride: stride, padding: 0, cin: cin, cout: width), side: side, weight: "\(prefix).downsample.0.weight")
                    : nil
                plan.append(Block(conv1: c1, conv2: c2, downsample: ds, prefix: prefix))
                side = c1.outSide
                cin = width
            }
        }
        blocks = plan
        outChannels = cin
        outSide = side
    }

    /// Floats per input item: S S (grey images) or the feature count.
    var inputCount: Int { config.features ?? inputSide * inputSide }

    func releaseWorkspace() { workspace = nil }

    /// The pooled backbone output of the last forward (its input, for a head alone).
    var lastFeatures: UnsafeMutablePointer<Float> {
        stem == nil ? UnsafeMutablePointer(mutating: lastInput!) : workspace!.gap.pointer
    }

    private func workspace(for n: Int, training: Bool) -> ResidualWorkspace {
        if let ws = workspace, ws.capacity >= n, ws.training || !training { return ws }
        workspace = nil
        let ws = ResidualWorkspace(body: self, capacity: max(n, workspace?.capacity ?? 0), training: training)
        workspace = ws
        return ws
    }

    // MARK: - Forward

    func forward(_ net: Network, input: UnsafePointer<Float>, n: Int, training: Bool, dropoutStream: RandomStream?) -> UnsafeMutablePointer<Float> {
        let ws = workspace(for: n, training: training)
        let workers = Workers(net.threads)
        ws.prepare(workers: workers.count)
        lastBatch = n
        lastTraining = training
        lastInput = input
        var x = input
        if let stem, let r = config.resnet {
            var stemInput = input
            if r.input == .rgb {
                // channel i = (pixel / 255 - mean_i) / std_i, pixel / 255 = 1 - x.
                let out = ws.rgb.pointer, s2 = inputSide * inputSide
                workers.forEachGroup(n) { _, _, images in
                    for p in (images.lowerBound * s2)..<(images.upperBound * s2) {
                        let v = 1 - input[p]
                        for ch in 0..<3 { out[p * 3 + ch] = (v - ResNetConfig.imageNetMean[ch]) / ResNetConfig.imageNetStd[ch] }
                    }
                }
                stemInput = UnsafePointer(out)
            }
            let a = convBNReLU(net, ws, workers, stem, bn: "bn1", input: stemInput, z: ws.stemZ.pointer, out: ws.stemA.pointer,
                               stats: 0, n: n, training: training, relu: true)
            x = UnsafePointer(a)
            if stemPool {
                let pooled = ws.stemPooled.pointer, side = stem.outSide, c = stem.shape.cout
                let argmax = training ? ws.stemArgmax.pointer : nil
                workers.forEachGroup(n) { _, _, images in
                    MaxPool3x3.forward(input: a, output: pooled, argmax: argmax, images: images, side: side, c: c)
                }
                x = UnsafePointer(pooled)
            }
            for (b, block) in blocks.enumerated() {
                let buffers = ws.blocks[b]
                let a1 = convBNReLU(net, ws, workers, block.conv1, bn: "\(block.prefix).bn1", input: x, z: buffers.z1.pointer,
                                    out: buffers.a1.pointer, stats: buffers.stats, n: n, training: training, relu: true)
                let out = buffers.out.pointer
                _ = convBNReLU(net, ws, workers, block.conv2, bn: "\(block.prefix).bn2", input: a1, z: buffers.z2.pointer,
                               out: out, stats: buffers.stats + 1, n: n, training: training, relu: false)
                let count = block.conv2.outSide * block.conv2.outSide * block.conv2.shape.cout
                var shortcut = x
                if let ds = block.downsample {
                    shortcut = UnsafePointer(convBNReLU(net, ws, workers, ds, bn: "\(block.prefix).downsample.1", input: x, z: buffers.zd.pointer,
                                                        out: buffers.nd.pointer, stats: buffers.stats + 2, n: n, training: training, relu: false))
                }
                let sc = shortcut
                workers.forEachGroup(n) { _, _, images in
                    let o = images.lowerBound * count, m = images.count * count
                    addVector(sc + o, into: out + o, count: m)
                    ReLU.forward(out + o, count: m)
                }
                x = UnsafePointer(out)
            }
            GlobalAveragePool.forward(input: x, output: ws.gap.pointer, images: 0..<n, spatial: outSide * outSide, c: outChannels)
            x = UnsafePointer(ws.gap.pointer)
        }
        return head(net, ws, features: x, n: n, training: training, dropoutStream: dropoutStream)
    }

    /// conv -> batch norm -> [ReLU] into `out`; returns `out`.
    private func convBNReLU(_ net: Network, _ ws: ResidualWorkspace, _ workers: Workers, _ conv: Conv, bn: String,
                            input: UnsafePointer<Float>, z: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                            stats: Int, n: Int, training: Bool, relu: Bool) -> UnsafeMutablePointer<Float> {
        let weight = UnsafePointer(net.param(conv.weight))
        let s = conv.shape
        if conv.winograd {
            let u = ws.winogradU.pointer
            Winograd.transformWeights(weight, cin: s.cin, cout: s.cout, flip: false, into: u)
            workers.forEachGroup(n) { worker, _, images in
                Winograd.forward(input: input, u: u, bias: nil, output: z, images: images, h: conv.side, w: conv.side, cin: s.cin, cout: s.cout,
                                 v: ws.winogradV[worker].pointer, m: ws.winogradM[worker].pointer, minimumTiles: ResidualBody.winogradTiles)
            }
        } else {
            workers.forEachGroup(n) { worker, _, images in
                Conv2D.forward(input: input, weight: weight, output: z, images: images, side: conv.side, shape: s, scratch: ws.col[worker].pointer)
            }
        }
        let spatial = conv.outSide * conv.outSide
        let gamma = UnsafePointer(net.param("\(bn).weight")), beta = UnsafePointer(net.param("\(bn).bias"))
        let runningMean = net.stat("\(bn).running_mean"), runningVar = net.stat("\(bn).running_var")
        if training {
            ws.batchNorm.forwardTraining(workers, n: n, spatial: spatial, c: s.cout, z: z, out: out, gamma: gamma, beta: beta,
                                         mean: ws.bnMean[stats].pointer, invStd: ws.bnInvStd[stats].pointer,
                                         runningMean: runningMean, runningVar: runningVar)
        } else {
            ws.batchNorm.forwardInference(workers, n: n, spatial: spatial, c: s.cout, z: z, out: out, gamma: gamma, beta: beta,
                                          runningMean: runningMean, runningVar: runningVar)
        }
        if relu {
            let count = spatial * s.cout
            workers.forEachGroup(n) { _, _, images in ReLU.forward(out + images.lowerBound * count, count: images.count * count) }
        }
        return out
    }

    /// [dropout] -> [hidden dense + ReLU] -> dense -> output transform.
    private func head(_ net: Network, _ ws: ResidualWorkspace, features: UnsafePointer<Float>, n: Int, training: Bool,
                      dropoutStream: RandomStream?) -> UnsafeMutablePointer<Float> {
        let c = outChannels, d = config.embedding
        var x = features
        if training && config.dropout > 0 {
            var stream = dropoutStream ?? RandomStream(seed: 0, "dropout")
            Dropout.makeMask(ws.dropMask.pointer, count: n * c, p: config.dropout, stream: &stream)
            Dropout.apply(features, mask: ws.dropMask.pointer, output: ws.dropped.pointer, count: n * c)
            x = UnsafePointer(ws.dropped.pointer)
        }
        var width = c
        if let h = config.hidden {
            Dense.forward(input: x, weight: net.param("hidden.weight"), bias: net.param("hidden.bias"), output: ws.hidden.pointer, n: n, cin: c, cout: h)
            ReLU.forward(ws.hidden.pointer, count: n * h)
            x = UnsafePointer(ws.hidden.pointer)
            width = h
        }
        Dense.forward(input: x, weight: net.param("dense.weight"), bias: net.param("dense.bias"), output: ws.raw.pointer, n: n, cin: width, cout: d)
        OutputLayer.forward(config.output, input: ws.raw.pointer, output: ws.embeddings.pointer, n: n, d: d)
        return ws.embeddings.pointer
    }

    // MARK: - Backward

    func backward(_ net: Network, dEmbeddings: UnsafePointer<Float>) {
        guard let ws = workspace, let input = lastInput, lastTraining, ws.training else {
            fatalError("Network.backward needs a training-mode forward before it")
        }
        let n = lastBatch
        let workers = Workers(net.threads)
        ws.prepare(workers: workers.count)
        net.gradients.zero()
        let c = outChannels, d = config.embedding
        OutputLayer.backward(config.output, input: ws.raw.pointer, output: ws.embeddings.pointer, dOutput: dEmbeddings,
                             dInput: ws.dRaw.pointer, n: n, d: d)
        let useDropout = config.dropout > 0
        let features: UnsafePointer<Float> = config.resnet == nil ? input : UnsafePointer(ws.gap.pointer)
        let headInput = useDropout ? UnsafePointer(ws.dropped.pointer) : features
        if let h = config.hidden {
            Dense.backward(input: ws.hidden.pointer, weight: net.param("dense.weight"), dOutput: ws.dRaw.pointer,
                           dWeight: net.grad("dense.weight"), dBias: net.grad("dense.bias"), dInput: ws.dHidden.pointer, n: n, cin: h, cout: d)
            ReLU.backward(output: ws.hidden.pointer, gradient: ws.dHidden.pointer, count: n * h)
            Dense.backward(input: headInput, weight: net.param("hidden.weight"), dOutput: ws.dHidden.pointer,
                           dWeight: net.grad("hidden.weight"), dBias: net.grad("hidden.bias"), dInput: ws.dGap.pointer, n: n, cin: c, cout: h)
        } else {
            Dense.backward(input: headInput, weight: net.param("dense.weight"), dOutput: ws.dRaw.pointer,
                           dWeight: net.grad("dense.weight"), dBias: net.grad("dense.bias"), dInput: ws.dGap.pointer, n: n, cin: c, cout: d)
        }
        guard let stem else { return }   // a head alone: its input is not trained
        if useDropout {
            Dropout.apply(ws.dGap.pointer, mask: ws.dropMask.pointer, output: ws.dGap.pointer, count: n * c)
        }
        var g = ws.gradA.pointer
        var spare = ws.gradB.pointer
        GlobalAveragePool.backward(dOutput: ws.dGap.pointer, dInput: g, images: 0..<n, spatial: outSide * outSide, c: c)

        for b in stride(from: blocks.count - 1, through: 0, by: -1) {
            let block = blocks[b], buffers = ws.blocks[b]
            let blockInput: UnsafePointer<Float> = b > 0 ? UnsafePointer(ws.blocks[b - 1].out.pointer)
                : UnsafePointer(stemPool ? ws.stemPooled.pointer : ws.stemA.pointer)
            let outCount = block.conv2.outSide * block.conv2.outSide * block.conv2.shape.cout
            let out = UnsafePointer(buffers.out.pointer), gg = g
            workers.forEachGroup(n) { _, _, images in
                ReLU.backward(output: out + images.lowerBound * outCount, gradient: gg + images.lowerBound * outCount, count: images.count * outCount)
            }
            // Shortcut gradient into `shortcut` (the block input's shape).
            let shortcut = ws.gradC.pointer
            if let ds = block.downsample {
                let dz = ws.gradD.pointer
                ws.batchNorm.backward(workers, n: n, spatial: ds.outSide * ds.outSide, c: ds.shape.cout, z: buffers.zd.pointer, dOutput: g,
                                      dInput: dz, gamma: net.param("\(block.prefix).downsample.1.weight"), mean: ws.bnMean[buffers.stats + 2].pointer,
                                      invStd: ws.bnInvStd[buffers.stats + 2].pointer, dGamma: net.grad("\(block.prefix).downsample.1.weight"),
                                      dBeta: net.grad("\(block.prefix).downsample.1.bias"))
                convBackward(net, ws, workers, ds, input: blockInput, dOutput: dz, dInput: shortcut, n: n)
            } else {
                shortcut.update(from: g, count: n * outCount)
            }
            // Main path: bn2, conv2, ReLU, bn1, conv1.
            ws.batchNorm.backward(workers, n: n, spatial: block.conv2.outSide * block.conv2.outSide, c: block.conv2.shape.cout,
                                  z: buffers.z2.pointer, dOutput: g, dInput: g, gamma: net.param("\(block.prefix).bn2.weight"),
                                  mean: ws.bnMean[buffers.stats + 1].pointer, invStd: ws.bnInvStd[buffers.stats + 1].pointer,
                                  dGamma: net.grad("\(block.prefix).bn2.weight"), dBeta: net.grad("\(block.prefix).bn2.bias"))
            let dA1 = ws.gradD.pointer
            convBackward(net, ws, workers, block.conv2, input: buffers.a1.pointer, dOutput: g, dInput: dA1, n: n)
            let a1Count = block.conv1.outSide * block.conv1.outSide * block.conv1.shape.cout
            let a1 = UnsafePointer(buffers.a1.pointer)
            workers.forEachGroup(n) { _, _, images in
                ReLU.backward(output: a1 + images.lowerBound * a1Count, gradient: dA1 + images.lowerBound * a1Count, count: images.count * a1Count)
            }
            ws.batchNorm.backward(workers, n: n, spatial: block.conv1.outSide * block.conv1.outSide, c: block.conv1.shape.cout,
                                  z: buffers.z1.pointer, dOutput: dA1, dInput: dA1, gamma: net.param("\(block.prefix).bn1.weight"),
                                  mean: ws.bnMean[buffers.stats].pointer, invStd: ws.bnInvStd[buffers.stats].pointer,
                                  dGamma: net.grad("\(block.prefix).bn1.weight"), dBeta: net.grad("\(block.prefix).bn1.bias"))
            convBackward(net, ws, workers, block.conv1, input: blockInput, dOutput: dA1, dInput: spare, n: n)
            let inCount = block.conv1.side * block.conv1.side * block.conv1.shape.cin
            let dx = spare
            workers.forEachGroup(n) { _, _, images in
                addVector(shortcut + images.lowerBound * inCount, into: dx + images.lowerBound * inCount, count: images.count * inCount)
            }
            swap(&g, &spare)
        }
        // Stem: max-pool, ReLU, bn1, conv1 (no input gradient).
        let a = UnsafePointer(ws.stemA.pointer)
        if stemPool {
            let argmax = UnsafePointer(ws.stemArgmax.pointer), dPooled = UnsafePointer(g), dA = spare
            workers.forEachGroup(n) { _, _, images in
                MaxPool3x3.backward(dOutput: dPooled, argmax: argmax, dInput: dA, images: images, side: stem.outSide, c: stem.shape.cout)
            }
            swap(&g, &spare)
        }
        let count = stem.outSide * stem.outSide * stem.shape.cout, gg = g
        workers.forEachGroup(n) { _, _, images in
            ReLU.backward(output: a + images.lowerBound * count, gradient: gg + images.lowerBound * count, count: images.count * count)
        }
        ws.batchNorm.backward(workers, n: n, spatial: stem.outSide * stem.outSide, c: stem.shape.cout, z: ws.stemZ.pointer, dOutput: g,
                              dInput: g, gamma: net.param("bn1.weight"), mean: ws.bnMean[0].pointer, invStd: ws.bnInvStd[0].pointer,
                              dGamma: net.grad("bn1.weight"), dBeta: net.grad("bn1.bias"))
        let stemInput = config.resnet?.input == .rgb ? UnsafePointer(ws.rgb.pointer) : input
        convBackward(net, ws, workers, stem, input: stemInput, dOutput: g, dInput: nil, n: n)
    }

    /// Weight gradient (per group, added in group order) and, when asked, the input gradient.
    private func convBackward(_ net: Network, _ ws: ResidualWorkspace, _ workers: Workers, _ conv: Conv, input: UnsafePointer<Float>,
                              dOutput: UnsafePointer<Float>, dInput: UnsafeMutablePointer<Float>?, n: Int) {
        let s = conv.shape
        let weight = UnsafePointer(net.param(conv.weight))
        let partial = ws.partialWeights.pointer
        let stride = s.weightCount
        if conv.winograd {
            Winograd.transformWeights(weight, cin: s.cin, cout: s.cout, flip: true, into: ws.winogradFlipped.pointer)
        }
        let flipped = UnsafePointer(ws.winogradFlipped.pointer)
        workers.forEachGroup(n) { worker, g, images in
            let mine = partial + g * stride   // written whole (overwrite): no zeroing
            if conv.winograd {
                Winograd.weightGradient(input: input, dOutput: dOutput, dWeight: mine, images: images, h: conv.side, w: conv.side,
                                        cin: s.cin, cout: s.cout, v: ws.winogradV[worker].pointer, e: ws.winogradM[worker].pointer,
                                        accumulator: ws.winogradAccumulator[worker].pointer, minimumTiles: ResidualBody.winogradTiles,
                                        overwrite: true)
                if let dInput {
                    Winograd.forward(input: dOutput, u: flipped, bias: nil, output: dInput, images: images, h: conv.side, w: conv.side,
                                     cin: s.cout, cout: s.cin, v: ws.winogradV[worker].pointer, m: ws.winogradM[worker].pointer,
                                     minimumTiles: ResidualBody.winogradTiles)
                }
            } else {
                Conv2D.backward(input: input, weight: weight, dOutput: dOutput, dWeight: mine, dInput: dInput, images: images,
                                side: conv.side, shape: s, scratch: ws.col[worker].pointer, scratch2: ws.col2[worker].pointer,
                                overwrite: true)
            }
        }
        // dW = the group sums added in group order, element by element; the elements are
        // shared among the threads (which does not change any sum's order).
        let dW = net.grad(conv.weight)
        let groups = (0..<Workers.groups).filter { !Workers.range(group: $0, of: n).isEmpty }
        Parallel.forEachChunk(s.weightCount, chunks: Workers.groups, threads: workers.count) { _, _, range in
            for g in groups {
                let src = partial + g * stride
                for i in range { dW[i] += src[i] }
            }
        }
    }
}

/// Activations and scratch of a `ResidualBody` for batches of up to `capacity` inputs.
final class ResidualWorkspace {
    struct BlockBuffers {
        let z1, a1, z2, out, zd, nd: FloatBuffer
        /// Index of bn1's statistics in `bnMean`/`bnInvStd` (bn2: + 1, downsample: + 2).
        let stats: Int
    }

    let capacity: Int
    let training: Bool
    let rgb, stemZ, stemA, stemPooled: FloatBuffer
    let stemArgmax: UnsafeMutablePointerBox<UInt8>
    var blocks: [BlockBuffers] = []
    var bnMean: [FloatBuffer] = [], bnInvStd: [FloatBuffer] = []
    let gap, dropMask, dropped, hidden, raw, embeddings, dRaw, dHidden, dGap: FloatBuffer
    let gradA, gradB, gradC, gradD: FloatBuffer
    let winogradU, winogradFlipped: FloatBuffer
    let partialWeights: FloatBuffer
    let batchNorm: GroupedBatchNorm
    private let bnPartial, bnTotals: UnsafeMutablePointerBox<Double>
    /// Per-worker scratch.
    var col: [FloatBuffer] = [], col2: [FloatBuffer] = []
    var winogradV: [FloatBuffer] = [], winogradM: [FloatBuffer] = [], winogradAccumulator: [FloatBuffer] = []
    private let colCount: Int, vCount: Int, mCount: Int, accumulatorCount: Int

    init(body: ResidualBody, capacity n: Int, training: Bool) {
        capacity = n
        self.training = training
        let cfg = body.config
        let groupImages = (n + Workers.groups - 1) / Workers.groups
        var maxAct = 0, maxCol = 0, maxV = 0, maxM = 0, maxWeights = 0, maxU = 0, maxC = max(body.outChannels, 1)
        func size(_ side: Int, _ c: Int) -> Int { n * side * side * c }
        func visit(_ conv: ResidualBody.Conv) {
            maxAct = max(maxAct, size(conv.side, conv.shape.cin), size(conv.outSide, conv.shape.cout))
            maxC = max(maxC, conv.shape.cout)
            if conv.winograd {
                let f = Winograd.scratchCounts(n: groupImages, h: conv.side, w: conv.side, cin: conv.shape.cin, cout: conv.shape.cout,
                                               minimumTiles: ResidualBody.winogradTiles)
                let b = Winograd.scratchCounts(n: groupImages, h: conv.side, w: conv.side, cin: conv.shape.cout, cout: conv.shape.cin,
                                               minimumTiles: ResidualBody.winogradTiles)
                maxV = max(maxV, f.v, training ? b.v : 0)
                maxM = max(maxM, f.m, training ? b.m : 0)
                maxU = max(maxU, 16 * conv.shape.cin * conv.shape.cout)
                maxWeights = max(maxWeights, conv.shape.weightCount)
            } else {
                maxCol = max(maxCol, Conv2D.scratchCount(conv.shape, side: conv.side, n: groupImages))
                maxWeights = max(maxWeights, conv.shape.weightCount)
            }
        }
        var stats = 0
        if let stem = body.stem {
            visit(stem)
            rgb = FloatBuffer(count: cfg.resnet?.input == .rgb ? size(body.inputSide, 3) : 0)
            stemZ = FloatBuffer(count: size(stem.outSide, stem.shape.cout))
            stemA = FloatBuffer(count: size(stem.outSide, stem.shape.cout))
            let pooledSide = MaxPool3x3.outputSide(stem.outSide)
            stemPooled = FloatBuffer(count: body.stemPool ? size(pooledSide, stem.shape.cout) : 0)
            stemArgmax = UnsafeMutablePointerBox(count: body.stemPool ? size(pooledSide, stem.shape.cout) : 0)
            bnMean.append(FloatBuffer(count: stem.shape.cout))
            bnInvStd.append(FloatBuffer(count: stem.shape.cout))
            stats = 1
        } else {
            rgb = FloatBuffer(count: 0); stemZ = FloatBuffer(count: 0); stemA = FloatBuffer(count: 0); stemPooled = FloatBuffer(count: 0)
            stemArgmax = UnsafeMutablePointerBox(count: 0)
        }
        for block in body.blocks {
            visit(block.conv1)
            visit(block.conv2)
            if let ds = block.downsample { visit(ds) }
            let o = block.conv1.outSide, c = block.conv1.shape.cout
            let ds = block.downsample != nil
            blocks.append(BlockBuffers(z1: FloatBuffer(count: size(o, c)), a1: FloatBuffer(count: size(o, c)),
                                       z2: FloatBuffer(count: size(o, c)), out: FloatBuffer(count: size(o, c)),
                                       zd: FloatBuffer(count: ds ? size(o, c) : 0), nd: FloatBuffer(count: ds ? size(o, c) : 0), stats: stats))
            for _ in 0..<3 {
                bnMean.append(FloatBuffer(count: c))
                bnInvStd.append(FloatBuffer(count: c))
            }
            stats += 3
        }
        let c = body.outChannels, h = cfg.hidden ?? 0, d = cfg.embedding
        gap = FloatBuffer(count: body.stem == nil ? 0 : n * c)
        dropMask = FloatBuffer(count: cfg.dropout > 0 ? n * c : 0)
        dropped = FloatBuffer(count: cfg.dropout > 0 ? n * c : 0)
        hidden = FloatBuffer(count: n * h)
        raw = FloatBuffer(count: n * d)
        embeddings = FloatBuffer(count: n * d)
        dRaw = FloatBuffer(count: training ? n * d : 0)
        dHidden = FloatBuffer(count: training ? n * h : 0)
        dGap = FloatBuffer(count: training ? n * c : 0)
        let gradCount = training && body.stem != nil ? maxAct : 0
        gradA = FloatBuffer(count: gradCount)
        gradB = FloatBuffer(count: gradCount)
        gradC = FloatBuffer(count: gradCount)
        gradD = FloatBuffer(count: gradCount)
        winogradU = FloatBuffer(count: maxU)
        winogradFlipped = FloatBuffer(count: training ? maxU : 0)
        partialWeights = FloatBuffer(count: training ? Workers.groups * maxWeights : 0)
        bnPartial = UnsafeMutablePointerBox(count: Workers.groups * 2 * maxC)
        bnTotals = UnsafeMutablePointerBox(count: 2 * maxC)
        batchNorm = GroupedBatchNorm(partial: bnPartial.pointer, totals: bnTotals.pointer)
        colCount = maxCol
        vCount = maxV
        mCount = maxM
        accumulatorCount = training ? maxU : 0
    }

    /// Makes sure every worker has its scratch.
    func prepare(workers: Int) {
        while col.count < workers {
            col.append(FloatBuffer(count: colCount))
            col2.append(FloatBuffer(count: training ? colCount : 0))
            winogradV.append(FloatBuffer(count: vCount))
            winogradM.append(FloatBuffer(count: mCount))
            winogradAccumulator.append(FloatBuffer(count: accumulatorCount))
        }
    }
}
