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
        if !c.isPlain {
            var object: [String: JSONValue] = [
                "kind": .string(c.resnet != nil ? "resnet" : "head"),
                "embedding": .int(c.embedding),
                "output": .string(c.output.rawValue),
                "hidden": c.hidden.map { .int($0) } ?? .null,
                "input_side": .int(network.inputSide),
            ]
            if let r = c.resnet {
                object["blocks"] = .array(r.blocks.map { .int($0) })
                object["widths"] = .array(r.widths.map { .int($0) })
                object["stem"] = .string(r.stem.rawValue)
                object["input"] = .string(r.input == .rgb
                    ? "rgb: 3 channels (pixel / 255 - mean) / std with ImageNet's mean and std, shape (N, 3, S, S), from the rescaled S x S grey image replicated"
                    : "grey: x = 1 - pixel / 255, shape (N, 1, S, S), pixels of the rescaled S x S grey image (255 = white)")
            } else {
                object["features"] = .int(c.features ?? 0)
            }
            return .object(object)
        }
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
        network.config.isPlain ? plainTensors(network) : residualTensors(network)
    }

    /// A ResNet or a head alone: the layout's names (torchvision's), convolution kernels
    /// transposed to (Cout, Cin, K, K), dense weights to (out, in), and after each batch
    /// norm's running statistics its `num_batches_tracked` (0).
    static func residualTensors(_ network: Network) -> [Safetensors.Tensor] {
        let shapes = network.convShapes
        var out: [Safetensors.Tensor] = []
        let states = Dictionary(uniqueKeysWithValues: network.layout.state.map { ($0.name, $0) })
        for slot in network.layout.parameters {
            let values = Array(UnsafeBufferPointer(start: network.parameters.pointer + slot.offset, count: slot.count))
            if let shape = shapes[slot.name] {
                out.append(.init(name: slot.name, shape: [shape.cout, shape.cin, shape.kernel, shape.kernel],
                                 floats: hwioToOIHW(values, shape)))
            } else if slot.name == "dense.weight" || slot.name == "hidden.weight" {
                let cout = slot.name == "dense.weight" ? network.config.embedding : network.config.hidden!
                let cin = slot.count / cout
                out.append(.init(name: slot.name, shape: [cout, cin], floats: transpose(values, rows: cin, cols: cout)))
            } else {
                out.append(.init(name: slot.name, shape: [slot.count], floats: values))
            }
            // After a batch norm's bias: its running statistics.
            if slot.name.hasSuffix(".bias"), let prefix = Optional(String(slot.name.dropLast(5))), let mean = states[prefix + ".running_mean"] {
                let variance = states[prefix + ".running_var"]!
                for stat in [mean, variance] {
                    out.append(.init(name: stat.name, shape: [stat.count],
                                     floats: Array(UnsafeBufferPointer(start: network.state.pointer + stat.offset, count: stat.count))))
                }
                out.append(.init(name: prefix + ".num_batches_tracked", int64: 0))
            }
        }
        return out
    }

    static func hwioToOIHW(_ w: [Float], _ s: ConvShape) -> [Float] {
        var out = [Float](repeating: 0, count: w.count)
        let kk = s.kernel * s.kernel
        for co in 0..<s.cout { for ci in 0..<s.cin { for k in 0..<kk { out[(co * s.cin + ci) * kk + k] = w[(k * s.cin + ci) * s.cout + co] } } }
        return out
    }

    static func oihwToHWIO(_ w: [Float], _ s: ConvShape) -> [Float] {
        var out = [Float](repeating: 0, count: w.count)
        let kk = s.kernel * s.kernel
        for co in 0..<s.cout { for ci in 0..<s.cin { for k in 0..<kk { out[(k * s.cin + ci) * s.cout + co] = w[(co * s.cin + ci) * kk + k] } } }
        return out
    }

    /// A rows x cols row-major matrix transposed.
    static func transpose(_ m: [Float], rows: Int, cols: Int) -> [Float] {
        var out = [Float](repeating: 0, count: m.count)
        for r in 0..<rows { for c in 0..<cols { out[c * rows + r] = m[r * cols + c] } }
        return out
    }

    /// Loads PyTorch-named tensors (`tensors`' names and shapes) into `network`: every
    /// tensor whose name starts with one of `only` (all when empty) must be in the file with
    /// its shape; tensors of the file that the network does not have are an error unless
    /// their name starts with one of `ignoring` (a classifier such as torchvision's `fc.`).
    /// `num_batches_tracked` counters are not read.
    /// - Throws: `ConvNetError.invalidConfig` naming every missing, extra or misshapen tensor.
    public static func load(_ file: [Safetensors.Tensor], into network: Network, only: [String] = [], ignoring: [String] = [],
                            source: String) throws {
        let wanted = tensors(network).filter { t in
            !t.name.hasSuffix(".num_batches_tracked") && (only.isEmpty || only.contains { t.name.hasPrefix($0) })
        }
        let byName = Dictionary(file.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var problems: [String] = []
        for t in wanted {
            guard let found = byName[t.name] else { problems.append("missing \(t.name) \(t.shape)"); continue }
            if found.dtype != .f32 || found.shape != t.shape {
                problems.append("\(t.name) is \(found.dtype.rawValue) \(found.shape), the network needs F32 \(t.shape)")
            }
        }
        let known = Set(tensors(network).map(\.name))
        let extra = file.map(\.name).filter { name in !known.contains(name) && !ignoring.contains { name.hasPrefix($0) } }
        if !extra.isEmpty { problems.append("not in this network: \(extra.prefix(8).joined(separator: ", "))\(extra.count > 8 ? ", ..." : "")") }
        guard problems.isEmpty else {
            throw ConvNetError.invalidConfig("\(source): \(problems.prefix(6).joined(separator: "; "))\(problems.count > 6 ? "; and \(problems.count - 6) more" : "")")
        }
        let shapes = network.convShapes
        for t in wanted {
            var values = byName[t.name]!.floats
            if let shape = shapes[t.name] {
                values = oihwToHWIO(values, shape)
            } else if t.shape.count == 2 {
                values = transpose(values, rows: t.shape[0], cols: t.shape[1])
            }
            let isState = t.name.hasSuffix(".running_mean") || t.name.hasSuffix(".running_var")
            let slot = isState ? network.layout.stateSlot(t.name) : network.layout.parameter(t.name)
            let base = (isState ? network.state.pointer : network.parameters.pointer) + slot.offset
            for i in 0..<slot.count { base[i] = values[i] }
        }
    }

    /// The plain network's tensors (see the type's documentation).
    static func plainTensors(_ network: Network) -> [Safetensors.Tensor] {
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
        if let text = metadata["krill.architecture"], let arch = try? JSONValue.parse(Data(text.utf8)),
           arch["kind"]?.stringValue == "resnet" {
            guard let blocks = arch["blocks"]?.arrayValue?.compactMap(\.intValue), let widths = arch["widths"]?.arrayValue?.compactMap(\.intValue),
                  let stem = arch["stem"]?.stringValue.flatMap(ResNetConfig.Stem.init(rawValue:)),
                  let input = arch["input"]?.stringValue, let embedding = arch["embedding"]?.intValue,
                  let output = arch["output"]?.stringValue.flatMap(OutputTransform.init(rawValue:)),
                  let side = arch["input_side"]?.intValue else {
                throw ConvNetError.invalidConfig("\(source): unreadable krill.architecture metadata")
            }
            let config = NetworkConfig(embedding: embedding, output: output,
                                       resnet: ResNetConfig(blocks: blocks, widths: widths, stem: stem, input: input.hasPrefix("rgb") ? .rgb : .grey),
                                       hidden: arch["hidden"]?.intValue)
            let network = try Network(config: config, inputSide: side, seed: 0)
            try load(tensors, into: network, source: source)
            return network
        }
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
