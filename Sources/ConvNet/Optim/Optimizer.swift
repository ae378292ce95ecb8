/// SGD (momentum, Nesterov) or Adam over the single parameter allocation, with decoupled
/// weight decay (AdamW style) on the tensors `ParameterLayout` marks for decay.
///
/// State: the step counter and one (SGD: velocity) or two (Adam: first and second moment)
/// flat buffers in the parameter layout, all saved in checkpoints.
///
/// Per parameter w with gradient g at step t (1-based) and learning rate lr:
/// - SGD: v = mu v + g; w -= lr (nesterov ? g + mu v : v)
/// - Adam: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
///   w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + 1e-8)
/// - then, for decayed tensors: w -= lr weightDecay w_old (w_old: before this step).
public final class Optimizer {
    public let config: OptimizerConfig
    public let layout: ParameterLayout
    /// Steps taken so far (Adam's t after the last step).
    public internal(set) var step: Int = 0
    /// SGD velocity or Adam first moment.
    public let moment1: FloatBuffer
    /// Adam second moment (empty for SGD).
    public let moment2: FloatBuffer

    public static let adamEpsilon: Float = 1e-8

    public init(config: OptimizerConfig, layout: ParameterLayout) {
        self.config = config
        self.layout = layout
        moment1 = FloatBuffer(count: layout.parameterCount)
        if case .adam = config.kind {
            moment2 = FloatBuffer(count: layout.parameterCount)
        } else {
            moment2 = FloatBuffer(count: 0)
        }
    }

    /// One update of `parameters` from `gradients` at learning rate `lr`.
    public func update(parameters: FloatBuffer, gradients: FloatBuffer, lr: Float) {
        step += 1
        let w = parameters.pointer, g = gradients.pointer, m1 = moment1.pointer
        let wd = config.weightDecay
        for slot in layout.parameters {
            let decay = slot.decay && wd > 0 ? lr * wd : 0
            let lo = slot.offset, hi = slot.offset + slot.count
            switch config.kind {
            case let .sgd(mu, nesterov):
                for i in lo..<hi {
                    let v = mu * m1[i] + g[i]
                    m1[i] = v
                    let s = nesterov ? g[i] + mu * v : v
                    w[i] = w[i] - lr * s - decay * w[i]
                }
            case let .adam(b1, b2):
                let m2 = moment2.pointer
                let c1 = 1 / (1 - powInt(b1, step))
                let c2 = 1 / (1 - powInt(b2, step))
                let eps = Optimizer.adamEpsilon
                for i in lo..<hi {
                    let gi = g[i]
                    let a = b1 * m1[i] + (1 - b1) * gi
                    let b = b2 * m2[i] + (1 - b2) * gi * gi
                    m1[i] = a
                    m2[i] = b
                    w[i] = w[i] - lr * (a * c1) / ((b * c2).squareRoot() + eps) - decay * w[i]
                }
            }
        }
    }

    /// Restores the step counter (from a checkpoint; the moments are restored by copying).
    public func restore(step: Int) { self.step = step }
}

/// b^n in Float by repeated squaring (exact and platform independent, unlike powf).
@inline(__always)
func powInt(_ b: Float, _ n: Int) -> Float {
    var result: Float = 1, base = b, e = n
    while e > 0 {
        if e & 1 == 1 { result *= base }
        base *= base
        e >>= 1
    }
    return result
}
