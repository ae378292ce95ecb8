import Datasets
import Experiment
import Foundation

/// Names the classes of an experiment's data source for config validation, and reports a
/// missing data folder as a config error.
public enum ClassListing {
    public struct MissingData: Error, CustomStringConvertible {
        public let description: String
    }

    public static func lister(_ values: ResolvedValues) throws -> [String]? {
        switch values.string("data.source") {
        case "synthetic":
            return Array(PlanktonClass.allCases.prefix(values.int("data.synthetic.classes")).map(\.name))
        default:
            let root = values.string("data.folders.root")
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root, isDirectory: &isDir), isDir.boolValue else {
                throw MissingData(description: "data.folders.root: no such folder '\(root)' (relative to \(FileManager.default.currentDirectoryPath))")
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: root).filter { name in
                var sub: ObjCBool = false
                return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: root + "/" + name, isDirectory: &sub) && sub.boolValue
            }
            guard !names.isEmpty else {
                throw MissingData(description: "data.folders.root: '\(root)' has no class sub-folders")
            }
            return names.sorted(by: byteOrderPrecedes)
        }
    }
}
