/// What can go wrong with a data set, each case naming the file, folder or class at fault.
public enum DatasetError: Error, CustomStringConvertible, Equatable {
    case missingFolder(String)
    case notAFolder(String)
    case noClasses(root: String)
    case emptyClass(name: String, root: String)
    case unknownClasses([String], known: [String])
    case classTooSmall(name: String, count: Int, requested: String)
    case invalidSplit(String)
    case invalidSampler(String)
    case corruptStore(path: String, reason: String)
    case unreadable(path: String, reason: String)
    /// A data set's table (an EcoTaxa TSV, ZooScanNet's taxa.csv): the file, the 1-based
    /// line when one is at fault, and why.
    case badTable(path: String, line: Int?, reason: String)

    public var description: String {
        switch self {
        case .missingFolder(let p): return "\(p): no such folder"
        case .notAFolder(let p): return "\(p): not a folder"
        case .noClasses(let root): return "\(root): no class folders (expected root/<class>/<image>)"
        case let .emptyClass(name, root): return "\(root)/\(name): class '\(name)' has no images"
        case let .unknownClasses(names, known):
            let list = known.prefix(12).joined(separator: ", ") + (known.count > 12 ? ", ..." : "")
            return "unknown class\(names.count > 1 ? "es" : "") \(names.map { "'\($0)'" }.joined(separator: ", ")) (known: \(list))"
        case let .classTooSmall(name, count, requested):
            return "class '\(name)' has \(count) image\(count == 1 ? "" : "s"), too few for \(requested)"
        case .invalidSplit(let why): return "invalid split: \(why)"
        case .invalidSampler(let why): return "invalid sampler: \(why)"
        case let .corruptStore(path, reason): return "\(path): corrupt image store: \(reason)"
        case let .unreadable(path, reason): return "\(path): \(reason)"
        case let .badTable(path, line, reason): return "\(path)\(line.map { ":\($0)" } ?? ""): \(reason)"
        }
    }
}

/// Byte-order (UTF-8) comparison: the order `ls` gives under LC_ALL=C, independent of locale
/// and of Unicode normalisation, so class numbers never depend on the machine.
@inline(__always)
public func byteOrderPrecedes(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}
