import Datasets
import Foundation
import Linalg

/// Inference: embeds store rows in large batches, streaming over the memory-mapped
/// store (only one batch of images is decoded at a time). Batch norm uses its running
/// statistics, dropout is off, nothing is augmented. Each image's embedding does not depend
/// on the other images of its batch.
public final class Embedder {
    public let network: Network
    /// Images per forward pass.
    public let batchSize: Int
    private let input: FloatBuffer

    /// - Parameters:
    ///   - batchSize: images per forward pass (memory grows linearly with it).
    ///   - threads: threads for the image groups (nil: keep the network's setting); the
    ///     embeddings do not depend on it.
    public init(network: Network, batchSize: Int = 128, threads: Int? = nil) {
        if !(batchSize >= 1) { fatalError("precondition failed: batchSize >= 1") }
        self.network = network
        if let threads { network.threads = threads }
        self.batchSize = batchSize
        input = FloatBuffer(count: batchSize * network.inputCount)
    }

    /// Loads a weights file (`WeightsFile`).
    public convenience init(weights url: URL, batchSize: Int = 128, threads: Int = Workers.available) throws {
        self.init(network: try WeightsFile.read(url).network, batchSize: batchSize, threads: threads)
    }

    /// The (rows.count, D) embeddings of `rows`, in order.
    /// - Throws: `ConvNetError.invalidConfig` when the store's image side differs from the network's.
    public func embed(store: ImageStore, rows: [Int]) throws -> Matrix {
        guard store.side == network.inputSide else {
            throw ConvNetError.invalidConfig("the network takes \(network.inputSide) px images, the store has \(store.side) px")
        }
        return embed(inputs: store, rows: rows)
    }

    /// The (rows.count, D) embeddings of rows of any training inputs (images, or a frozen
    /// backbone's features for a head alone), as they are, in batches of `batchSize`.
    public func embed(inputs: TrainingInputs, rows: [Int]) -> Matrix {
        precondition(inputs.itemCount <= network.inputCount, "embedder: \(inputs.itemCount) floats per input for a network taking \(network.inputCount)")
        let d = network.embedding
        var out = Matrix(rows: rows.count, cols: d)
        Workers.withSingleThreadedBLAS {
        out.data.withUnsafeMutableBufferPointer { dst in
            var start = 0
            while start < rows.count {
                let chunk = Array(rows[start..<min(start + batchSize, rows.count)])
                inputs.load(rows: chunk, symmetries: nil, into: input.pointer)
                let e = network.forward(input: input.pointer, n: chunk.count, training: false)
                (dst.baseAddress! + start * d).update(from: e, count: chunk.count * d)
                start += chunk.count
            }
        }
        }
        return out
    }

    /// The (n, D) embeddings of n S x S grey images given as contiguous bytes (image i at
    /// offset i S S, row-major, 255 = white), normalised as in training (`ImageBatch`).
    /// Equal to `embed(store:rows:)` for the same pixels.
    public func embed(pixels: UnsafePointer<UInt8>, count n: Int) -> Matrix {
        let d = network.embedding, s = network.inputSide
        var out = Matrix(rows: n, cols: d)
        Workers.withSingleThreadedBLAS {
        out.data.withUnsafeMutableBufferPointer { dst in
            var start = 0
            while start < n {
                let m = min(batchSize, n - start)
                for i in 0..<m {
                    ImageBatch.write(pixels + (start + i) * s * s, side: s, symmetry: .identity, into: input.pointer + i * s * s)
                }
                let e = network.forward(input: input.pointer, n: m, training: false)
                (dst.baseAddress! + start * d).update(from: e, count: m * d)
                start += m
            }
        }
        }
        return out
    }

    /// Embeds every row of the store.
    public func embedAll(store: ImageStore) throws -> Matrix {
        try embed(store: store, rows: Array(0..<store.count))
    }
}
