import Foundation
import FuzzTargets
import XCTest

/// Every input of the committed fuzzing corpus (`Fuzz/Corpus/<harness>/`, seeds and
/// whatever `make fuzz` found worth keeping) goes through its harness again: none may crash.
final class CorpusReplayTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

    func testEveryHarnessHasACorpusAndReplaysIt() throws {
        for (name, run) in FuzzTargets.all {
            let folder = CorpusReplayTests.corpus.appendingPathComponent(name)
            let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
            XCTAssertGreaterThanOrEqual(files.count, 3, "\(name): the seed corpus is missing")
            for file in files { run(try Data(contentsOf: folder.appendingPathComponent(file))) }
        }
    }
}
