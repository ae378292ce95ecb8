import ConvNet
import Foundation

/// `model`: the network.
struct ModelSettings: Codable, Hashable, Sendable {
    /// Plain only.
    var channels: [Int]?
    var batchNorm: Bool?
    var dropout: Double
    var embedding: Int
    var output: OutputTransform
    /// nil for plain (the default), so that files written before the key existed keep their keys.
    var architecture: ModelArchitecture?
    /// ResNet only.
    var resnet: ResNetSettings?
    var hidden: Int?
    /// `model.weights` as planned: `sha256:<hex>` of the file (its location is not part of
    /// any key: moving the file reruns nothing).
    var weights: String?
    var freeze: FreezeSetting?

    enum CodingKeys: String, CodingKey {
        case channels, dropout, embedding, output, architecture, resnet, hidden, weights, freeze
        case batchNorm = "batch_norm"
    }

    /// Drops the defaults of keys added after runs existed.
    var normalized: ModelSettings {
        var m = self
        if m.architecture == .plain { m.architecture = nil }
        if m.freeze == FreezeSetting.none { m.freeze = nil }
        return m
    }

    var config: NetworkConfig {
        NetworkConfig(channels: channels ?? [], batchNorm: batchNorm ?? false, dropout: Float(dropout), embedding: embedding, output: output,
                      resnet: resnet?.config, hidden: resnet == nil ? nil : hidden)
    }

    /// Whether training runs on a frozen backbone's features.
    var frozen: Bool { resnet != nil && freeze == .backbone }
}

/// `model.architecture`.
enum ModelArchitecture: String, Codable, CaseIterable, Sendable {
    case plain, resnet
}

/// `model.freeze`.
enum FreezeSetting: String, Codable, CaseIterable, Sendable {
    case none, backbone
}

/// `model.resnet`.
struct ResNetSettings: Codable, Hashable, Sendable {
    var blocks: [Int]
    var widths: [Int]
    var stem: ResNetConfig.Stem
    var input: ResNetConfig.Input

    var config: ResNetConfig { ResNetConfig(blocks: blocks, widths: widths, stem: stem, input: input) }
}

/// `loss`.
struct LossSettings: Codable, Hashable, Sendable {
    var variant: LossVariant
    var margin: Double
    var distance: LossDistance?
    /// Applies only to the variants that have a soft margin.
    var softMargin: Bool?
    /// Applies only to semi_hard.
    var semiHardFallback: SemiHardFallback?

    enum CodingKeys: String, CodingKey {
        case variant, margin, distance
        case softMargin = "soft_margin"
        case semiHardFallback = "semi_hard_fallback"
    }

    var config: LossConfig {
        LossConfig(variant: variant, margin: Float(margin), softMargin: softMargin ?? false, distance: distance,
                   semiHardFallback: semiHardFallback ?? .largest)
    }
}

/// `training.batch`.
struct BatchSettings: Codable, Hashable, Sendable {
    var triplets: Int?
    var classes: Int?
    var perClass: Int?

    enum CodingKeys: String, CodingKey {
        case triplets, classes
        case perClass = "per_class"
    }

    var config: BatchConfig {
        if let classes, let perClass { return .pk(classes: classes, perClass: perClass) }
        return .triplets(triplets ?? 32)
    }
}

/// `training.optimizer`.
struct OptimizerSettings: Codable, Hashable, Sendable {
    var name: OptimizerName
    var lr: Double
    var momentum: Double?
    var nesterov: Bool?
    var beta1: Double?
    var beta2: Double?
    var weightDecay: Double

    enum CodingKeys: String, CodingKey {
        case name, lr, momentum, nesterov, beta1, beta2
        case weightDecay = "weight_decay"
    }

    var config: OptimizerConfig {
        switch name {
        case .sgd: return .sgd(lr: Float(lr), momentum: Float(momentum ?? 0.9), nesterov: nesterov ?? false, weightDecay: Float(weightDecay))
        case .adam: return .adam(lr: Float(lr), beta1: Float(beta1 ?? 0.9), beta2: Float(beta2 ?? 0.999), weightDecay: Float(weightDecay))
        }
    }
}

/// `training.schedule`.
struct ScheduleSettings: Codable, Hashable, Sendable {
    var name: ScheduleName
    var every: Int?
    var factor: Double?
    var gamma: Double?
    var minLR: Double?
    var period: Int?
    var warmupEpochs: Int
    /// cosine: the epochs the cosine spans (nil: training.epochs).
    var horizon: Int?

    enum CodingKeys: String, CodingKey {
        case name, every, factor, gamma, period, horizon
        case minLR = "min_lr"
        case warmupEpochs = "warmup_epochs"
    }

    var config: ScheduleConfig {
        let kind: ScheduleConfig.Kind
        switch name {
        case .constant: kind = .constant
        case .step: kind = .step(every: every ?? 10, factor: Float(factor ?? 0.1))
        case .exponential: kind = .exponential(gamma: Float(gamma ?? 0.95))
        case .cosine: kind = .cosine(minLR: Float(minLR ?? 0))
        case .restarts: kind = .restarts(period: period ?? 10, factor: Float(factor ?? 2), minLR: Float(minLR ?? 0))
        }
        return ScheduleConfig(kind: kind, warmupEpochs: warmupEpochs)
    }
}

/// `training.augment`.
struct AugmentSettings: Codable, Hashable, Sendable {
    var flip: Bool
    var rotate90: Bool

    var config: AugmentConfig { AugmentConfig(flip: flip, rotate90: rotate90) }
}
