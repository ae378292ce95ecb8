import Datasets
import Foundation

/// What the trainer feeds the network for the rows of a data set: images from the store, or
/// the features a frozen backbone computed for them once (`FeatureInputs`).
public protocol TrainingInputs: AnyObject {
    /// Class index of each row.
    var labels: [Int] { get }
    /// Rows.
    var count: Int { get }
    /// The network's input side S (1 for features).
    var side: Int { get }
    /// Floats per row in the network's input.
    var itemCount: Int { get }
    /// Writes row `rows[i]`, seen through `symmetries[i]` (nil: as it is), as input slot i.
    func load(rows: [Int], symmetries: [ImageBatch.Symmetry]?, into output: UnsafeMutablePointer<Float>)
}

extension ImageStore: TrainingInputs {
    public var itemCount: Int { side * side }

    public func load(rows: [Int], symmetries: [ImageBatch.Symmetry]?, into output: UnsafeMutablePointer<Float>) {
        ImageBatch.load(store: self, rows: rows, symmetries: symmetries, into: output)
    }
}

/// A frozen backbone's features of every row as it is, and of the other views (the
/// symmetries augmentation can draw) for the training rows: row r seen through symmetry s
/// is the features of view s.
public final class FeatureInputs: TrainingInputs {
    public let labels: [Int]
    public let count: Int
    /// Features per row (the backbone's width C).
    public let width: Int
    /// The views: the identity first, then those of `others`.
    public let views: [ImageBatch.Symmetry]
    /// (N, C): every row as it is.
    public let identity: [Float]
    /// (V - 1, T, C): the other views of the T training rows.
    public let others: [Float]
    /// Position of each row among the training rows (-1: not a training row).
    let trainPosition: [Int]
    let trainCount: Int
    public var side: Int { 1 }
    public var itemCount: Int { width }

    /// - Parameters:
    ///   - identity: (rows, width) features.
    ///   - others: (views.count - 1, trainRows.count, width) features of the other views.
    public init(identity: [Float], others: [Float], views: [ImageBatch.Symmetry], trainRows: [Int], rows: Int, width: Int, labels: [Int]) {
        precondition(views.first == .identity, "the first view is the identity")
        precondition(identity.count == rows * width, "features: \(identity.count) values for \(rows) x \(width)")
        precondition(others.count == (views.count - 1) * trainRows.count * width, "features: \(others.count) values of other views")
        precondition(labels.count == rows, "features: one label per row")
        self.identity = identity
        self.others = others
        self.views = views
        self.count = rows
        self.width = width
        self.labels = labels
        var position = [Int](repeating: -1, count: rows)
        for (i, r) in trainRows.enumerated() { position[r] = i }
        trainPosition = position
        trainCount = trainRows.count
    }

    /// The symmetries augmentation can draw under `augment`, in a fixed order: the
    /// identity first, then flips and turns.
    public static func views(_ augment: AugmentConfig) -> [ImageBatch.Symmetry] {
        var out: [ImageBatch.Symmetry] = []
        for flip in augment.flip ? [false, true] : [false] {
            for turns in 0..<(augment.rotate90 ? 4 : 1) { out.append(ImageBatch.Symmetry(flip: flip, quarterTurns: turns)) }
        }
        return out
    }

    public func load(rows: [Int], symmetries: [ImageBatch.Symmetry]?, into output: UnsafeMutablePointer<Float>) {
        for (i, row) in rows.enumerated() {
            let symmetry = symmetries?[i] ?? .identity
            guard let view = views.firstIndex(of: symmetry) else { fatalError("no features for view \(symmetry)") }
            if view == 0 {
                identity.withUnsafeBufferPointer { (output + i * width).update(from: $0.baseAddress! + row * width, count: width) }
            } else {
                let p = trainPosition[row]
                if p < 0 { fatalError("row \(row) is not a training row: only its own view was computed") }
                others.withUnsafeBufferPointer {
                    (output + i * width).update(from: $0.baseAddress! + ((view - 1) * trainCount + p) * width, count: width)
                }
            }
        }
    }
}
