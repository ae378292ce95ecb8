/// One named tensor inside the single parameter (or state) allocation.
public struct TensorSlot: Equatable, Sendable, Codable {
    public let name: String
    /// Offset in floats from the start of the allocation.
    public let offset: Int
    public let count: Int
    /// Whether decoupled weight decay applies (convolution and dense weights only).
    public let decay: Bool
}

/// Where every tensor of a network lives in its two flat allocations (each convolution's
/// bias directly follows its weight: `Conv3x3` uses them as one matrix):
/// - parameters (trained): per block `conv<b>.weight` (3, 3, Cin, Cout), `conv<b>.bias` (Cout),
///   with batch norm `bn<b>.gamma`, `bn<b>.beta` (Cout); then `dense.weight` (C, D), `dense.bias` (D);
/// - state (not trained, saved with the weights): per block with batch norm
///   `bn<b>.running_mean`, `bn<b>.running_var` (Cout).
/// Gradients and optimiser moments use the parameter layout.
public struct ParameterLayout: Equatable, Sendable {
    public let parameters: [TensorSlot]
    public let state: [TensorSlot]
    public let parameterCount: Int
    public let stateCount: Int

    public init(config: NetworkConfig) {
        var p: [TensorSlot] = []
        var s: [TensorSlot] = []
        var offset = 0, stateOffset = 0
        func add(_ name: String, _ count: Int, decay: Bool) {
            p.append(TensorSlot(name: name, offset: offset, count: count, decay: decay))
            offset += count
        }
        func addState(_ name: String, _ count: Int) {
            s.append(TensorSlot(name: name, offset: stateOffset, count: count, decay: false))
            stateOffset += count
        }
        var cin = 1
        for (b, cout) in config.channels.enumerated() {
            add("conv\(b).weight", 9 * cin * cout, decay: true)
            add("conv\(b).bias", cout, decay: false)
            if config.batchNorm {
                add("bn\(b).gamma", cout, decay: false)
                add("bn\(b).beta", cout, decay: false)
                addState("bn\(b).running_mean", cout)
                addState("bn\(b).running_var", cout)
            }
            cin = cout
        }
        add("dense.weight", cin * config.embedding, decay: true)
        add("dense.bias", config.embedding, decay: false)
        parameters = p
        state = s
        parameterCount = offset
        stateCount = stateOffset
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
