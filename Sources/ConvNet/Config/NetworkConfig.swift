/// How the last dense layer's output becomes the embedding.
public enum OutputTransform: String, Codable, Equatable, Sendable, CaseIterable {
    /// y = x / |x|: points on the unit sphere (squared distances in [0, 4]).
    case l2
    /// y = 1 / (1 + exp(-x)) per component: the original network's Dense(64, sigmoid).
    case sigmoid
    /// y = x.
    case linear
}

/// The architecture (`model:` in the experiment file).
///
/// One block per entry of `channels`: 3x3 convolution (same padding, bias), optional batch
/// normalisation, ReLU, 2x2 max-pool (none after the last block); then global average pool,
/// optional dropout, dense to `embedding`, output transform.
public struct NetworkConfig: Codable, Equatable, Sendable {
    /// Output channels of each convolution block.
    public var channels: [Int]
    /// Batch normalisation after every convolution.
    public var batchNorm: Bool
    /// Dropout probability on the pooled features before the dense layer (0 = none).
    public var dropout: Float
    /// Embedding dimension D.
    public var embedding: Int
    public var output: OutputTransform

    public init(channels: [Int] = [32, 64, 128, 128], batchNorm: Bool = false, dropout: Float = 0,
                embedding: Int = 64, output: OutputTransform = .l2) {
        self.channels = channels
        self.batchNorm = batchNorm
        self.dropout = dropout
        self.embedding = embedding
        self.output = output
    }

    /// Throws `ConvNetError.invalidConfig` when the architecture cannot be built.
    public func validate(inputSide: Int? = nil) throws {
        guard !channels.isEmpty else { throw ConvNetError.invalidConfig("model.channels must list at least one block") }
        guard channels.allSatisfy({ $0 > 0 }) else { throw ConvNetError.invalidConfig("model.channels must be positive, got \(channels)") }
        guard embedding > 0 else { throw ConvNetError.invalidConfig("model.embedding must be positive, got \(embedding)") }
        guard dropout >= 0 && dropout < 1 else { throw ConvNetError.invalidConfig("model.dropout must be in [0, 1), got \(dropout)") }
        if let side = inputSide {
            var s = side
            for _ in 0..<(channels.count - 1) { s /= 2 }
            guard s >= 1 else {
                throw ConvNetError.invalidConfig("a \(side) px image is too small for \(channels.count) blocks (\(channels.count - 1) 2x2 max-pools)")
            }
        }
    }
}
