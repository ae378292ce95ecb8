/// Failures of the ConvNet module, each naming what went wrong.
public enum ConvNetError: Error, Equatable, CustomStringConvertible {
    /// A configuration value the network, loss or trainer cannot use.
    case invalidConfig(String)
    /// The loss or a gradient became NaN or infinite at (epoch, step), both 1-based.
    case diverged(epoch: Int, step: Int, loss: Float)
    /// A weights or checkpoint file that cannot be read, with the reason.
    case badFile(path: String, reason: String)
    /// A stop was requested; training stopped after step `step` of epoch `epoch` (both
    /// 1-based) and saved a checkpoint to resume from the next step.
    case interrupted(epoch: Int, step: Int, steps: Int)

    public var description: String {
        switch self {
        case .invalidConfig(let m): return "invalid configuration: \(m)"
        case let .diverged(epoch, step, loss):
            return "training diverged at epoch \(epoch), step \(step): loss is \(loss); the last good checkpoint is kept"
        case let .badFile(path, reason): return "\(path): \(reason)"
        case let .interrupted(epoch, step, steps):
            return "epoch \(epoch), step \(step) of \(steps), checkpoint saved"
        }
    }
}
