import Datasets
import Experiment
import Foundation

/// Names the classes of an experiment's data source for config validation, and reports a
/// missing data folder or file as a config error.
public enum ClassListing {
    public struct MissingData: Error, CustomStringConvertible {
        public let description: String
    }

    public static func lister(_ values: ResolvedValues) throws -> [String]? {
        if values.string("data.source") == "synthetic" {
            return Array(PlanktonClass.allCases.prefix(values.int("data.synthetic.classes")).map(\.name))
        }
        return try DataSourceListing.classNames(values)
    }
}
