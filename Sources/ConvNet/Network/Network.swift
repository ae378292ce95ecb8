import Foundation
import Linalg

/// The embedding network of a `NetworkConfig` for square S x S grey images.
///
/// All parameters live in one allocation (`parameters`), all gradients in another
/// (`gradients`, same layout), batch-norm running statistics in a third (`state`), laid out
/// by `ParameterLayout`. Activations are NHWC; the input is (N, S, S, 1) floats, normalised
/// by `ImageBatch` (x = 1 - pixel / 255: white background 0, ink up to 1).
///
/// `forward` keeps what `backward` needs in a workspace sized for the largest batch seen.
public final class Network {
    public let config: NetworkConfig
    /// Input side S in pixels.
    public let inputSide: Int
    public let layout: ParameterLayout
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    public let state: FloatBuffer

    /// Spatial side of each block's convolution (S, S/2, S/4, ...).
    public let blockSides: [Int]
    /// Input channels of each block (1, channels[0], ...).
    public let blockInputs: [Int]

    private var workspace: Workspace?
    /// The ResNet or head-alone passes (nil for the plain network).
    private let body: ResidualBody?
    private var lastBatch = 0
    private var lastTraining = false
    private var lastInput: UnsafePointer<Float>?

    public var embedding: Int { config.embedding }

    /// Builds the network and initialises its parameters (He normal for weights, from
    /// `RandomStream(seed, "init", tensorIndex)`; biases and beta 0; gamma 1; running mean 0,
    /// running variance 1).
    public init(config: NetworkConfig, inputSide: Int, seed: UInt64) throws {
        try config.validate(inputSide: inputSide)
        self.config = config
        self.inputSide = inputSide
        layout = ParameterLayout(config: config)
        parameters = FloatBuffer(count: layout.parameterCount)
        gradients = FloatBuffer(count: layout.parameterCount)
        state = FloatBuffer(count: layout.stateCount)
        var sides: [Int] = []
        var s = inputSide
        for b in config.channels.indices where config.isPlain {
            sides.append(s)
            if b < config.channels.count - 1 { s /= 2 }
        }
        blockSides = sides
        blockInputs = config.isPlain ? [1] + config.channels.dropLast() : []
        body = config.isPlain ? nil : ResidualBody(config: config, inputSide: inputSide)
        initialize(seed: seed)
    }

    /// (Re)initialises parameters and state from the seed (`ParameterLayout.initial`).
    public func initialize(seed: UInt64) {
        for (index, slot) in layout.parameters.enumerated() {
            let p = parameters.pointer + slot.offset
            switch layout.initial[index] {
            case .he(let fanIn):
                let std = (2 / Float(fanIn)).squareRoot()
                var rng = RandomStream(seed: seed, "init", index)
                for i in 0..<slot.count { p[i] = std * rng.normal() }
            case .ones: p.update(repeating: 1, count: slot.count)
            case .zeros: p.update(repeating: 0, count: slot.count)
            }
        }
        for (index, slot) in layout.state.enumerated() {
            (state.pointer + slot.offset).update(repeating: layout.initialState[index] == .ones ? 1 : 0, count: slot.count)
        }
    }

    func param(_ name: String) -> UnsafeMutablePointer<Float> { parameters.pointer + layout.parameter(name).offset }
    func grad(_ name: String) -> UnsafeMutablePointer<Float> { gradients.pointer + layout.parameter(name).offset }
    func stat(_ name: String) -> UnsafeMutablePointer<Float> { state.pointer + layout.stateSlot(name).offset }

