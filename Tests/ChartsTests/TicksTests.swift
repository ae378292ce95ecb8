import Charts
import XCTest

final class TicksTests: XCTestCase {
    func testNiceStepsFollowTheOneTwoFiveRule() {
        XCTAssertEqual(Ticks.niceStep(span: 10, target: 5), 2)
        XCTAssertEqual(Ticks.niceStep(span: 30.7, target: 6), 5)
        XCTAssertEqual(Ticks.niceStep(span: 1.3, target: 5), 0.2, accuracy: 1e-12)
        XCTAssertEqual(Ticks.niceStep(span: 0.0042, target: 4), 0.001, accuracy: 1e-15)
        XCTAssertEqual(Ticks.niceStep(span: 700, target: 5), 100)
        XCTAssertEqual(Ticks.niceStep(span: 900, target: 5), 200)
    }

    func testLinearTicksAreMultiplesInsideTheRange() {
        XCTAssertEqual(Ticks.linear(0.13, 30.9, target: 6, integer: true), [5, 10, 15, 20, 25, 30])
        XCTAssertEqual(Ticks.labels(Ticks.linear(0, 1, target: 5)), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(Ticks.labels([-1, 0, 1]), ["\u{2212}1", "0", "1"])
        XCTAssertEqual(Ticks.linear(0, 2.5, target: 2, integer: true), [0, 1, 2])
    }

    func testLogTicksAndLabels() {
        XCTAssertEqual(Ticks.log(1e-6, 1e-2, target: 5).count, 5)
        XCTAssertEqual(Ticks.labels(Ticks.log(1e-6, 1e-2, target: 5), scale: .log), ["10⁻⁶", "10⁻⁵", "10⁻⁴", "10⁻³", "10⁻²"])
        XCTAssertEqual(Ticks.labels([0.001, 0.01, 0.1], scale: .log), ["0.001", "0.01", "0.1"])
        XCTAssertEqual(Ticks.scientific(5e-4), "5×10⁻⁴")
        XCTAssertEqual(Ticks.scientific(2.5e7), "2.5×10⁷")
        XCTAssertEqual(Ticks.compact(0.12345), "0.123")
        XCTAssertEqual(Ticks.compact(100), "100")
        XCTAssertEqual(Ticks.plain(-0.0001, decimals: 2), "0.00")
    }
}
