/// Errors from drawing, encoding and writing charts.
public enum ChartError: Error, Equatable, CustomStringConvertible {
    /// cairo reported a failure (out of memory, invalid size, ...).
    case cairo(String)
    /// The input cannot be drawn (mismatched lengths, empty matrix, frames of different sizes, ...).
    case invalidInput(String)
    /// giflib reported a failure.
    case gif(String)
    /// An operation asked of the wrong kind of canvas (pixels from an SVG canvas, ...).
    case wrongBackend(String)

    public var description: String {
        switch self {
        case .cairo(let m): return "cairo: \(m)"
        case .invalidInput(let m): return "chart input: \(m)"
        case .gif(let m): return "GIF: \(m)"
        case .wrongBackend(let m): return "canvas: \(m)"
        }
    }
}
