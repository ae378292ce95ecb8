import Evaluation
import Foundation
import TestSupport
import XCTest

/// The retrieval figures against pytorch-metric-learning's AccuracyCalculator on a committed
/// fixture (`Fixtures/retrieval_reference.py` wrote `retrieval_reference.json`).
final class RetrievalTests: XCTestCase {
    struct Reference {
        let d: Int
        let reference: [Float], referenceLabels: [Int], query: [Float], queryLabels: [Int]
        let expected: [String: [String: Double]]

        init() throws {
            let url = Bundle.module.url(forResource: "Fixtures/retrieval_reference.json", withExtension: nil)!
            let j = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            func matrix(_ key: String) -> [Float] { (j[key] as! [[Double]]).flatMap { $0.map(Float.init) } }
            d = j["d"] as! Int
            reference = matrix("reference")
            query = matrix("query")
            referenceLabels = j["reference_labels"] as! [Int]
            queryLabels = j["query_labels"] as! [Int]
            expected = j["expected"] as! [String: [String: Double]]
        }
    }

    func check(_ r: RetrievalResult, _ expected: [String: Double], _ label: String) {
        let got = [r.all.precisionAt1, r.all.rPrecision, r.all.mapAtR]
        let want = [expected["precision_at_1"]!, expected["r_precision"]!, expected["mean_average_precision_at_r"]!]
        let largest = zip(got, want).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(largest, 1e-12, "\(label): krill \(got), pytorch-metric-learning \(want) (largest difference \(largest))")
    }

    func testQueriesAgainstAnotherSplitMatchPytorchMetricLearning() throws {
        let f = try Reference()
        let r = Retrieval.evaluate(queries: f.query, queryLabels: f.queryLabels, references: f.reference,
                                   referenceLabels: f.referenceLabels, d: f.d, classCount: 5, sameSource: false)
        check(r, f.expected["cross"]!, "cross")
        XCTAssertEqual(r.all.queries, 40)
        XCTAssertEqual(r.perClass.map(\.queries).reduce(0, +), 40)
    }

    func testLeaveOneOutMatchesPytorchMetricLearning() throws {
        let f = try Reference()
        for threads in [1, 3] {
            let r = Retrieval.evaluate(queries: f.reference, queryLabels: f.referenceLabels, references: f.reference,
                                       referenceLabels: f.referenceLabels, d: f.d, classCount: 5, sameSource: true, threads: threads)
            check(r, f.expected["leave_one_out"]!, "leave-one-out, \(threads) threads")
        }
    }

    /// Hand-worked: 1-D points, two classes.
    func testSmallCaseByHand() {
        // References: class 0 at 0 and 1, class 1 at 2 and 10. Query of class 0 at 0.4:
        // neighbours 0 (0), 1 (0), 2 (1), 10 (1); R = 2; both of the first two hit.
        // Query of class 1 at 1.6: neighbours 2 (1), 1 (0), 0 (0); R = 2; hits at ranks 1 only:
        // R-precision 1/2, MAP@R (1/1) / 2 = 0.5.
        let r = Retrieval.evaluate(queries: [0.4, 1.6], queryLabels: [0, 1], references: [0, 1, 2, 10],
                                   referenceLabels: [0, 0, 1, 1], d: 1, classCount: 2, sameSource: false)
        XCTAssertEqual(r.all.precisionAt1, 1)
        XCTAssertEqual(r.all.rPrecision, 0.75)
        XCTAssertEqual(r.all.mapAtR, 0.75)
        XCTAssertEqual(r.perClass[1].rPrecision, 0.5)
        XCTAssertEqual(r.csv(classNames: ["a", "b"]), """
            class,queries,precision_at_1,r_precision,map_at_r
            a,1,1.0,1.0,1.0
            b,1,1.0,0.5,0.5
            all,2,1.0,0.75,0.75

            """)
        // A query whose class has no reference is left out.
        let lone = Retrieval.evaluate(queries: [0.4, 5], queryLabels: [0, 1], references: [0, 1], referenceLabels: [0, 0],
                                      d: 1, classCount: 2, sameSource: false)
        XCTAssertEqual(lone.all.queries, 1)
        XCTAssertTrue(lone.perClass[1].precisionAt1.isNaN)
    }
}