    /// Copies every parameter and state tensor of `other` whose name and size this network
    /// shares (a frozen backbone into a full network, a head into it); returns their names.
    @discardableResult
    public func copyTensors(from other: Network, where include: (String) -> Bool = { _ in true }) -> [String] {
        var copied: [String] = []
        let mine = Dictionary(uniqueKeysWithValues: layout.parameters.map { ($0.name, $0) })
        for slot in other.layout.parameters where include(slot.name) {
            guard let target = mine[slot.name], target.count == slot.count else { continue }
            (parameters.pointer + target.offset).update(from: other.parameters.pointer + slot.offset, count: slot.count)
            copied.append(slot.name)
        }
        let mineState = Dictionary(uniqueKeysWithValues: layout.state.map { ($0.name, $0) })
        for slot in other.layout.state where include(slot.name) {
            guard let target = mineState[slot.name], target.count == slot.count else { continue }
            (state.pointer + target.offset).update(from: other.state.pointer + slot.offset, count: slot.count)
            copied.append(slot.name)
        }
        return copied
    }

    /// Names of the head's tensors (`hidden.*`, `dense.*`); the rest is the backbone.
    public static func isHeadTensor(_ name: String) -> Bool { name.hasPrefix("dense.") || name.hasPrefix("hidden.") }

    /// The ResNet's convolutions by weight name (empty for the other architectures).
    var convShapes: [String: ConvShape] {
        guard let body else { return [:] }
        var out: [String: ConvShape] = [:]
        if let stem = body.stem { out[stem.weight] = stem.shape }
        for block in body.blocks {
            out[block.conv1.weight] = block.conv1.shape
            out[block.conv2.weight] = block.conv2.shape
            if let ds = block.downsample { out[ds.weight] = ds.shape }
        }
        return out
    }

    /// Floats per input item: S S for images, the feature count for a head alone.
    public var inputCount: Int { body?.inputCount ?? inputSide * inputSide }

    /// A workspace for `n` images; gradient buffers only when `training`.
    private func workspace(for n: Int, training: Bool) -> Workspace {
        if let ws = workspace, ws.capacity >= n, ws.training || !training { return ws }
        let ws = Workspace(network: self, capacity: max(n, workspace?.capacity ?? 0),
                           training: training || (workspace?.training ?? false))
        workspace = nil   // free the old one first
        workspace = ws
        return ws
    }

    /// Releases the activation workspace (it is rebuilt on the next forward).
    public func releaseWorkspace() { workspace = nil; body?.releaseWorkspace() }

    /// Runs the network on a batch.
    /// - Parameters:
    ///   - input: (N, S, S, 1) normalised images (a head alone: (N, features)); must stay
    ///     valid until `backward`.
    ///   - n: batch size N.
    ///   - training: batch statistics for batch norm (updating the running statistics) and
    ///     dropout; false = inference (running statistics, no dropout).
    ///   - dropoutStream: the stream of this step's dropout mask (training with dropout only).
    /// - Returns: (N, D) embeddings, valid until the next call.
    @discardableResult
    public func forward(input: UnsafePointer<Float>, n: Int, training: Bool,
                        dropoutStream: RandomStream? = nil) -> UnsafeMutablePointer<Float> {
        Workers.withSingleThreadedBLAS {
            if let body { return body.forward(self, input: input, n: n, training: training, dropoutStream: dropoutStream) }
            return forwardPass(input: input, n: n, training: training, dropoutStream: dropoutStream)
        }
    }

    /// The backbone's output for a batch, in inference mode: (N, C) globally average-pooled
    /// features, the input of the head (C = `config.backboneWidth`). Valid until the next call.
    public func backboneFeatures(input: UnsafePointer<Float>, n: Int) -> UnsafeMutablePointer<Float> {
        _ = forward(input: input, n: n, training: false)
        if let body { return body.lastFeatures }
        return workspace!.gap.pointer
    }

    /// Threads for the image groups (results do not depend on it; see `Workers`).
    public var threads: Int = 1

    /// How the convolutions with more than one input channel, and their gradients, are
    /// computed. The first layer (one input channel) always uses im2col + GEMM.
    public enum ConvolutionAlgorithm: String, Sendable {
        /// Winograd F(2x2, 3x3): 2.25x fewer multiplications (the default).
        case winograd
        /// im2col + GEMM.
        case im2col
    }

    /// The convolution algorithm (part of what determines the exact bits of the results).
    public var convolution: ConvolutionAlgorithm = .winograd

    @inline(__always)
    private func usesWinograd(block b: Int) -> Bool { convolution == .winograd && blockInputs[b] > 1 }

