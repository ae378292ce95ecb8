/// A data set's own split (`split.from: set`): each image goes to the split its table
/// names (`ImageFile.set`, the store's `set` column), classes listed as unseen go whole to
/// `unseen`. Nothing is random.
///
/// Names accepted, case ignored: `train`, `training`; `validation`, `valid`, `val`; `test`,
/// `testing`.
public struct SetSplit: Equatable, Sendable {
    public var unseenClasses: [String]

    public init(unseenClasses: [String] = []) {
        self.unseenClasses = unseenClasses
    }

    /// The split a set name stands for; nil for a name krill does not know.
    public static func splitName(_ set: String) -> String? {
        switch set.lowercased() {
        case "train", "training": return "train"
        case "validation", "valid", "val": return "validation"
        case "test", "testing": return "test"
        default: return nil
        }
    }

    /// Splits rows by their sets.
    /// - Parameters:
    ///   - sets: the set name of each store row.
    ///   - labels: class index per row; `classes` their names.
    ///   - paths: each row's source path, to name a row with an unknown set.
    /// - Throws: `DatasetError.invalidSplit` naming an unknown set value (and a row that
    ///   has it), an unknown unseen class, or a seen class without training images.
    public func apply(sets: [String], labels: [Int], classes: [String], paths: [String]) throws -> DatasetSplit {
        precondition(sets.count == labels.count && paths.count == labels.count, "set split: one set, label and path per row")
        let known = Set(classes)
        let unknown = unseenClasses.filter { !known.contains($0) }
        if !unknown.isEmpty { throw DatasetError.unknownClasses(unknown, known: classes) }
        let unseen = Set(unseenClasses)
        var split = DatasetSplit(train: [], validation: [], test: [], unseen: [])
        var trainCount = [Int](repeating: 0, count: classes.count)
        for row in sets.indices {
            if unseen.contains(classes[labels[row]]) {
                split.unseen.append(row)
                continue
            }
            switch SetSplit.splitName(sets[row]) {
            case "train": split.train.append(row); trainCount[labels[row]] += 1
            case "validation": split.validation.append(row)
            case "test": split.test.append(row)
            default:
                throw DatasetError.invalidSplit("'\(paths[row])' is in set '\(sets[row])'; split.from: set knows train, validation and test")
            }
        }
        for (c, name) in classes.enumerated() where !unseen.contains(name) && trainCount[c] == 0 {
            throw DatasetError.invalidSplit("class '\(name)' has no image in the data set's train set")
        }
        return split
    }
}
