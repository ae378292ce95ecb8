import XCTest
final class CLibrariesTestsPlaceholder: XCTestCase { func testNothingYet() {} }
