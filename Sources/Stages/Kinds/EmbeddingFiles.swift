import Datasets
import Foundation
import Linalg
import Storage

/// The embeddings of one split as the `embed` stage writes them:
/// `embeddings-<split>.npy` (float32, one row per image) and `labels-<split>.csv`
/// (`row,path,class`, same row order), plus `classes.json` naming the store's classes and
/// which of them are unseen.
struct EmbeddingSet {
    var values: [Float]
    var n: Int
    var d: Int
    /// Class name of each row.
    var classNames: [String]
    var paths: [String]

    /// Writes the two files of `split` into `folder`.
    static func write(split: String, rows: [Int], embeddings: Matrix, store: ImageStore, to folder: URL) throws {
        try NPY.write(embeddings.data, rows: embeddings.rows, cols: embeddings.cols,
                      to: folder.appendingPathComponent("embeddings-\(split).npy"))
        let csv = CSV.render(header: ["row", "path", "class"], rows: rows.enumerated().map { i, r in
            [String(i), store.paths[r], store.classes[store.labels[r]]]
        })
        try AtomicFile.write(csv, to: folder.appendingPathComponent("labels-\(split).csv"))
    }

    /// Reads `split` from an embed stage's folder.
    static func read(split: String, from folder: URL) throws -> EmbeddingSet {
        let (values, n, d) = try NPY.read(folder.appendingPathComponent("embeddings-\(split).npy"))
        let url = folder.appendingPathComponent("labels-\(split).csv")
        let rows = try CSV.parse(try String(contentsOf: url, encoding: .utf8), source: url.path).dropFirst()
        guard rows.count == n, rows.allSatisfy({ $0.count == 3 }) else {
            throw StorageError.format(path: url.path, reason: "expected \(n) rows of row,path,class")
        }
        return EmbeddingSet(values: values, n: n, d: d, classNames: rows.map { $0[2] }, paths: rows.map { $0[1] })
    }

    /// Class indices of the rows within `classes` (rows of other classes are dropped).
    func restricted(to classes: [String]) -> (values: [Float], n: Int, labels: [Int], paths: [String]) {
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        var values: [Float] = [], labels: [Int] = [], paths: [String] = []
        for i in 0..<n {
            guard let c = index[classNames[i]] else { continue }
            values += self.values[(i * d)..<((i + 1) * d)]
            labels.append(c)
            paths.append(self.paths[i])
        }
        return (values, labels.count, labels, paths)
    }
}

/// `classes.json` of an embed stage: every class of the store in order, and the unseen ones.
struct ClassList: Codable, Equatable {
    var classes: [String]
    var unseen: [String]
    /// Classes seen in training, in store order.
    var seen: [String] { classes.filter { !unseen.contains($0) } }

    static func read(_ folder: URL) throws -> ClassList {
        try JSONDecoder().decode(ClassList.self, from: Data(contentsOf: folder.appendingPathComponent("classes.json")))
    }
}