    private func forwardPass(input: UnsafePointer<Float>, n: Int, training: Bool,
                             dropoutStream: RandomStream?) -> UnsafeMutablePointer<Float> {
        let ws = workspace(for: n, training: training)
        let workers = Workers(threads)
        ws.prepare(workers: workers.count)
        lastBatch = n
        lastTraining = training
        lastInput = input
        let blocks = config.channels.count
        var x = input
        for b in 0..<blocks {
            let side = blockSides[b], cin = blockInputs[b], cout = config.channels[b]
            let m = n * side * side
            let spatial = side * side
            let z = ws.conv[b].pointer
            let weight = UnsafePointer(param("conv\(b).weight"))
            let input = x
            // Without batch norm, a Winograd block writes its pooled output directly.
            let fusedPool = usesWinograd(block: b) && !config.batchNorm && b < blocks - 1
            if usesWinograd(block: b) {
                let u = ws.winogradWeights[b].pointer
                Winograd.transformWeights(weight, cin: cin, cout: cout, flip: false, into: u)
                let bias = weight + 9 * cin * cout
                let pool = fusedPool ? (output: ws.pooled[b].pointer, argmax: ws.argmax[b]) : nil
                workers.forEachGroup(n) { worker, _, images in
                    Winograd.forward(input: input, u: u, bias: bias, output: z, images: images, h: side, w: side, cin: cin, cout: cout,
                                     v: ws.winogradV[worker].pointer, m: ws.winogradM[worker].pointer, pool: pool)
                }
            } else {
                workers.forEachGroup(n) { worker, _, images in
                    Conv3x3.forward(input: input, weight: weight, output: z, images: images, h: side, w: side, cin: cin, cout: cout,
                                    scratch: ws.col[worker].pointer)
                }
            }
            var act = z
            if config.batchNorm {
                let gamma = UnsafePointer(param("bn\(b).gamma")), beta = UnsafePointer(param("bn\(b).beta"))
                let runningMean = stat("bn\(b).running_mean"), runningVar = stat("bn\(b).running_var")
                if training {
                    act = ws.normalized[b].pointer
                    ws.batchNorm.forwardTraining(workers, n: n, spatial: spatial, c: cout, z: z, out: act, gamma: gamma, beta: beta,
                                                 mean: ws.bnMean[b].pointer, invStd: ws.bnInvStd[b].pointer,
                                                 runningMean: runningMean, runningVar: runningVar)
                } else {
                    workers.forEachGroup(n) { _, _, images in
                        BatchNorm.forwardInference(input: z, output: z, rows: (images.lowerBound * spatial)..<(images.upperBound * spatial),
                                                   gamma: gamma, beta: beta, runningMean: runningMean, runningVar: runningVar, c: cout)
                    }
                }
            }
            ws.activation[b] = act
            if b < blocks - 1 {
                // relu(maxpool(x)) = maxpool(relu(x)): ReLU on the pooled quarter only.
                let pooled = ws.pooled[b].pointer, argmax = ws.argmax[b], source = act
                if !fusedPool {
                    workers.forEachGroup(n) { _, _, images in
                        MaxPool2x2.forward(input: source, output: pooled, argmax: argmax, images: images, h: side, w: side, c: cout, relu: true)
                    }
                }
                x = UnsafePointer(pooled)
            } else {
                let source = act
                workers.forEachGroup(n) { _, _, images in
                    ReLU.forward(source + images.lowerBound * spatial * cout, count: images.count * spatial * cout)
                }
            }
            _ = m
        }
        let c = config.channels.last!, d = config.embedding
        let lastSide = blockSides.last!
        GlobalAveragePool.forward(input: ws.activation[blocks - 1]!, output: ws.gap.pointer, images: 0..<n,
                                  spatial: lastSide * lastSide, c: c)
        var features = UnsafePointer(ws.gap.pointer)
        if training && config.dropout > 0 {
            var stream = dropoutStream ?? RandomStream(seed: 0, "dropout")
            Dropout.makeMask(ws.dropMask.pointer, count: n * c, p: config.dropout, stream: &stream)
            Dropout.apply(ws.gap.pointer, mask: ws.dropMask.pointer, output: ws.dropped.pointer, count: n * c)
            features = UnsafePointer(ws.dropped.pointer)
        }
        Dense.forward(input: features, weight: param("dense.weight"), bias: param("dense.bias"),
                      output: ws.raw.pointer, n: n, cin: c, cout: d)
        OutputLayer.forward(config.output, input: ws.raw.pointer, output: ws.embeddings.pointer, n: n, d: d)
        return ws.embeddings.pointer
    }

