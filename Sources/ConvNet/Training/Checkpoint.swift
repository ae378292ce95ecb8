import Foundation
import Storage

/// The resumable state of a training run (`checkpoint.bin` in the work folder): a
/// `BlobFile` with magic `KRILLCKP`, header JSON `{"epoch", "fingerprint", "history",
/// "optimizer_step", "parameter_count"}` and four sections: parameters, batch-norm running
/// statistics, optimiser moment 1 (SGD velocity or Adam m), optimiser moment 2 (Adam v;
/// empty for SGD).
///
/// Every random draw of the trainer is keyed by (seed, epoch, step), so restoring this
/// state and continuing with epoch + 1 gives bit-identical results to a run never stopped.
public struct Checkpoint: Codable, Equatable, Sendable {
    public static let magic = "KRILLCKP"
    public static let fileName = "checkpoint.bin"

    /// Last completed epoch (1-based).
    public var epoch: Int
    /// SHA-256 of the run's configuration (network, loss, training, seed, data); a
    /// checkpoint written by another configuration is an error, not a resume.
    public var fingerprint: String
    public var history: [EpochSummary]
    public var optimizerStep: Int
    public var parameterCount: Int
    /// Set when the checkpoint was written in the middle of epoch `epoch + 1` (a stop
    /// request): the steps done of it and the sum of their losses, so the epoch continues
    /// exactly where it stopped.
    public var partial: PartialEpoch?

    /// Steps done of an unfinished epoch.
    public struct PartialEpoch: Codable, Equatable, Sendable {
        /// The unfinished epoch (1-based).
        public var epoch: Int
        /// Steps completed in it (1-based count).
        public var step: Int
        /// Sum of those steps' losses, in step order (Double, as the trainer sums).
        public var lossSum: Double
        enum CodingKeys: String, CodingKey {
            case epoch, step
            case lossSum = "loss_sum"
        }
    }

    enum CodingKeys: String, CodingKey {
        case epoch, fingerprint, history, partial
        case optimizerStep = "optimizer_step"
        case parameterCount = "parameter_count"
    }

    /// The header of the checkpoint in `workFolder` (epoch, history, ...) without restoring
    /// anything, or nil when there is none: e.g. for `krill status` ("resumable at epoch k").
    public static func peek(workFolder: URL) throws -> Checkpoint? {
        let url = workFolder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConvNetError.badFile(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let (h, _) = try BlobFile.decode(data, magic: magic, path: url.path)
        return try BlobFile.decodeJSON(Checkpoint.self, from: h, path: url.path)
    }

    /// Writes the checkpoint atomically.
    static func write(_ meta: Checkpoint, network: Network, optimizer: Optimizer, to url: URL) throws {
        let data = BlobFile.encode(magic: magic, header: try BlobFile.json(meta), sections: [
            UnsafeBufferPointer(network.parameters.buffer), UnsafeBufferPointer(network.state.buffer),
            UnsafeBufferPointer(optimizer.moment1.buffer), UnsafeBufferPointer(optimizer.moment2.buffer),
        ])
        try AtomicFile.write(data, to: url)
    }

    /// Reads a checkpoint and restores it into `network` and `optimizer`.
    static func restore(from url: URL, network: Network, optimizer: Optimizer, fingerprint: String) throws -> Checkpoint {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ConvNetError.badFile(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let (h, sections) = try BlobFile.decode(data, magic: magic, path: url.path)
        let meta = try BlobFile.decodeJSON(Checkpoint.self, from: h, path: url.path)
        guard meta.fingerprint == fingerprint else {
            throw ConvNetError.badFile(path: url.path, reason: "checkpoint of a different configuration (fingerprint \(meta.fingerprint.prefix(12)), expected \(fingerprint.prefix(12)))")
        }
        guard sections.count == 4, sections[0].count == network.parameters.count, sections[1].count == network.state.count,
              sections[2].count == optimizer.moment1.count, sections[3].count == optimizer.moment2.count
        else { throw ConvNetError.badFile(path: url.path, reason: "section sizes do not match the network and optimiser") }
        network.parameters.copy(from: sections[0])
        network.state.copy(from: sections[1])
        optimizer.moment1.copy(from: sections[2])
        optimizer.moment2.copy(from: sections[3])
        optimizer.restore(step: meta.optimizerStep)
        return meta
    }
}
