import XCTest

/// Asserts that two Float sequences agree elementwise within `tolerance + relative * max(|a|, |e|)`.
/// On failure it reports how many values are outside, and the largest difference with its index.
public func expectClose<A: Collection, B: Collection>(
    _ actual: A, _ expected: B, tolerance: Float, relative: Float = 0,
    _ message: @autoclosure () -> String = "", file: StaticString = #filePath, line: UInt = #line
) where A.Element == Float, B.Element == Float {
    XCTAssertEqual(actual.count, expected.count, "lengths differ. \(message())", file: file, line: line)
    var outside = 0
    var worst: Float = -1
    var worstIndex = 0
    var worstPair: (Float, Float) = (0, 0)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let diff = abs(a - e)
        if !(diff <= tolerance + relative * max(abs(a), abs(e))) { outside += 1 }
        if diff.isNaN || diff > worst {
            worst = diff.isNaN ? .infinity : diff
            worstIndex = i
            worstPair = (a, e)
        }
    }
    if outside > 0 {
        XCTFail("\(outside) of \(actual.count) values outside tolerance \(tolerance) (relative \(relative)); "
                + "largest difference \(worst) at index \(worstIndex): actual \(worstPair.0), "
                + "expected \(worstPair.1). \(message())", file: file, line: line)
    }
}

/// The largest absolute difference between two Float sequences (for messages and reports).
public func maxAbsDifference<A: Collection, B: Collection>(_ a: A, _ b: B) -> Float
where A.Element == Float, B.Element == Float {
    zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}
