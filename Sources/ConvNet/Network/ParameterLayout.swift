/// One named tensor inside the single parameter (or state) allocation.
public struct TensorSlot: Equatable, Sendable, Codable {
    public let name: String
    /// Offset in floats from the start of the allocation.
    public let offset: Int
    public let count: Int
    /// Whether decoupled weight decay applies (convolution and dense weights only).
    public let decay: Bool
}

/// How a tensor starts (`Network.initialize`).
public enum SlotInit: Equatable, Sendable {
    /// He normal: standard deviation sqrt(2 / fanIn), from `RandomStream(seed, "init", index)`.
    case he(fanIn: Int)
    case ones
    case zeros
}

/// Where every tensor of a network lives in its two flat allocations.
///
/// Plain network (each convolution's bias directly follows its weight: `Conv3x3` uses them
/// as one matrix):
/// - parameters (trained): per block `conv<b>.weight` (3, 3, Cin, Cout), `conv<b>.bias` (Cout),
///   with batch norm `bn<b>.gamma`, `bn<b>.beta` (Cout); then `dense.weight` (C, D), `dense.bias` (D);
/// - state (not trained, saved with the weights): per block with batch norm
///   `bn<b>.running_mean`, `bn<b>.running_var` (Cout).
///
/// ResNet: torchvision's names, `conv1.weight` (K, K, Cin, W0), `bn1.weight`, `bn1.bias`,
/// `layer<i>.<j>.conv1.weight`, `layer<i>.<j>.bn1.*`, `layer<i>.<j>.conv2.weight`,
/// `layer<i>.<j>.bn2.*`, `layer<i>.<j>.downsample.0.weight` (1, 1, Cin, W),
/// `layer<i>.<j>.downsample.1.*`, with batch-norm running statistics in the state; kernels
/// are stored (K, K, Cin, Cout) as krill's other convolutions (PyTorch's are (Cout, Cin, K, K)).
/// Then the head: `hidden.weight` (C, H), `hidden.bias` (with a hidden layer),
/// `dense.weight`, `dense.bias`. A head alone has only the head's tensors.
///
/// Gradients and optimiser moments use the parameter layout.
public struct ParameterLayout: Equatable, Sendable {
    public let parameters: [TensorSlot]
    public let state: [TensorSlot]
    public let parameterCount: Int
    public let stateCount: Int
    /// How each parameter starts (parallel to `parameters`).
    public let initial: [SlotInit]
    /// How each state tensor starts (parallel to `state`).
    public let initialState: [SlotInit]

    public init(config: NetworkConfig) {
        var p: [TensorSlot] = []
        var s: [TensorSlot] = []
        var initial: [SlotInit] = [], initialState: [SlotInit] = []
        var offset = 0, stateOffset = 0
        func add(_ name: String, _ count: Int, decay: Bool, _ start: SlotInit) {
            p.append(TensorSlot(name: name, offset: offset, count: count, decay: decay))
            initial.append(start)
            offset += count
        }
        func addState(_ name: String, _ count: Int, _ start: SlotInit) {
            s.append(TensorSlot(name: name, offset: stateOffset, count: count, decay: false))
            initialState.append(start)
            stateOffset += count
        }
        func batchNorm(_ prefix: String, _ c: Int, scale: String = "weight", shift: String = "bias") {
            add("\(prefix).\(scale)", c, decay: false, .ones)
            add("\(prefix).\(shift)", c, decay: false, .zeros)
            addState("\(prefix).running_mean", c, .zeros)
            addState("\(prefix).running_var", c, .ones)
        }
        if let r = config.resnet {
            let stemKernel = r.stem == .imagenet ? 7 : 3
            add("conv1.weight", stemKernel * stemKernel * r.inputChannels * r.widths[0], decay: true,
                .he(fanIn: stemKernel * stemKernel * r.inputChannels))
            batchNorm("bn1", r.widths[0])
            var cin = r.widths[0]
            for (i, (count, width)) in zip(r.blocks, r.widths).enumerated() {
                for j in 0..<count {
                    let prefix = "layer\(i + 1).\(j)"
                    let stride = i > 0 && j == 0 ? 2 : 1
                    add("\(prefix).conv1.weight", 9 * cin * width, decay: true, .he(fanIn: 9 * cin))
                    batchNorm("\(prefix).bn1", width)
                    add("\(prefix).conv2.weight", 9 * width * width, decay: true, .he(fanIn: 9 * width))
                    batchNorm("\(prefix).bn2", width)
                    if stride != 1 || cin != width {
                        add("\(prefix).downsample.0.weight", cin * width, decay: true, .he(fanIn: cin))
                        batchNorm("\(prefix).downsample.1", width)
                    }
                    cin = width
                }
            }
        } else if config.features == nil {
            var cin = 1
            for (b, cout) in config.channels.enumerated() {
                add("conv\(b).weight", 9 * cin * cout, decay: true, .he(fanIn: 9 * cin))
                add("conv\(b).bias", cout, decay: false, .zeros)
                if config.batchNorm { batchNorm("bn\(b)", cout, scale: "gamma", shift: "beta") }
                cin = cout
            }
        }
        var width = config.backboneWidth
        if let hidden = config.hidden, !config.isPlain {
            add("hidden.weight", width * hidden, decay: true, .he(fanIn: width))
            add("hidden.bias", hidden, decay: false, .zeros)
            width = hidden
        }
        add("dense.weight", width * config.embedding, decay: true, .he(fanIn: width))
        add("dense.bias", config.embedding, decay: false, .zeros)
        parameters = p
        state = s
        parameterCount = offset
        stateCount = stateOffset
        self.initial = initial
        self.initialState = initialState
    }

    public func parameter(_ name: String) -> TensorSlot {
        guard let slot = parameters.first(where: { $0.name == name }) else { fatalError("no parameter \(name)") }
        return slot
    }

    public func stateSlot(_ name: String) -> TensorSlot {
        guard let slot = state.first(where: { $0.name == name }) else { fatalError("no state \(name)") }
        return slot
    }
}

/// A flat Float allocation, zero-filled, freed with its owner.
public final class FloatBuffer: @unchecked Sendable {
    public let count: Int
    public let pointer: UnsafeMutablePointer<Float>

    public init(count: Int) {
        self.count = count
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        pointer.initialize(repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }

    /// A copy of the values.
    public var array: [Float] { Array(buffer) }

    public func copy(from other: FloatBuffer) {
        if !(other.count == count) { fatalError("buffer sizes differ: \(other.count) vs \(count)") }
        pointer.update(from: other.pointer, count: count)
    }

    public func copy(from values: [Float]) {
        if !(values.count == count) { fatalError("buffer sizes differ: \(values.count) vs \(count)") }
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    public func zero() { pointer.update(repeating: 0, count: count) }

    public subscript(i: Int) -> Float {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}
