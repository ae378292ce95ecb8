import XCTest
import Clustering
import Storage
import TestSupport
@testable import Evaluation

final class ReportFileTests: XCTestCase {
    let names = ["copepod", "egg, round", "salp"]

    func testClassificationReportCSV() throws {
        // truth 0,0,1,1,2,2 ; predicted 0,1,1,1,0,0 -> class 2 never predicted.
        let report = ClassificationReport(truth: [0, 0, 1, 1, 2, 2], predicted: [0, 1, 1, 1, 0, 0], classCount: 3)
        let csv = report.csv(classNames: names)
        let expected = """
        class,precision,recall,f1,support
        copepod,0.3333333333333333,0.5,0.4,2
        "egg, round",0.6666666666666666,1.0,0.8,2
        salp,0.0,0.0,0.0,2
        accuracy,,,0.5,6
        balanced accuracy,,,0.5,6
        macro avg,0.3333333333333333,0.5,0.4000000000000001,6
        weighted avg,0.3333333333333333,0.5,0.4000000000000001,6

        """
        XCTAssertEqual(csv, expected)
        XCTAssertEqual(try CSV.parse(csv).count, 8)
    }

    func testConfusionAndPredictionsCSV() {
        let confusion = ConfusionMatrix(truth: [0, 0, 1, 2], predicted: [0, 2, 1, 2], classCount: 3)
        XCTAssertEqual(confusion.csv(classNames: names), """
        true\\predicted,copepod,"egg, round",salp
        copepod,1,0,1
        "egg, round",0,1,0
        salp,0,0,1

        """)
        XCTAssertEqual(ReportFiles.predictionsCSV(truth: [0, 2], predicted: [1, 2], classNames: names, paths: ["a/1.jpg", "b/2.jpg"]), """
        row,path,true,predicted
        0,a/1.jpg,copepod,"egg, round"
        1,b/2.jpg,salp,salp

        """)
    }

    /// The majority rule's unclaimed clusters are `Unknown`: a column of the confusion
    /// matrix, a prediction, a mapping row; their points count as errors.
    func testUnknownClusters() {
        // Clusters 0, 1, 2; classes 0, 1, 2. Class 0 and 1 both pick cluster 0 (1 overwrites),
        // class 2 picks cluster 2; cluster 1 is unclaimed.
        let mapping = ClusterMapping.majority(clusters: [0, 0, 0, 1, 2, 2], classes: [0, 1, 1, 0, 2, 2], clusterCount: 3, classCount: 3)
        XCTAssertEqual(mapping.classOfCluster, [1, ClusterMapping.unknown, 2])
        let predicted = mapping.predict([0, 0, 0, 1, 2, 2])
        let confusion = ConfusionMatrix(truth: [0, 1, 1, 0, 2, 2], predicted: predicted, classCount: 3)
        XCTAssertTrue(confusion.hasUnknownColumn)
        XCTAssertEqual(confusion.csv(classNames: names), """
        true\\predicted,copepod,"egg, round",salp,Unknown
        copepod,0,1,0,1
        "egg, round",0,2,0,0
        salp,0,0,2,0

        """)
        XCTAssertEqual(ClassificationReport(confusion).accuracy, 4.0 / 6.0)
        XCTAssertEqual(ReportFiles.mappingCSV(mapping, classNames: names), """
        cluster,class,assigned,count,size
        0,"egg, round",true,2,3
        1,Unknown,false,0,1
        2,salp,true,2,2

        """)
        XCTAssert(ReportFiles.predictionsCSV(truth: [0, 1, 1, 0, 2, 2], predicted: predicted, classNames: names).contains("3,,copepod,Unknown\n"))
    }

    func testMappingAndTSNECSV() {
        let mapping = ClusterMapping.majority(clusters: [0, 0, 1, 1, 1, 2], classes: [0, 0, 0, 1, 1, 2], clusterCount: 3, classCount: 3)
        XCTAssertEqual(ReportFiles.mappingCSV(mapping, classNames: names), """
        cluster,class,assigned,count,size
        0,copepod,true,2,2
        1,"egg, round",true,2,3
        2,salp,true,1,1

        """)
        XCTAssertEqual(ReportFiles.tsneCSV([1.5, -2, 0.1, 3], labels: [2, 0], classNames: names), """
        row,path,class,x,y
        0,,salp,1.5,-2.0
        1,,copepod,0.1,3.0

        """)
    }

    func testWriteClassifierAndKMeansFolders() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let f = Fixture.shared
        let train = f.split(fit: true), test = f.split(fit: false)
        let names = ["a", "b", "c", "d"]
        let evaluation = KMeansEvaluation.run(fit: train.x, n: train.n, d: f.d, labels: train.labels,
                                              test: test.x, testCount: test.n, testLabels: test.labels, classCount: 4,
                                              config: KMeansConfig(clusters: 4, restarts: 5, seed: 1))
        try evaluation.write(to: dir.appending("kmeans"), testLabels: test.labels, classNames: names)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appending("kmeans").path).sorted()
        XCTAssertEqual(files, ["classification_report.csv", "confusion.csv", "mapping.csv", "predictions.csv"])
        XCTAssertEqual(Set(evaluation.mapping.classOfCluster), [0, 1, 2, 3], "Hungarian is one-to-one")
        XCTAssertGreaterThan(evaluation.report.accuracy, 0.5)
        XCTAssertEqual(evaluation.nmi, ClusterMetrics.nmi(test.labels, evaluation.testClusters))
        let again = KMeansEvaluation.run(fit: train.x, n: train.n, d: f.d, labels: train.labels,
                                         test: test.x, testCount: test.n, testLabels: test.labels, classCount: 4,
                                         config: KMeansConfig(clusters: 4, restarts: 5, seed: 1))
        XCTAssertEqual(again.predicted, evaluation.predicted)
    }
}
