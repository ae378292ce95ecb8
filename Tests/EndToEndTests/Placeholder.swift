import XCTest
final class EndToEndPlaceholder: XCTestCase { func testNothingYet() {} }
