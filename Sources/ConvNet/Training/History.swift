import Foundation
import Storage

/// One row of `history.csv`: what an epoch did.
public struct EpochSummary: Codable, Equatable, Sendable {
    /// 1-based epoch.
    public var epoch: Int
    /// The learning rate the optimiser used in this epoch.
    public var lr: Float
    /// Mean training loss over the epoch's steps.
    public var trainLoss: Float
    /// Loss on the fixed validation triplets (or P x K batches); NaN without validation data.
    public var valLoss: Float
    /// The per-epoch monitor (`monitor_*` in history.csv), centroids from a fixed sample of
    /// `TrainerOptions.centroidImagesPerClass` (32) training images per class, evaluated on
    /// the validation split; the snapshot evaluators compute the same figures more fully.
    /// Mean over classes of the mean Euclidean distance of validation embeddings to their
    /// class centroid.
    public var monitorClusterSize: Float
    /// Mean Euclidean distance over all pairs of class centroids.
    public var monitorCentroidDistance: Float
    /// Fraction of validation images whose nearest centroid is their own class's.
    public var monitorNearestCentroidAccuracy: Float
    /// Wall-clock seconds of the epoch (training and validation). The only column that
    /// differs between two runs of the same experiment.
    public var seconds: Double

    public init(epoch: Int, lr: Float, trainLoss: Float, valLoss: Float, monitorClusterSize: Float,
                monitorCentroidDistance: Float, monitorNearestCentroidAccuracy: Float, seconds: Double) {
        self.epoch = epoch
        self.lr = lr
        self.trainLoss = trainLoss
        self.valLoss = valLoss
        self.monitorClusterSize = monitorClusterSize
        self.monitorCentroidDistance = monitorCentroidDistance
        self.monitorNearestCentroidAccuracy = monitorNearestCentroidAccuracy
        self.seconds = seconds
    }
}

/// `history.csv`: header `epoch,lr,train_loss,val_loss,monitor_cluster_size,
/// monitor_centroid_distance,monitor_nc_accuracy` (the per-epoch monitor, see
/// `EpochSummary`); floats printed with Swift's shortest round-trip representation
/// (NaN as `nan`). No wall-clock column, so a resumed run writes the same bytes as an
/// uninterrupted one; the seconds per epoch go to `timings.csv` (`TimingsCSV`).
public enum HistoryCSV {
    public static let header = ["epoch", "lr", "train_loss", "val_loss", "monitor_cluster_size",
                                "monitor_centroid_distance", "monitor_nc_accuracy"]

    public static func render(_ rows: [EpochSummary]) -> String {
        CSV.render(header: header, rows: rows.map { r in
            [String(r.epoch), "\(r.lr)", "\(r.trainLoss)", "\(r.valLoss)", "\(r.monitorClusterSize)",
             "\(r.monitorCentroidDistance)", "\(r.monitorNearestCentroidAccuracy)"]
        })
    }
}

extension HistoryCSV {
    /// Reads the rows back (the wall-clock `seconds` are not in the file: 0). Floats read
    /// back exactly: they were written in shortest round-trip form.
    /// - Throws: `ConvNetError.badFile` for a file that is not a history.
    public static func parse(_ text: String, path: String) throws -> [EpochSummary] {
        let rows = try CSV.parse(text, source: path)
        guard rows.first == header else { throw ConvNetError.badFile(path: path, reason: "not a history.csv (header \(rows.first ?? []))") }
        return try rows.dropFirst().map { r in
            func f(_ i: Int) throws -> Float {
                guard r.count == header.count, let v = Float(r[i]) else {
                    throw ConvNetError.badFile(path: path, reason: "bad row \(r)")
                }
                return v
            }
            guard let epoch = Int(r[0]) else { throw ConvNetError.badFile(path: path, reason: "bad epoch in \(r)") }
            return EpochSummary(epoch: epoch, lr: try f(1), trainLoss: try f(2), valLoss: try f(3), monitorClusterSize: try f(4),
                                monitorCentroidDistance: try f(5), monitorNearestCentroidAccuracy: try f(6), seconds: 0)
        }
    }
}

/// `timings.csv`: header `epoch,seconds`, the wall-clock seconds of each epoch (3 decimals).
public enum TimingsCSV {
    public static func render(_ rows: [EpochSummary]) -> String {
        CSV.render(header: ["epoch", "seconds"], rows: rows.map { [String($0.epoch), String(format: "%.3f", $0.seconds)] })
    }
}
