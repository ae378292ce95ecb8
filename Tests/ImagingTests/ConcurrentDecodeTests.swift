import Dispatch
import Foundation
import Imaging
import XCTest

/// The shim keeps no global state: decodes (good and bad) on many threads at once give
/// the same results as one at a time.
final class ConcurrentDecodeTests: XCTestCase {
    func testParallelDecodesAgreeWithSerialOnes() throws {
        let names = ["grey8.png", "rgba16.png", "palette.png", "interlaced.png", "texture.jpg", "progressive.jpg", "rgb.jpg"]
        let inputs = try names.map { try Fixture.data($0) }
        let expected = try zip(names, inputs).map { try ImageDecoder.decodeGray(data: $1, name: $0) }
        let truncated = inputs.map { $0.prefix($0.count / 2) }
        let results = Results(count: 64)
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            let k = i % names.count
            let good = try? ImageDecoder.decodeGray(data: inputs[k], name: names[k])
            let bad = (try? ImageDecoder.decodeGray(data: truncated[k], name: names[k])) == nil
            let rescaled = good?.rescaled(toSquare: 16, fit: .pad)
            results.set(i, good == expected[k] && bad && rescaled == expected[k].rescaled(toSquare: 16, fit: .pad))
        }
        XCTAssertEqual(results.values, [Bool](repeating: true, count: 64))
    }
}

/// A lock-protected result array for the worker threads.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Bool]

    init(count: Int) { storage = [Bool](repeating: false, count: count) }

    func set(_ index: Int, _ value: Bool) {
        lock.lock()
        storage[index] = value
        lock.unlock()
    }

    var values: [Bool] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
