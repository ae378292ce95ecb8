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
        for b in config.channels.indices {
            sides.append(s)
            if b < config.channels.count - 1 { s /= 2 }
        }
        blockSides = sides
        blockInputs = [1] + config.channels.dropLast()
        initialize(seed: seed)
    }

    /// (Re)initialises parameters and state from the seed.
    public func initialize(seed: UInt64) {
        for (index, slot) in layout.parameters.enumerated() {
            let p = parameters.pointer + slot.offset
            if slot.name.hasSuffix(".weight") {
                let fanIn: Int
                if slot.name.hasPrefix("conv") {
                    let b = Int(slot.name.dropFirst(4).prefix(while: { $0 != "." }))!
                    fanIn = 9 * blockInputs[b]
                } else {
                    fanIn = config.channels.last!
                }
                let std = (2 / Float(fanIn)).squareRoot()
                var rng = RandomStream(seed: seed, "init", index)
                for i in 0..<slot.count { p[i] = std * rng.normal() }
            } else if slot.name.hasSuffix(".gamma") {
                p.update(repeating: 1, count: slot.count)
            } else {
                p.update(repeating: 0, count: slot.count)
            }
        }
        for slot in layout.state {
            (state.pointer + slot.offset).update(repeating: slot.name.hasSuffix("running_var") ? 1 : 0, count: slot.count)
        }
    }

    private func param(_ name: String) -> UnsafeMutablePointer<Float> { parameters.pointer + layout.parameter(name).offset }
    private func grad(_ name: String) -> UnsafeMutablePointer<Float> { gradients.pointer + layout.parameter(name).offset }
    private func stat(_ name: String) -> UnsafeMutablePointer<Float> { state.pointer + layout.stateSlot(name).offset }

    private func workspace(for n: Int) -> Workspace {
        if let ws = workspace, ws.capacity >= n { return ws }
        let ws = Workspace(network: self, capacity: n)
        workspace = ws
        return ws
    }

    /// Releases the activation workspace (it is rebuilt on the next forward).
    public func releaseWorkspace() { workspace = nil }

    /// Runs the network on a batch.
    /// - Parameters:
    ///   - input: (N, S, S, 1) normalised images; must stay valid until `backward`.
    ///   - n: batch size N.
    ///   - training: batch statistics for batch norm (updating the running statistics) and
    ///     dropout; false = inference (running statistics, no dropout).
    ///   - dropoutStream: the stream of this step's dropout mask (training with dropout only).
    /// - Returns: (N, D) embeddings, valid until the next call.
    @discardableResult
    public func forward(input: UnsafePointer<Float>, n: Int, training: Bool,
                        dropoutStream: RandomStream? = nil) -> UnsafeMutablePointer<Float> {
        let ws = workspace(for: n)
        lastBatch = n
        lastTraining = training
        lastInput = input
        let blocks = config.channels.count
        var x = input
        for b in 0..<blocks {
            let side = blockSides[b], cin = blockInputs[b], cout = config.channels[b]
            let m = n * side * side
            let z = ws.conv[b].pointer
            Conv3x3.forward(input: x, weight: param("conv\(b).weight"), bias: param("conv\(b).bias"),
                            output: z, n: n, h: side, w: side, cin: cin, cout: cout, scratch: ws.col.pointer)
            var act = z
            if config.batchNorm {
                if training {
                    act = ws.normalized[b].pointer
                    BatchNorm.forwardTraining(input: z, output: act, gamma: param("bn\(b).gamma"), beta: param("bn\(b).beta"),
                                              mean: ws.bnMean[b].pointer, invStd: ws.bnInvStd[b].pointer,
                                              runningMean: stat("bn\(b).running_mean"), runningVar: stat("bn\(b).running_var"),
                                              m: m, c: cout)
                } else {
                    BatchNorm.forwardInference(input: z, output: z, gamma: param("bn\(b).gamma"), beta: param("bn\(b).beta"),
                                               runningMean: stat("bn\(b).running_mean"), runningVar: stat("bn\(b).running_var"),
                                               m: m, c: cout)
                }
            }
            ReLU.forward(act, count: m * cout)
            ws.activation[b] = act
            if b < blocks - 1 {
                MaxPool2x2.forward(input: act, output: ws.pooled[b].pointer, argmax: ws.argmax[b],
                                   n: n, h: side, w: side, c: cout)
                x = UnsafePointer(ws.pooled[b].pointer)
            }
        }
        let c = config.channels.last!, d = config.embedding
        let lastSide = blockSides.last!
        GlobalAveragePool.forward(input: ws.activation[blocks - 1]!, output: ws.gap.pointer, n: n,
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
        guard let ws = workspace, let input = lastInput else { preconditionFailure("backward without forward") }
        precondition(lastTraining, "backward needs a training-mode forward")
        let n = lastBatch
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
        GlobalAveragePool.backward(dOutput: ws.dGap.pointer, dInput: g1, n: n, spatial: lastSide * lastSide, c: c)

        for b in stride(from: blocks - 1, through: 0, by: -1) {
            let side = blockSides[b], cin = blockInputs[b], cout = config.channels[b]
            let m = n * side * side
            if b < blocks - 1 {
                // g0 holds the gradient wrt this block's pooled output.
                MaxPool2x2.backward(dOutput: g0, argmax: ws.argmax[b], dInput: g1, n: n, h: side, w: side, c: cout)
            }
            ReLU.backward(output: ws.activation[b]!, gradient: g1, count: m * cout)
            if config.batchNorm {
                BatchNorm.backward(input: ws.conv[b].pointer, dOutput: g1, gamma: param("bn\(b).gamma"),
                                   mean: ws.bnMean[b].pointer, invStd: ws.bnInvStd[b].pointer,
                                   dGamma: grad("bn\(b).gamma"), dBeta: grad("bn\(b).beta"), dInput: g1, m: m, c: cout)
            }
            let x = b == 0 ? input : UnsafePointer(ws.pooled[b - 1].pointer)
            Conv3x3.backward(input: x, weight: param("conv\(b).weight"), dOutput: g1,
                             dWeight: grad("conv\(b).weight"), dBias: grad("conv\(b).bias"),
                             dInput: b == 0 ? nil : g0, n: n, h: side, w: side, cin: cin, cout: cout,
                             scratch: ws.col.pointer, scratch2: ws.col2.pointer)
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
    let col, col2: FloatBuffer
    let gradA, gradB: FloatBuffer

    init(network: Network, capacity n: Int) {
        capacity = n
        let cfg = network.config
        var maxAct = 0, maxCol = 0
        for (b, cout) in cfg.channels.enumerated() {
            let side = network.blockSides[b]
            let size = n * side * side * cout
            conv.append(FloatBuffer(count: size))
            normalized.append(FloatBuffer(count: cfg.batchNorm ? size : 0))
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
            maxCol = max(maxCol, Conv3x3.scratchCount(n: n, h: side, w: side, cin: network.blockInputs[b]))
        }
        let c = cfg.channels.last!, d = cfg.embedding
        gap = FloatBuffer(count: n * c)
        dropMask = FloatBuffer(count: cfg.dropout > 0 ? n * c : 0)
        dropped = FloatBuffer(count: cfg.dropout > 0 ? n * c : 0)
        raw = FloatBuffer(count: n * d)
        embeddings = FloatBuffer(count: n * d)
        dRaw = FloatBuffer(count: n * d)
        dGap = FloatBuffer(count: n * c)
        col = FloatBuffer(count: maxCol)
        col2 = FloatBuffer(count: maxCol)
        gradA = FloatBuffer(count: maxAct)
        gradB = FloatBuffer(count: maxAct)
    }

    deinit { for a in argmax { a.deallocate() } }
}