    /// Backward pass of the last `forward` (which must have been in training mode): sets
    /// `gradients` to the gradient of the loss wrt every parameter.
    /// - Parameter dEmbeddings: (N, D) gradient of the loss wrt the embeddings.
    public func backward(dEmbeddings: UnsafePointer<Float>) {
        Workers.withSingleThreadedBLAS {
            if let body { body.backward(self, dEmbeddings: dEmbeddings) } else { backwardPass(dEmbeddings: dEmbeddings) }
        }
    }

    private func backwardPass(dEmbeddings: UnsafePointer<Float>) {
        guard let ws = workspace, let input = lastInput, lastTraining, ws.training else {
            fatalError("Network.backward needs a training-mode forward before it")
        }
        let n = lastBatch
        let workers = Workers(threads)
        ws.prepare(workers: workers.count)
        let blocks = config.channels.count
        let c = config.channels.last!, d = config.embedding
        let lastSide = blockSides.last!
        gradients.zero()

        // Head: output transform, dense, dropout, global average pool.
        OutputLayer.backward(config.output, input: ws.raw.pointer, output: ws.embeddings.pointer,
                             dOutput: dEmbeddings, dInput: ws.dRaw.pointer, n: n, d: d)
        let useDropout = config.dropout > 0
        let features = useDropout ? ws.dropped.pointer : ws.gap.pointer
        Dense.backward(input: features, weight: param("dense.weight"), dOutput: ws.dRaw.pointer,
                       dWeight: grad("dense.weight"), dBias: grad("dense.bias"), dInput: ws.dGap.pointer,
                       n: n, cin: c, cout: d)
        if useDropout {
            Dropout.apply(ws.dGap.pointer, mask: ws.dropMask.pointer, output: ws.dGap.pointer, count: n * c)
        }
        let g1 = ws.gradA.pointer   // gradient wrt the current block's activation
        let g0 = ws.gradB.pointer   // gradient wrt the current block's input
        GlobalAveragePool.backward(dOutput: ws.dGap.pointer, dInput: g1, images: 0..<n, spatial: lastSide * lastSide, c: c)

        for b in stride(from: blocks - 1, through: 0, by: -1) {
            let side = blockSides[b], cin = blockInputs[b], cout = config.channels[b]
            let spatial = side * side
            let m = n * spatial
            if b < blocks - 1 {
                // g0 holds the gradient wrt this block's pooled (and rectified) output.
                let argmax = ws.argmax[b], pooled = UnsafePointer(ws.pooled[b].pointer)
                workers.forEachGroup(n) { _, _, images in
                    MaxPool2x2.backward(dOutput: g0, argmax: argmax, dInput: g1, images: images, h: side, w: side, c: cout, output: pooled)
                }
            } else {
                let act = UnsafePointer(ws.activation[b]!)
                workers.forEachGroup(n) { _, _, images in
                    let o = images.lowerBound * spatial * cout
                    ReLU.backward(output: act + o, gradient: g1 + o, count: images.count * spatial * cout)
                }
            }
            if config.batchNorm {
                ws.batchNorm.backward(workers, n: n, spatial: spatial, c: cout, z: ws.conv[b].pointer, dOutput: g1, dInput: g1,
                                      gamma: param("bn\(b).gamma"), mean: ws.bnMean[b].pointer, invStd: ws.bnInvStd[b].pointer,
                                      dGamma: grad("bn\(b).gamma"), dBeta: grad("bn\(b).beta"))
            }
            // Convolution: per-group weight gradients, added in group order.
            let x = b == 0 ? input : UnsafePointer(ws.pooled[b - 1].pointer)
            let weight = UnsafePointer(param("conv\(b).weight"))
            let wb = (9 * cin + 1) * cout
            let partial = ws.partialWeights.pointer
            let winograd = b > 0 && usesWinograd(block: b)
            let dInput: UnsafeMutablePointer<Float>? = b == 0 || winograd ? nil : g0
            let dOut = UnsafePointer(g1)
            if winograd {
                // Input gradient: the same-padding correlation of dY with the flipped filters.
                Winograd.transformWeights(weight, cin: cin, cout: cout, flip: true, into: ws.winogradWeights[b].pointer)
            }
            let uFlipped = UnsafePointer(ws.winogradWeights[b].pointer)
            workers.forEachGroup(n) { worker, g, images in
                let mine = partial + g * wb
                mine.update(repeating: 0, count: wb)
                if winograd {
                    Winograd.weightGradient(input: x, dOutput: dOut, dWeight: mine, images: images, h: side, w: side, cin: cin, cout: cout,
                                            v: ws.winogradV[worker].pointer, e: ws.winogradM[worker].pointer,
                                            accumulator: ws.winogradAccumulator[worker].pointer)
                } else {
                    Conv3x3.backward(input: x, weight: weight, dOutput: dOut, dWeight: mine, dInput: dInput, images: images,
                                     h: side, w: side, cin: cin, cout: cout,
                                     scratch: ws.col[worker].pointer, scratch2: ws.col2[worker].pointer)
                }
                if winograd {
                    Winograd.forward(input: dOut, u: uFlipped, bias: nil, output: g0, images: images, h: side, w: side,
                                     cin: cout, cout: cin, v: ws.winogradV[worker].pointer, m: ws.winogradM[worker].pointer)
                }
            }
            let dW = grad("conv\(b).weight")
            for g in 0..<Workers.groups where !Workers.range(group: g, of: n).isEmpty {
                let src = partial + g * wb
                for i in 0..<wb { dW[i] += src[i] }
            }
            // g0 now holds the gradient wrt the previous block's pooled output, which the
            // next iteration's max-pool backward reads into g1.
        }
    }
}

