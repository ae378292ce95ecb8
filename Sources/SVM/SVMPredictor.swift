import Foundation
import Linalg

/// What a trained C-SVC needs to classify: the kernel, the support vectors grouped by class,
/// their one-vs-one coefficients and the pairwise offsets rho, exactly as libsvm left them.
/// A plain value: it is saved with the `svm` stage (`svm_model.bin`, `encoded()`) and read
/// back by `krill classify` (`init(decoding:)`), which then predicts exactly what the stage
/// predicted.
public struct SVMPredictor: Sendable, Equatable {
    public let kernel: SVMConfig.Kernel
    public let gamma: Double
    public let coef0: Double
    public let degree: Int
    /// Feature count D.
    public let dimensions: Int
    /// The class labels in libsvm's order (increasing).
    public let classes: [Int]
    /// Support vectors per class (in `classes` order).
    public let counts: [Int]
    /// l x D support vectors, grouped by class.
    public let supportVectors: [Double]
    /// Per class c, (k - 1) x counts[c]: row r holds libsvm's `sv_coef[r]` over class c's
    /// support vectors.
    public let coefficients: [[Double]]
    /// The k (k - 1) / 2 offsets of the pairwise decision functions, pairs (i, j), i < j,
    /// in libsvm's order.
    public let rho: [Double]
    /// Names of the labels (`names[label]`), when the caller gave them; may be empty.
    public let names: [String]

    let supportSquares: [Double]

    public init(kernel: SVMConfig.Kernel, gamma: Double, coef0: Double, degree: Int, dimensions: Int, classes: [Int],
                counts: [Int], supportVectors: [Double], coefficients: [[Double]], rho: [Double], names: [String] = []) {
        precondition(counts.count == classes.count && coefficients.count == classes.count, "SVM predictor: one count and coefficient block per class")
        precondition(supportVectors.count == counts.reduce(0, +) * dimensions, "SVM predictor: support vectors do not match the counts")
        precondition(rho.count == classes.count * (classes.count - 1) / 2, "SVM predictor: k (k - 1) / 2 offsets expected")
        self.kernel = kernel
        self.gamma = gamma
        self.coef0 = coef0
        self.degree = degree
        self.dimensions = dimensions
        self.classes = classes
        self.counts = counts
        self.supportVectors = supportVectors
        self.coefficients = coefficients
        self.rho = rho
        self.names = names
        supportSquares = supportVectors.withUnsafeBufferPointer { KernelMatrix.squares($0.baseAddress!, n: counts.reduce(0, +), d: dimensions) }
    }

    /// The same predictor with label names attached (saved with it).
    public func named(_ names: [String]) -> SVMPredictor {
        SVMPredictor(kernel: kernel, gamma: gamma, coef0: coef0, degree: degree, dimensions: dimensions, classes: classes,
                     counts: counts, supportVectors: supportVectors, coefficients: coefficients, rho: rho, names: names)
    }

    public static func == (a: SVMPredictor, b: SVMPredictor) -> Bool {
        a.kernel == b.kernel && a.gamma.bitPattern == b.gamma.bitPattern && a.coef0.bitPattern == b.coef0.bitPattern
            && a.degree == b.degree && a.dimensions == b.dimensions && a.classes == b.classes && a.counts == b.counts
            && a.supportVectors.map(\.bitPattern) == b.supportVectors.map(\.bitPattern)
            && a.coefficients.map { $0.map(\.bitPattern) } == b.coefficients.map { $0.map(\.bitPattern) }
            && a.rho.map(\.bitPattern) == b.rho.map(\.bitPattern) && a.names == b.names
    }

    /// One row's one-vs-one vote: the winner (libsvm's: the first class with the most
    /// votes), the runner-up (the next most votes, ties to the earlier class) and their
    /// votes out of k - 1 pairings each.
    public struct Vote: Sendable, Equatable {
        public let best: Int
        public let bestVotes: Int
        /// nil with a single class.
        public let second: Int?
        public let secondVotes: Int
    }

