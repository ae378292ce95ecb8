import Foundation

/// The learning rate of each epoch from `OptimizerConfig.lr` and a `ScheduleConfig`.
///
/// Epochs are 1-based. With W warm-up epochs, epoch e <= W uses lr e / (W + 1) (a linear
/// ramp); afterwards t = e - W - 1 counts epochs of the schedule proper (0 first) and
/// T = epochs - W is its length:
/// - constant: lr
/// - step: lr factor^floor(t / every)
/// - exponential: lr gamma^t
/// - cosine: minLR + (lr - minLR) (1 + cos(pi t / T)) / 2, and minLR for t >= T (epochs past
///   the horizon, when `epochs` is a horizon shorter than the training)
/// - restarts (SGDR): cycles of length P, P factor, P factor^2, ... (rounded to whole epochs);
///   within a cycle of length L at position u: minLR + (lr - minLR) (1 + cos(pi u / L)) / 2
/// Computed in Double, rounded to Float once.
public struct LearningRateSchedule: Equatable, Sendable {
    public let base: Float
    public let schedule: ScheduleConfig
    /// The number of epochs the schedule spans (cosine's T counts from it): the training's
    /// epochs, or a fixed horizon so that training can be extended later without changing
    /// the earlier epochs' rates. Only cosine depends on it.
    public let epochs: Int

    public init(base: Float, schedule: ScheduleConfig, epochs: Int) {
        self.base = base
        self.schedule = schedule
        self.epochs = epochs
    }

    /// The rate of epoch `epoch` (1-based).
    public func rate(epoch: Int) -> Float {
        let lr = Double(base)
        let w = schedule.warmupEpochs
        if epoch <= w { return Float(lr * Double(epoch) / Double(w + 1)) }
        let t = epoch - w - 1
        let total = max(epochs - w, 1)
        switch schedule.kind {
        case .constant:
            return base
        case let .step(every, factor):
            return Float(lr * Foundation.pow(Double(factor), Double(t / every)))
        case let .exponential(gamma):
            return Float(lr * Foundation.pow(Double(gamma), Double(t)))
        case let .cosine(minLR):
            let lo = Double(minLR)
            if t >= total { return minLR }
            return Float(lo + (lr - lo) * (1 + Foundation.cos(Double.pi * Double(t) / Double(total))) / 2)
        case let .restarts(period, factor, minLR):
            var length = Double(period)
            var u = Double(t)
            while u >= length.rounded() {
                u -= length.rounded()
                length *= Double(factor)
            }
            let lo = Double(minLR)
            return Float(lo + (lr - lo) * (1 + Foundation.cos(Double.pi * u / length.rounded())) / 2)
        }
    }
}
