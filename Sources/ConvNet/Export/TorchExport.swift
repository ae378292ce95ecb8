import Foundation
import Storage

/// A network's weights as PyTorch would name and lay them out, in a safetensors file
/// (`krill export`). The names are those of a module with attributes `conv<b>`
/// (`nn.Conv2d(Cin, Cout, 3, padding=1)`), `bn<b>` (`nn.BatchNorm2d(Cout, eps=1e-5)`, with
/// batch norm) and `dense` (`nn.Linear(C, D)`):
///
/// - `conv<b>.weight` (Cout, Cin, 3, 3) and `conv<b>.bias` (Cout): krill's (3, 3, Cin, Cout)
///   kernel transposed; both compute the same cross-correlation with zero padding 1;
/// - `bn<b>.weight`, `bn<b>.bias` (gamma, beta), `bn<b>.running_mean`, `bn<b>.running_var`
///   (Cout), and `bn<b>.num_batches_tracked` (0: krill updates the running statistics with
///   a fixed momentum, so PyTorch never needs the count);
/// - `dense.weight` (D, C), `dense.bias` (D): krill's (C, D) matrix transposed.
///
/// The header's metadata holds `format: pt` and `krill.architecture`, a JSON object with the
/// keyword arguments of the documented module (`channels`, `batch_norm`, `embedding`,
/// `output`) and what feeds it (`input_side`, `input`: x = 1 - pixel / 255 as (N, 1, S, S)).
public enum TorchExport {
    /// The architecture as the metadata's JSON object.
    public static func architecture(_ network: Network) -> JSONValue {
        let c = network.config
        return .object([
            "kind": .string("plain"),
            "channels": .array(c.channels.map { .int($0) }),
            "batch_norm": .bool(c.batchNorm),
            "embedding": .int(c.embedding),
            "output": .string(c.output.rawValue),
            "input_side": .int(network.inputSide),
            "input": .string("x = 1 - pixel / 255, shape (N, 1, S, S), pixels of the rescaled S x S grey image (255 = white)"),
        ])
    }

    /// The tensors, in the order of the network's layers.
    public static func tensors(_ network: Network) -> [Safetensors.Tensor] {
        let c = network.config
        let layout = network.layout
        func values(_ name: String) -> [Float] {
            let slot = layout.parameter(name)
            return Array(UnsafeBufferPointer(start: network.parameters.pointer + slot.offset, count: slot.count))
        }
        func state(_ name: String) -> [Float] {
            let slot = layout.stateSlot(name)
            return Array(UnsafeBufferPointer(start: network.state.pointer + slot.offset, count: slot.count))
        }
        var out: [Safetensors.Tensor] = []
        for (b, cout) in c.channels.enumerated() {
            let cin = network.blockInputs[b]
            let w = values("conv\(b).weight")   // ((ky * 3 + kx) * cin + ci) * cout + co
            var oihw = [Float](repeating: 0, count: w.count)
            for co in 0..<cout { for ci in 0..<cin { for k in 0..<9 { oihw[(co * cin + ci) * 9 + k] = w[(k * cin + ci) * cout + co] } } }
            out.append(.init(name: "conv\(b).weight", shape: [cout, cin, 3, 3], floats: oihw))
            out.append(.init(name: "conv\(b).bias", shape: [cout], floats: values("conv\(b).bias")))
            if c.batchNorm {
                out.append(.init(name: "bn\(b).weight", shape: [cout], floats: values("bn\(b).gamma")))
                out.append(.init(name: "bn\(b).bias", shape: [cout], floats: values("bn\(b).beta")))
                out.append(.init(name: "bn\(b).running_mean", shape: [cout], floats: state("bn\(b).running_mean")))
                out.append(.init(name: "bn\(b).running_var", shape: [cout], floats: state("bn\(b).running_var")))
                out.append(.init(name: "bn\(b).num_batches_tracked", int64: 0))
            }
        }
        let cin = c.channels.last!, d = c.embedding
        let w = values("dense.weight")   // i * d + o
        var oi = [Float](repeating: 0, count: w.count)
        for o in 0..<d { for i in 0..<cin { oi[o * cin + i] = w[i * d + o] } }
        out.append(.init(name: "dense.weight", shape: [d, cin], floats: oi))
        out.append(.init(name: "dense.bias", shape: [d], floats: values("dense.bias")))
        return out
    }