    /// The predicted class of each of the n rows of `x` (n x d, row-major).
    public func predict(_ x: [Float], n: Int, threads: Int = 2) -> [Int] {
        vote(x, n: n, threads: threads).map(\.best)
    }

    /// libsvm's one-vs-one vote for each of the n rows of `x` (n x d), computed in bulk: the
    /// kernel between a block of rows and all support vectors by one dgemm, each class's
    /// share of every pairwise decision value by one dgemm with its coefficients, then
    /// dec(i, j) = share_i[j-1] + share_j[i] - rho votes for i when positive, else for j, as
    /// in `svm_predict_values`. (Only the summation order differs from libsvm's loop.) Blocks
    /// of rows run on up to `threads` threads; the votes do not depend on it.
    public func vote(_ x: [Float], n: Int, threads: Int = 2) -> [Vote] {
        let d = dimensions
        precondition(x.count == n * d, "SVM predict: \(x.count) values for \(n) x \(d)")
        guard n > 0 else { return [] }
        let k = classes.count
        guard k > 1 else { return [Vote](repeating: Vote(best: classes.first ?? 0, bestVotes: 0, second: nil, secondVotes: 0), count: n) }
        let l = supportVectors.count / d
        let kernelMatrix = KernelMatrix(kernel: kernel, gamma: gamma, coef0: coef0, degree: degree)
        var starts = [0]
        for c in 0..<k { starts.append(starts[c] + counts[c]) }
        // Blocks of 512 rows, several at a time on `threads` threads (each block's arithmetic
        // is the same on any thread).
        let block = 512
        let blocks = (n + block - 1) / block
        var out = [Vote](repeating: Vote(best: 0, bestVotes: 0, second: nil, secondVotes: 0), count: n)
        out.withUnsafeMutableBufferPointer { ob in
            let op = ob.baseAddress!
            Gemm.withSingleThreadedBLAS {
                // Scratch once per run of blocks (a block's kernel rows are 512 x l Doubles).
                Parallel.forEachChunk(blocks, chunks: min(blocks, 8), threads: threads) { _, _, range in
                    var qx = [Double](repeating: 0, count: block * d)
                    var kv = [Double](repeating: 0, count: block * l)
                    var shares = (0..<k).map { _ in [Double](repeating: 0, count: block * (k - 1)) }
                    var votes = [Int](repeating: 0, count: k)
                    for b in range {
                        let r0 = b * block, m = min(block, n - r0)
                        for t in 0..<(m * d) { qx[t] = Double(x[r0 * d + t]) }
                        let qs = qx.withUnsafeBufferPointer { KernelMatrix.squares($0.baseAddress!, n: m, d: d) }
                        kv.withUnsafeMutableBufferPointer { kb in
                            qx.withUnsafeBufferPointer { qb in
                                supportVectors.withUnsafeBufferPointer { sb in
                                    supportSquares.withUnsafeBufferPointer { ssb in
                                        qs.withUnsafeBufferPointer { qsb in
                                            kernelMatrix.fill(kb.baseAddress!, a: qb.baseAddress!, m: m, aSquares: qsb.baseAddress!,
                                                              b: sb.baseAddress!, n: l, bSquares: ssb.baseAddress!, d: d)
                                        }
                                    }
                                }
                            }
                            for c in 0..<k where counts[c] > 0 {
                                coefficients[c].withUnsafeBufferPointer { cb in
                                    shares[c].withUnsafeMutableBufferPointer { hb in
                                        Gemm.dgemm(transB: true, m: m, n: k - 1, k: counts[c], a: kb.baseAddress! + starts[c], lda: l,
                                                   b: cb.baseAddress!, ldb: counts[c], c: hb.baseAddress!, ldc: k - 1)
                                    }
                                }
                            }
                        }
                        for t in 0..<m {
                            for c in 0..<k { votes[c] = 0 }
                            var p = 0
                            for i in 0..<k {
                                for j in (i + 1)..<k {
                                    let dec = shares[i][t * (k - 1) + (j - 1)] + shares[j][t * (k - 1) + i] - rho[p]
                                    if dec > 0 { votes[i] += 1 } else { votes[j] += 1 }
                                    p += 1
                                }
                            }
                            var best = 0
                            for c in 1..<k where votes[c] > votes[best] { best = c }
                            var second = best == 0 ? 1 : 0
                            for c in 0..<k where c != best && votes[c] > votes[second] { second = c }
                            op[r0 + t] = Vote(best: classes[best], bestVotes: votes[best], second: classes[second],
                                              secondVotes: votes[second])
                        }
                    }
                }
            }
        }
        return out
    }

