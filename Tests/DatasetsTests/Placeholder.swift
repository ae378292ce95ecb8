import XCTest
final class DatasetsTestsPlaceholder: XCTestCase { func testNothingYet() {} }