    /// The safetensors file: the tensors, `format: pt`, `krill.architecture`, and `extra`
    /// metadata (run, epoch, rescale settings).
    public static func encode(_ network: Network, metadata extra: [String: String] = [:]) -> [UInt8] {
        var metadata = extra
        metadata["format"] = "pt"
        metadata["krill.architecture"] = architecture(network).canonical
        return Safetensors.encode(tensors(network), metadata: metadata)
    }

    /// A network read back from `encode`'s bytes (the inverse of `tensors`).
    /// - Throws: `ConvNetError.invalidConfig` for a file that is not a krill plain-network
    ///   export, naming the missing or misshapen tensor.
    public static func network(from bytes: [UInt8], source: String = "<safetensors>") throws -> Network {
        let (tensors, metadata) = try Safetensors.decode(bytes, source: source)
        guard let text = metadata["krill.architecture"],
              let arch = try? JSONValue.parse(Data(text.utf8)),
              let channels = arch["channels"]?.arrayValue?.compactMap(\.intValue),
              case .bool(let batchNorm)? = arch["batch_norm"],
              let embedding = arch["embedding"]?.intValue,
              let output = arch["output"]?.stringValue.flatMap(OutputTransform.init(rawValue:)),
              let side = arch["input_side"]?.intValue else {
            throw ConvNetError.invalidConfig("\(source): no krill.architecture metadata (not written by krill export)")
        }
        let network = try Network(config: NetworkConfig(channels: channels, batchNorm: batchNorm, embedding: embedding, output: output),
                                  inputSide: side, seed: 0)
        let byName = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) })
        for expected in TorchExport.tensors(network) {
            guard let t = byName[expected.name], t.dtype == expected.dtype, t.shape == expected.shape else {
                throw ConvNetError.invalidConfig("\(source): tensor \(expected.name) missing or not of shape \(expected.shape)")
            }
        }
        func put(_ name: String, _ values: [Float], state: Bool = false) {
            let slot = state ? network.layout.stateSlot(name) : network.layout.parameter(name)
            let base = (state ? network.state.pointer : network.parameters.pointer) + slot.offset
            for i in 0..<slot.count { base[i] = values[i] }
        }
        for (b, cout) in channels.enumerated() {
            let cin = network.blockInputs[b]
            let oihw = byName["conv\(b).weight"]!.floats
            var w = [Float](repeating: 0, count: oihw.count)
            for co in 0..<cout { for ci in 0..<cin { for k in 0..<9 { w[(k * cin + ci) * cout + co] = oihw[(co * cin + ci) * 9 + k] } } }
            put("conv\(b).weight", w)
            put("conv\(b).bias", byName["conv\(b).bias"]!.floats)
            if batchNorm {
                put("bn\(b).gamma", byName["bn\(b).weight"]!.floats)
                put("bn\(b).beta", byName["bn\(b).bias"]!.floats)
                put("bn\(b).running_mean", byName["bn\(b).running_mean"]!.floats, state: true)
                put("bn\(b).running_var", byName["bn\(b).running_var"]!.floats, state: true)
            }
        }
        let cin = channels.last!
        let oi = byName["dense.weight"]!.floats
        var w = [Float](repeating: 0, count: oi.count)
        for o in 0..<embedding { for i in 0..<cin { w[i * embedding + o] = oi[o * cin + i] } }
        put("dense.weight", w)
        put("dense.bias", byName["dense.bias"]!.floats)
        return network
    }
}
