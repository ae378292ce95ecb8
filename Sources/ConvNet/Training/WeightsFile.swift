import Foundation
import Storage

/// A trained network on disk (`weights-epoch-<e>.bin`): a `BlobFile` with magic `KRILLNET`,
/// header JSON `{"epoch", "input_side", "network", "parameter_count", "state_count",
/// "parameters": [names, offsets, counts], "state": [...]}` and two sections: the parameters
/// and the batch-norm running statistics, in `ParameterLayout` order.
public enum WeightsFile {
    public static let magic = "KRILLNET"

    public struct Header: Codable, Equatable, Sendable {
        public var network: NetworkConfig
        public var inputSide: Int
        public var epoch: Int
        public var parameterCount: Int
        public var stateCount: Int
        public var parameters: [TensorSlot]
        public var state: [TensorSlot]

        enum CodingKeys: String, CodingKey {
            case network, epoch, parameters, state
            case inputSide = "input_side"
            case parameterCount = "parameter_count"
            case stateCount = "state_count"
        }
    }

    /// The file name of the weights after epoch `epoch`.
    public static func fileName(epoch: Int) -> String { "weights-epoch-\(epoch).bin" }

    /// The bytes of `network`'s weights.
    public static func encode(_ network: Network, epoch: Int) throws -> Data {
        let header = Header(network: network.config, inputSide: network.inputSide, epoch: epoch,
                            parameterCount: network.layout.parameterCount, stateCount: network.layout.stateCount,
                            parameters: network.layout.parameters, state: network.layout.state)
        return BlobFile.encode(magic: magic, header: try BlobFile.json(header),
                               sections: [UnsafeBufferPointer(network.parameters.buffer), UnsafeBufferPointer(network.state.buffer)])
    }

    /// Writes `network`'s weights atomically.
    public static func write(_ network: Network, epoch: Int, to url: URL) throws {
        try AtomicFile.write(encode(network, epoch: epoch), to: url)
    }

    /// Reads a weights file into a new network.
    public static func read(_ url: URL) throws -> (network: Network, header: Header) {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConvNetError.badFile(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let (h, sections) = try BlobFile.decode(data, magic: magic, path: url.path)
        let header = try BlobFile.decodeJSON(Header.self, from: h, path: url.path)
        let network = try Network(config: header.network, inputSide: header.inputSide, seed: 0)
        guard header.parameterCount == network.layout.parameterCount, header.stateCount == network.layout.stateCount,
              sections.count == 2, sections[0].count == header.parameterCount, sections[1].count == header.stateCount
        else {
            throw ConvNetError.badFile(path: url.path, reason: "parameter counts do not match the architecture")
        }
        network.parameters.copy(from: sections[0])
        network.state.copy(from: sections[1])
        return (network, header)
    }
}
