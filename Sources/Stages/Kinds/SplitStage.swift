import Datasets
import Experiment
import Foundation
import Pipeline
import Storage

/// `split`: the stratified split of the source store, as `split.json` with row lists.
struct SplitStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var seed: Int
        var split: Split

        struct Split: Codable, Hashable, Sendable {
            var validation: SplitAmountSetting
            var test: SplitAmountSetting
            var unseenClasses: [String]
            enum CodingKeys: String, CodingKey {
                case validation, test
                case unseenClasses = "unseen_classes"
            }
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
        let split = try StratifiedSplit(validation: p.validation.amount, test: p.test.amount, unseenClasses: p.unseenClasses)
            .apply(labels: store.labels, classes: store.classes, seed: UInt64(parameters.seed))
        try AtomicFile.write(SplitFile.encode(split), to: context.work.appendingPathComponent("split.json"))
    }
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