    // MARK: - File form

    /// The file's first eight bytes.
    public static let magic = Array("KRSVM001".utf8)

    private struct Header: Codable {
        var kernel: SVMConfig.Kernel
        var degree: Int
        var dimensions: Int
        var classes: [Int]
        var counts: [Int]
        var names: [String]
    }

    /// The predictor as bytes: the magic `KRSVM001`, the length of a JSON header (UInt64,
    /// little-endian), the header (kernel, degree, dimensions, classes, counts, names), then
    /// little-endian Float64s: gamma, coef0, the support vectors, each class's coefficient
    /// block, rho. Every double keeps its exact bits.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = try! encoder.encode(Header(kernel: kernel, degree: degree, dimensions: dimensions, classes: classes,
                                                counts: counts, names: names))
        var out = SVMPredictor.magic
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out += $0 }
        out += header
        func put(_ values: [Double]) {
            out.reserveCapacity(out.count + values.count * 8)
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        }
        put([gamma, coef0])
        put(supportVectors)
        for block in coefficients { put(block) }
        put(rho)
        return out
    }

    /// Reads `encoded()` bytes.
    /// - Throws: `SVMError.invalidInput` naming what is wrong with them.
    public init(decoding bytes: [UInt8]) throws {
        func fail(_ why: String) -> SVMError { .invalidInput("not a krill SVM model: \(why)") }
        guard bytes.count >= 16, Array(bytes[0..<8]) == SVMPredictor.magic else { throw fail("bad magic") }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[8 + i]) << (8 * UInt64(i)) }
        guard length <= UInt64(bytes.count - 16) else { throw fail("header longer than the file") }
        let headerEnd = 16 + Int(length)
        guard let header = try? JSONDecoder().decode(Header.self, from: Data(bytes[16..<headerEnd])) else { throw fail("unreadable header") }
        let k = header.classes.count, d = header.dimensions, l = header.counts.reduce(0, +)
        guard k >= 1, d >= 1, header.counts.count == k, header.counts.allSatisfy({ $0 >= 0 }) else { throw fail("inconsistent header") }
        let doubles = 2 + l * d + header.counts.reduce(0) { $0 + $1 * (k - 1) } + k * (k - 1) / 2
        guard bytes.count - headerEnd == doubles * 8 else {
            throw fail("\(bytes.count - headerEnd) bytes of values, \(doubles * 8) expected")
        }
        var offset = headerEnd
        func take(_ count: Int) -> [Double] {
            var out = [Double](repeating: 0, count: count)
            for i in 0..<count {
                var bits: UInt64 = 0
                for b in 0..<8 { bits |= UInt64(bytes[offset + b]) << (8 * UInt64(b)) }
                out[i] = Double(bitPattern: bits)
                offset += 8
            }
            return out
        }
        let scalars = take(2)
        let sv = take(l * d)
        let blocks = header.counts.map { take($0 * (k - 1)) }
        let rho = take(k * (k - 1) / 2)
        self.init(kernel: header.kernel, gamma: scalars[0], coef0: scalars[1], degree: header.degree, dimensions: d,
                  classes: header.classes, counts: header.counts, supportVectors: sv, coefficients: blocks, rho: rho,
                  names: header.names)
    }
}
