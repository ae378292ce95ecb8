import Linalg

/// The four splits of a data set as row indices into the image store, each ascending.
public struct DatasetSplit: Equatable, Codable, Sendable {
    public var train: [Int]
    public var validation: [Int]
    public var test: [Int]
    /// Rows of `unseen_classes`: held out of training entirely (zero-shot evaluation).
    public var unseen: [Int]

    public init(train: [Int], validation: [Int], test: [Int], unseen: [Int]) {
        self.train = train
        self.validation = validation
        self.test = test
        self.unseen = unseen
    }

    /// The split names in file order, with their rows.
    public var named: [(name: String, rows: [Int])] {
        [("train", train), ("validation", validation), ("test", test), ("unseen", unseen)]
    }
}

/// A stratified split: per class, `validation` and `test` images drawn at random, the rest
/// for training; classes listed as unseen go whole to the `unseen` split.
///
/// Deterministic from the seed: each class is shuffled by its own stream
/// `RandomStream(seed, "split", className)`, so adding or removing another class never
/// changes this class's split. Within a shuffled class the first `validation` rows go to
/// validation, the next `test` rows to test, the rest to train.
public struct StratifiedSplit: Equatable, Sendable {
    public var validation: SplitAmount
    public var test: SplitAmount
    public var unseenClasses: [String]

    public init(validation: SplitAmount, test: SplitAmount, unseenClasses: [String] = []) {
        self.validation = validation
        self.test = test
        self.unseenClasses = unseenClasses
    }

    /// Splits rows by label.
    /// - Parameters:
    ///   - labels: class index per store row.
    ///   - classes: class names (index = label).
    ///   - seed: the experiment seed.
    /// - Throws: `DatasetError` naming an unknown unseen class, or a class too small for the
    ///   request (it must keep at least one training image) with its count.
    public func apply(labels: [Int], classes: [String], seed: UInt64) throws -> DatasetSplit {
        try validation.validate("validation")
        try test.validate("test")
        let known = Set(classes)
        let unknown = unseenClasses.filter { !known.contains($0) }
        if !unknown.isEmpty { throw DatasetError.unknownClasses(unknown, known: classes) }
        let unseen = Set(unseenClasses)
        if unseen.count == classes.count {
            throw DatasetError.invalidSplit("every class is unseen: nothing is left to train on")
        }

        var byClass = [[Int]](repeating: [], count: classes.count)
        for (row, label) in labels.enumerated() {
            precondition(classes.indices.contains(label), "label \(label) has no class name")
            byClass[label].append(row)
        }
        var split = DatasetSplit(train: [], validation: [], test: [], unseen: [])
        for (c, name) in classes.enumerated() {
            var rows = byClass[c]
            if unseen.contains(name) {
                split.unseen += rows
                continue
            }
            let v = validation.resolve(classSize: rows.count)
            let t = test.resolve(classSize: rows.count)
            guard v + t < rows.count else {
                throw DatasetError.classTooSmall(
                    name: name, count: rows.count,
                    requested: "\(v) validation + \(t) test + at least 1 training image")
            }
            var rng = RandomStream(seed: seed, "split", name)
            rng.shuffle(&rows)
            split.validation += rows[0..<v]
            split.test += rows[v..<(v + t)]
            split.train += rows[(v + t)...]
        }
        split.train.sort(); split.validation.sort(); split.test.sort(); split.unseen.sort()
        return split
    }
}
