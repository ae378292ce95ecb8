import ArgumentParser
import Datasets
import Foundation
import Storage
import Imaging
import Linalg

/// `krill bench`: speed figures, one JSON object per run, medians over repeats.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed: one JSON object per run (medians over repeats).",
        subcommands: [BenchTrainCommand.self, BenchEmbedCommand.self, BenchTSNECommand.self, BenchSVMCommand.self,
                      BenchKMeansCommand.self, BenchSynthCommand.self, BenchDecodeCommand.self, BenchGemmCommand.self,
                      BenchFingerprintCommand.self])
}

/// Options shared by the benchmarks.
struct BenchOptions: ParsableArguments {
    @Option(help: "Timed repeats; the median is reported.")
    var repeats: Int = 5
    @Flag(help: "Print only the JSON object.")
    var json = false
}

/// Runs `body` `repeats` times after one warm-up and returns the median seconds.
func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try body()
    var times: [Double] = []
    for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return times.sorted()[times.count / 2]
}

/// Prints a benchmark result as one JSON line (keys sorted), plus a human line unless --json.
func printBench(_ fields: [String: Any], human: String?, jsonOnly: Bool) {
    let body = fields.keys.sorted().map { key -> String in
        let v = fields[key]!
        switch v {
        case let d as Double: return "\"\(key)\":\(String(format: "%.6g", d))"
        case let i as Int: return "\"\(key)\":\(i)"
        default: return "\"\(key)\":\"\(v)\""
        }
    }.joined(separator: ",")
    print("{\(body)}")
    if !jsonOnly, let human { FileHandle.standardError.write(Data((human + "\n").utf8)) }
}

struct BenchSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "synth", abstract: "Synthetic plankton generator: images per second on one thread.")
    @Option(help: "Image side in pixels.") var size: Int = 96
    @Option(help: "Images per repeat.") var count: Int = 2000
    @OptionGroup var options: BenchOptions

    func run() throws {
        let generator = try SyntheticPlankton(seed: 1, classes: 13, size: size)
        let seconds = medianSeconds(repeats: options.repeats) {
            for i in 0..<count { _ = generator.image(classIndex: i % 13, index: i) }
        }
        printBench(["bench": "synth", "size": size, "images": count, "seconds": seconds,
                    "images_per_second": Double(count) / seconds, "peak_rss_bytes": ProcessMemory.peakResidentBytes()],
                   human: String(format: "synth %d px: %.0f images/s (one thread)", size, Double(count) / seconds),
                   jsonOnly: options.json)
    }
}

struct BenchDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "PNG decoding (and rescaling to 64 px): images per second on one thread.")
    @Option(help: "Side of the encoded images in pixels.") var size: Int = 300
    @Option(help: "Images per repeat.") var count: Int = 300
    @OptionGroup var options: BenchOptions

    func run() throws {
        let generator = try SyntheticPlankton(seed: 1, classes: 13, size: size)
        let files = try (0..<count).map { try PNGEncoder.encode(generator.image(classIndex: $0 % 13, index: $0)) }
        let decode = try medianSeconds(repeats: options.repeats) {
            for (i, f) in files.enumerated() { _ = try ImageDecoder.decodeGray(data: f, name: "\(i).png") }
        }
        let images = try files.enumerated().map { try ImageDecoder.decodeGray(data: $1, name: "\($0).png") }
        let rescaler = Rescaler(side: 64)
        let rescale = medianSeconds(repeats: options.repeats) { for image in images { _ = rescaler.rescale(image) } }
        printBench(["bench": "decode", "format": "png", "size": size, "images": count, "seconds": decode,
                    "images_per_second": Double(count) / decode, "rescale_images_per_second": Double(count) / rescale,
                    "peak_rss_bytes": ProcessMemory.peakResidentBytes()],
                   human: String(format: "decode PNG %d px: %.0f images/s; rescale to 64 px: %.0f images/s (one thread)",
                                 size, Double(count) / decode, Double(count) / rescale),
                   jsonOnly: options.json)
    }
}

struct BenchGemmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "OpenBLAS sgemm against the naive reference loop: GFLOP/s.")
    @Option(help: "Square matrix side.") var n: Int = 512
    @OptionGroup var options: BenchOptions

    func run() throws {
        var rng = RandomStream(seed: 1, "bench-gemm")
        let a = Matrix(rows: n, cols: n, data: (0..<(n * n)).map { _ in rng.uniform(-1, 1) })
        let b = Matrix(rows: n, cols: n, data: (0..<(n * n)).map { _ in rng.uniform(-1, 1) })
        var c = Matrix(rows: n, cols: n)
        let blas = medianSeconds(repeats: options.repeats) { Gemm.multiply(a, b, into: &c) }
        let small = min(n, 128)
        let sa = Matrix(rows: small, cols: small, data: Array(a.data.prefix(small * small)))
        var sc = Matrix(rows: small, cols: small)
        let naive = medianSeconds(repeats: 1) { Gemm.multiply(sa, sa, into: &sc, reference: true) }
        let flops = 2 * pow(Double(n), 3), smallFlops = 2 * pow(Double(small), 3)
        printBench(["bench": "gemm", "n": n, "seconds": blas, "blas_gflops": flops / blas / 1e9,
                    "reference_gflops": smallFlops / naive / 1e9, "peak_rss_bytes": ProcessMemory.peakResidentBytes()],
                   human: String(format: "sgemm %d: OpenBLAS %.1f GFLOP/s, naive reference %.2f GFLOP/s (%d)", n, flops / blas / 1e9, smallFlops / naive / 1e9, small),
                   jsonOnly: options.json)
    }
}