/// Activations and scratch for batches of up to `capacity` images.
final class Workspace {
    let capacity: Int
    var conv: [FloatBuffer] = []          // (N, h, w, cout) conv outputs (pre batch norm)
    var normalized: [FloatBuffer] = []    // (N, h, w, cout) batch-norm outputs (training only)
    var bnMean: [FloatBuffer] = []
    var bnInvStd: [FloatBuffer] = []
    var activation: [UnsafeMutablePointer<Float>?] = []
    var pooled: [FloatBuffer] = []
    var argmax: [UnsafeMutablePointer<UInt8>] = []
    let gap, dropMask, dropped, raw, embeddings, dRaw, dGap: FloatBuffer
    /// Per-worker patch matrices (im2col) and their gradients.
    var col: [FloatBuffer] = [], col2: [FloatBuffer] = []
    let colCount: Int
    /// Per-block Winograd filter transforms (16 Cin Cout), per-worker tile transforms.
    var winogradWeights: [FloatBuffer] = []
    var winogradV: [FloatBuffer] = [], winogradM: [FloatBuffer] = []
    /// Per-worker F(3x3, 2x2) weight-gradient accumulators (16 Cin Cout).
    var winogradAccumulator: [FloatBuffer] = []
    let winogradAccumulatorCount: Int
    let winogradCounts: (v: Int, m: Int)
    let gradA, gradB: FloatBuffer
    /// Per-group convolution weight gradients (G x max (9 Cin + 1) Cout).
    let partialWeights: FloatBuffer
    /// Per-group batch-norm sums (G x 2 max C) and their totals (2 max C).
    let partialSums: UnsafeMutablePointerBox<Double>
    let totals: UnsafeMutablePointerBox<Double>
    let batchNorm: GroupedBatchNorm

