@testable import Experiment
import Foundation
import XCTest

/// experiments/README.md must document every key with its default, as the schema declares
/// it. `KRILL_RECORD=1` re-records the generated part.
final class SchemaDocsTests: XCTestCase {
    static let marker = "<!-- generated from the schema: do not edit below -->\n"

    var readme: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("experiments/README.md")
    }

    func testReadmeMatchesTheSchema() throws {
        let text = try String(contentsOf: readme, encoding: .utf8)
        guard let range = text.range(of: SchemaDocsTests.marker) else { return XCTFail("experiments/README.md lacks the generated-section marker") }
        let expected = SchemaDocs.markdown
        if ProcessInfo.processInfo.environment["KRILL_RECORD"] == "1" {
            try (String(text[..<range.upperBound]) + expected).write(to: readme, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(String(text[range.upperBound...]), expected,
                       "experiments/README.md is out of date: run KRILL_RECORD=1 swift test --filter SchemaDocsTests")
    }

    func testEveryKeyIsDocumented() {
        let docs = SchemaDocs.markdown
        for key in ExperimentSchema.keys {
            XCTAssert(docs.contains("| `\(key.name)` |"), "\(key.path) missing from the docs")
            XCTAssertFalse(key.doc.isEmpty, "\(key.path) has no doc line")
        }
    }
}
