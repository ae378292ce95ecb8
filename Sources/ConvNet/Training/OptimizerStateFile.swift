import Foundation
import Storage

/// The optimiser's state after an epoch (`KRILLOPT`): a `BlobFile` with header JSON
/// `{"kind": "sgd"|"adam", "optimizer_step", "parameter_count"}` and two sections, moment 1
/// (SGD velocity or Adam m) and moment 2 (Adam v; empty for SGD). With the weights file of
/// the same epoch it is everything training needs to continue bit-identically.
public enum OptimizerStateFile {
    public static let magic = "KRILLOPT"

    struct Header: Codable, Equatable {
        var kind: String
        var optimizerStep: Int
        var parameterCount: Int
        enum CodingKeys: String, CodingKey {
            case kind
            case optimizerStep = "optimizer_step"
            case parameterCount = "parameter_count"
        }
    }

    static func kindName(_ optimizer: Optimizer) -> String {
        if case .sgd = optimizer.config.kind { return "sgd" }
        return "adam"
    }

    /// The bytes of `optimizer`'s state.
    public static func encode(_ optimizer: Optimizer) throws -> Data {
        let header = Header(kind: kindName(optimizer), optimizerStep: optimizer.step, parameterCount: optimizer.layout.parameterCount)
        return BlobFile.encode(magic: magic, header: try BlobFile.json(header),
                               sections: [UnsafeBufferPointer(optimizer.moment1.buffer), UnsafeBufferPointer(optimizer.moment2.buffer)])
    }

    /// Restores state bytes into `optimizer`; `path` names the file in errors.
    public static func restore(_ data: Data, into optimizer: Optimizer, path: String) throws {
        let (h, sections) = try BlobFile.decode(data, magic: magic, path: path)
        let header = try BlobFile.decodeJSON(Header.self, from: h, path: path)
        guard header.kind == kindName(optimizer), header.parameterCount == optimizer.layout.parameterCount,
              sections.count == 2, sections[0].count == optimizer.moment1.count, sections[1].count == optimizer.moment2.count
        else { throw ConvNetError.badFile(path: path, reason: "optimiser state of another optimiser or network") }
        optimizer.moment1.copy(from: sections[0])
        optimizer.moment2.copy(from: sections[1])
        optimizer.restore(step: header.optimizerStep)
    }
}
