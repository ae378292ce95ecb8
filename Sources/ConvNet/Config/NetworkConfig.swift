/// How the last dense layer's output becomes the embedding.
public enum OutputTransform: String, Codable, Equatable, Sendable, CaseIterable {
    /// y = x / |x|: points on the unit sphere (squared distances in [0, 4]).
    case l2
    /// y = 1 / (1 + exp(-x)) per component: the original network's Dense(64, sigmoid).
    case sigmoid
    /// y = x.
    case linear
}

/// A residual network in torchvision's ResNet layout (`model.architecture: resnet`): a stem,
/// stages of basic blocks, global average pooling.
///
/// - stem `imagenet`: 7x7 stride-2 convolution (padding 3), batch norm, ReLU, 3x3 stride-2
///   max-pool (padding 1); `small`: one 3x3 stride-1 convolution, batch norm, ReLU.
/// - stage i: `blocks[i]` basic blocks of width `widths[i]`: conv 3x3 (stride 2 in the first
///   block of every stage after the first), batch norm, ReLU, conv 3x3, batch norm, plus the
///   shortcut (identity, or a 1x1 stride-s convolution and batch norm where the shape
///   changes), ReLU. Convolutions have no bias, as in torchvision.
/// - input `grey`: one channel x = 1 - pixel / 255 (krill's); `rgb`: the grey image
///   replicated to 3 channels as ImageNet-pretrained weights expect: channel i =
///   (pixel / 255 - mean_i) / std_i with ImageNet's mean (0.485, 0.456, 0.406) and standard
///   deviation (0.229, 0.224, 0.225).
public struct ResNetConfig: Codable, Equatable, Sendable {
    public enum Stem: String, Codable, CaseIterable, Sendable { case imagenet, small }
    public enum Input: String, Codable, CaseIterable, Sendable { case grey, rgb }

    public var blocks: [Int]
    public var widths: [Int]
    public var stem: Stem
    public var input: Input

    /// ResNet-18: [2, 2, 2, 2] x [64, 128, 256, 512].
    public init(blocks: [Int] = [2, 2, 2, 2], widths: [Int] = [64, 128, 256, 512], stem: Stem = .imagenet, input: Input = .grey) {
        self.blocks = blocks
        self.widths = widths
        self.stem = stem
        self.input = input
    }

    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// Input channels of the stem.
    public var inputChannels: Int { input == .rgb ? 3 : 1 }
}

/// The architecture (`model:` in the experiment file).
///
/// `plain` (the default): one block per entry of `channels`: 3x3 convolution (same padding,
/// bias), optional batch normalisation, ReLU, 2x2 max-pool (none after the last block); then
/// global average pool, optional dropout, dense to `embedding`, output transform.
///
/// `resnet` (`resnet` set): the residual backbone of `ResNetConfig`, global average pool,
/// optional dropout, an optional hidden layer (dense + ReLU), dense to `embedding`, output
/// transform. `features` set: the head alone, on `features` precomputed values per input
/// (the head of a frozen backbone).
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
    /// The residual backbone; nil for the plain network.
    public var resnet: ResNetConfig?
    /// Width of the hidden layer of the head (resnet and features only); nil: none.
    public var hidden: Int?
    /// The head alone, on this many precomputed features per input; nil otherwise.
    public var features: Int?

    public init(channels: [Int] = [32, 64, 128, 128], batchNorm: Bool = false, dropout: Float = 0,
                embedding: Int = 64, output: OutputTransform = .l2, resnet: ResNetConfig? = nil, hidden: Int? = nil,
                features: Int? = nil) {
        self.channels = channels
        self.batchNorm = batchNorm
        self.dropout = dropout
        self.embedding = embedding
        self.output = output
        self.resnet = resnet
        self.hidden = hidden
        self.features = features
    }

    /// Whether this is the plain network (neither a ResNet nor a head alone).
    public var isPlain: Bool { resnet == nil && features == nil }

    /// The head alone of this network (for training on features of its frozen backbone):
    /// its hidden layer, dense layer and output on `backboneWidth` inputs.
    public var headOnly: NetworkConfig {
        NetworkConfig(channels: [], batchNorm: false, dropout: dropout, embedding: embedding, output: output, resnet: nil,
                      hidden: hidden, features: backboneWidth)
    }

    /// Channels the backbone hands the head (after global average pooling).
    public var backboneWidth: Int { features ?? resnet?.widths.last ?? channels.last ?? 0 }

    /// Throws `ConvNetError.invalidConfig` when the architecture cannot be built.
    public func validate(inputSide: Int? = nil) throws {
        guard embedding > 0 else { throw ConvNetError.invalidConfig("model.embedding must be positive, got \(embedding)") }
        guard dropout >= 0 && dropout < 1 else { throw ConvNetError.invalidConfig("model.dropout must be in [0, 1), got \(dropout)") }
        if let hidden, hidden < 1 { throw ConvNetError.invalidConfig("model.hidden must be positive, got \(hidden)") }
        if let features {
            guard features >= 1 else { throw ConvNetError.invalidConfig("a head needs at least one input feature, got \(features)") }
            return
        }
        if let r = resnet {
            guard !r.blocks.isEmpty, r.blocks.count == r.widths.count else {
                throw ConvNetError.invalidConfig("model.resnet: blocks \(r.blocks) and widths \(r.widths) must list the same stages")
            }
            guard r.blocks.allSatisfy({ $0 >= 1 }), r.widths.allSatisfy({ $0 >= 1 }) else {
                throw ConvNetError.invalidConfig("model.resnet: every stage needs at least one block and one channel")
            }
            if let side = inputSide {
                var s = r.stem == .imagenet ? MaxPool3x3.outputSide((side + 6 - 7) / 2 + 1) : side
                for _ in 1..<r.blocks.count { s = (s + 2 - 3) / 2 + 1 }
                guard side >= (r.stem == .imagenet ? 7 : 3), s >= 1 else {
                    throw ConvNetError.invalidConfig("a \(side) px image is too small for this ResNet")
                }
            }
            return
        }
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
