import Datasets
import Experiment
import Foundation
import Pipeline
import Storage

/// `split`: the stratified split of the source store (or the data set's own, with
/// `split.from: set`), as `split.json` with row lists.
struct SplitStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var seed: Int
        var split: Split

        struct Split: Codable, Hashable, Sendable {
            /// nil with `from: set`.
            var validation: SplitAmountSetting?
            var test: SplitAmountSetting?
            var unseenClasses: [String]
            /// nil for the default (stratified), so that files written before the key
            /// existed keep their keys.
            var from: SplitSource?
            enum CodingKeys: String, CodingKey {
                case validation, test, from
                case unseenClasses = "unseen_classes"
            }
        }

        /// Normalises the decoded value: the default `from` is left out of the key.
        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            seed = try c.decode(Int.self, forKey: .seed)
            split = try c.decode(Split.self, forKey: .split)
            if split.from == .stratified { split.from = nil }
        }

        enum CodingKeys: String, CodingKey {
            case seed, split
        }
    }

    let kind = "split"
    let version = 1
    let parameters: Parameters
    let source: String
    var inputs: [String] { [source] }

    func publishedPath(of file: String) -> String? { nil }

    func run(_ context: StageContext) throws {
        let store = try ImageStore(directory: context.input(source).file("store"))
        let p = parameters.split
        let split: DatasetSplit
        if p.from == .set {
            guard let sets = store.sets else {
                throw DatasetError.invalidSplit("split.from: set, but the image store has no set column")
            }
            split = try SetSplit(unseenClasses: p.unseenClasses).apply(sets: sets, labels: store.labels, classes: store.classes,
                                                                     paths: store.paths)
        } else {
            guard let validation = p.validation, let test = p.test else { fatalError("a stratified split without amounts") }
            split = try StratifiedSplit(validation: validation.amount, test: test.amount, unseenClasses: p.unseenClasses)
                .apply(labels: store.labels, classes: store.classes, seed: UInt64(parameters.seed))
        }
        try AtomicFile.write(SplitFile.encode(split), to: context.work.appendingPathComponent("split.json"))
    }
}

/// `split.from`.
public enum SplitSource: String, Codable, CaseIterable, Sendable {
    /// Per class, seeded, `split.validation` and `split.test` images.
    case stratified
    /// The data set's own split (`SetSplit`).
    case set
}

/// `split.json`: `{"train": [rows], "validation": [...], "test": [...], "unseen": [...]}`.
enum SplitFile {
    static func encode(_ s: DatasetSplit) -> String {
        JSONValue.object(Dictionary(uniqueKeysWithValues: s.named.map { ($0.name, JSONValue.array($0.rows.map { .int($0) })) })).canonical + "\n"
    }

    static func read(_ url: URL) throws -> DatasetSplit {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw StorageError.format(path: url.path, reason: "missing") }
        let j = try JSONValue.parse(data, source: url.path)
        func rows(_ name: String) -> [Int] { (j[name]?.arrayValue ?? []).compactMap(\.intValue) }
        return DatasetSplit(train: rows("train"), validation: rows("validation"), test: rows("test"), unseen: rows("unseen"))
    }
}