    /// Whether the buffers of training (batch-norm outputs, gradients) exist.
    let training: Bool

    init(network: Network, capacity n: Int, training: Bool) {
        capacity = n
        self.training = training
        let cfg = network.config
        var maxAct = 0, maxCol = 0, maxWB = 0, maxV = 0, maxM = 0
        for (b, cout) in cfg.channels.enumerated() {
            let side = network.blockSides[b]
            let cin = network.blockInputs[b]
            let groupImagesW = (n + Workers.groups - 1) / Workers.groups
            if cin > 1 {
                winogradWeights.append(FloatBuffer(count: 16 * cin * cout))
                let f = Winograd.scratchCounts(n: groupImagesW, h: side, w: side, cin: cin, cout: cout)
                maxV = max(maxV, f.v); maxM = max(maxM, f.m)
                if training {
                    let g = Winograd.scratchCounts(n: groupImagesW, h: side, w: side, cin: cout, cout: cin)
                    maxV = max(maxV, g.v); maxM = max(maxM, g.m)
                }
            } else {
                winogradWeights.append(FloatBuffer(count: 0))
            }
            let size = n * side * side * cout
            conv.append(FloatBuffer(count: size))
            normalized.append(FloatBuffer(count: cfg.batchNorm && training ? size : 0))
            bnMean.append(FloatBuffer(count: cout))
            bnInvStd.append(FloatBuffer(count: cout))
            activation.append(nil)
            if b < cfg.channels.count - 1 {
                let psize = n * (side / 2) * (side / 2) * cout
                pooled.append(FloatBuffer(count: psize))
                let a = UnsafeMutablePointer<UInt8>.allocate(capacity: max(psize, 1))
                a.initialize(repeating: 0, count: max(psize, 1))
                argmax.append(a)
            }
            maxAct = max(maxAct, size, n * side * side * network.blockInputs[b])
            let groupImages = (n + Workers.groups - 1) / Workers.groups
            maxCol = max(maxCol, Conv3x3.scratchCount(n: groupImages, h: side, w: side, cin: network.blockInputs[b]))
            maxWB = max(maxWB, (9 * network.blockInputs[b] + 1) * cout)
        }
        let c = cfg.channels.last!, d = cfg.embedding
        gap = FloatBuffer(count: n * c)
        dropMask = FloatBuffer(count: cfg.dropout > 0 ? n * c : 0)
        dropped = FloatBuffer(count: cfg.dropout > 0 ? n * c : 0)
        raw = FloatBuffer(count: n * d)
        embeddings = FloatBuffer(count: n * d)
        dRaw = FloatBuffer(count: training ? n * d : 0)
        dGap = FloatBuffer(count: training ? n * c : 0)
        colCount = maxCol
        winogradCounts = (maxV, maxM)
        winogradAccumulatorCount = training ? 16 * maxWB : 0
        gradA = FloatBuffer(count: training ? maxAct : 0)
        gradB = FloatBuffer(count: training ? maxAct : 0)
        partialWeights = FloatBuffer(count: training ? Workers.groups * maxWB : 0)
        let maxC = cfg.channels.max()!
        partialSums = UnsafeMutablePointerBox(count: Workers.groups * 2 * maxC)
        totals = UnsafeMutablePointerBox(count: 2 * maxC)
        batchNorm = GroupedBatchNorm(partial: partialSums.pointer, totals: totals.pointer)
    }

    /// Makes sure every worker has its scratch.
    func prepare(workers: Int) {
        while col.count < workers {
            col.append(FloatBuffer(count: colCount))
            col2.append(FloatBuffer(count: training ? colCount : 0))
            winogradV.append(FloatBuffer(count: winogradCounts.v))
            winogradM.append(FloatBuffer(count: winogradCounts.m))
            winogradAccumulator.append(FloatBuffer(count: winogradAccumulatorCount))
        }
    }

    deinit { for a in argmax { a.deallocate() } }
}

/// A zeroed heap array of `count` values, freed with its owner.
final class UnsafeMutablePointerBox<T: Numeric> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int
    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }
    deinit { pointer.deallocate() }
}
