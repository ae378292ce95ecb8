import Foundation
import Storage

/// The committed fixture: `Fixtures/embeddings.csv` (make_fixture.py) and scikit-learn's
/// figures on it, `Fixtures/reference.json` (sklearn_reference.py).
struct Fixture {
    let x: [Float]
    let n: Int
    let d: Int
    let labels: [Int]
    let predicted: [Int]
    let clusters: [Int]
    let isFit: [Bool]
    let reference: [String: Any]

    static func url(_ name: String) -> URL {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!
    }

    static let shared: Fixture = {
        let text = try! String(contentsOf: url("embeddings.csv"), encoding: .utf8)
        let rows = try! CSV.parse(text)
        let header = rows[0]
        let featureColumns = header.indices.filter { header[$0].hasPrefix("x") }
        let col = { (name: String) in header.firstIndex(of: name)! }
        var x: [Float] = [], labels: [Int] = [], predicted: [Int] = [], clusters: [Int] = [], isFit: [Bool] = []
        for row in rows.dropFirst() {
            x += featureColumns.map { Float(row[$0])! }
            labels.append(Int(row[col("class")])!)
            predicted.append(Int(row[col("predicted")])!)
            clusters.append(Int(row[col("cluster")])!)
            isFit.append(row[col("split")] == "fit")
        }
        let json = try! JSONSerialization.jsonObject(with: Data(contentsOf: url("reference.json"))) as! [String: Any]
        return Fixture(x: x, n: labels.count, d: featureColumns.count, labels: labels, predicted: predicted,
                       clusters: clusters, isFit: isFit, reference: json)
    }()

    /// The rows of one split: (values, count, labels); with `imbalanced`, only the first 20,
    /// 10, 5 and 3 fit rows of classes 0-3 (as sklearn_reference.py picks them).
    func split(fit: Bool, imbalanced: Bool = false) -> (x: [Float], n: Int, labels: [Int]) {
        var xs: [Float] = [], ls: [Int] = []
        var seen = [0, 0, 0, 0]
        let keep = [20, 10, 5, 3]
        for i in 0..<n where isFit[i] == fit {
            if imbalanced {
                guard seen[labels[i]] < keep[labels[i]] else { continue }
                seen[labels[i]] += 1
            }
            xs += x[(i * d)..<((i + 1) * d)]
            ls.append(labels[i])
        }
        return (xs, ls.count, ls)
    }
}
