import Foundation
import Storage
import Linalg

/// Throughput of the training step and of inference on synthetic inputs, for
/// `krill bench train|embed` and the peer comparison in `bench/`.
///
/// The reference network: 64 x 64 x 1 input, channels [32, 64, 128, 128], embedding 64,
/// l2 output, std_triplet (margin 0.5), Adam (lr 0.001), 32 triplets = 96 images per step.
public enum ConvNetBenchmark {
    public struct Result: Codable, Equatable, Sendable {
        /// "train" or "embed".
        public var benchmark: String
        /// Image side in pixels.
        public var size: Int
        /// Images per step (train: 3 x triplets).
        public var batch: Int
        /// Timed steps (after `warmupSteps` untimed ones).
        public var steps: Int
        public var warmupSteps: Int
        /// Worker threads (ConvNet runs BLAS single-threaded inside each; see `Workers`).
        public var threads: Int
        public var channels: [Int]
        /// `plain`, or the ResNet's blocks (`resnet[2, 2, 2, 2]`).
        public var architecture: String?
        public var embedding: Int
        /// Wall-clock seconds of the timed steps.
        public var seconds: Double
        /// CPU seconds of the process (all threads) during the timed steps: on a busy
        /// machine, cpuSeconds / threads is a steadier measure than `seconds`.
        public var cpuSeconds: Double
        public var imagesPerSecond: Double
        /// Peak resident set size of the process (VmHWM), bytes.
        public var peakRssBytes: Int
        /// Mean loss of the timed steps (train only; a sanity check that the step did work).
        public var meanLoss: Double?

        enum CodingKeys: String, CodingKey {
            case benchmark, size, batch, steps, threads, channels, embedding, seconds, architecture
            case warmupSteps = "warmup_steps"
            case cpuSeconds = "cpu_seconds"
            case imagesPerSecond = "images_per_second"
            case peakRssBytes = "peak_rss_bytes"
            case meanLoss = "mean_loss"
        }

        /// One line of JSON with sorted keys.
        public var json: String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
        }
    }



    /// `plain`, `resnet18`, `resnet34` or `resnet` (the peers' names for the network).
    static func name(_ config: NetworkConfig) -> String {
        guard let r = config.resnet else { return "plain" }
        guard r.widths == [64, 128, 256, 512] else { return "resnet" }
        return r.blocks == [2, 2, 2, 2] ? "resnet18" : r.blocks == [3, 4, 6, 3] ? "resnet34" : "resnet"
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// CPU time of the whole process in seconds.
    public static func processCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Random images in [0, 1) (the normalised input range).
    static func randomInput(count: Int, seed: UInt64) -> FloatBuffer {
        let b = FloatBuffer(count: count)
        var rng = RandomStream(seed: seed, "bench-input")
        for i in 0..<count { b[i] = rng.uniform() }
        return b
    }

    /// Training throughput: forward + std_triplet loss + backward + Adam update per step.
    /// - Parameters:
    ///   - size: image side S.
    ///   - triplets: triplets per step (3 x triplets images).
    public static func train(size: Int = 64, triplets: Int = 32, steps: Int = 10, warmupSteps: Int = 2, threads: Int = 2,
                             network config: NetworkConfig = NetworkConfig()) throws -> Result {
        try Workers.withSingleThreadedBLAS { try trainSteps(size: size, triplets: triplets, steps: steps, warmupSteps: warmupSteps,
                                                            threads: threads, config: config) }
    }

    static func trainSteps(size: Int, triplets: Int, steps: Int, warmupSteps: Int, threads: Int, config: NetworkConfig) throws -> Result {
        let net = try Network(config: config, inputSide: size, seed: 1)
        net.threads = threads
        let optimizer = Optimizer(config: .adam(lr: 0.001), layout: net.layout)
        let loss = TripletLoss(LossConfig(variant: .stdTriplet, margin: 0.5))
        let n = 3 * triplets
        let input = randomInput(count: n * size * size, seed: 1)
        let batch = LossBatch.triplets(anchorLabels: (0..<triplets).map { $0 % 8 }, negativeLabels: (0..<triplets).map { ($0 + 1) % 8 })
        let grad = FloatBuffer(count: n * config.embedding)
        var total = 0.0
        var start = 0.0, cpuStart = 0.0
        for step in 0..<(warmupSteps + steps) {
            if step == warmupSteps { start = now(); cpuStart = processCPUSeconds() }
            let e = net.forward(input: input.pointer, n: n, training: true)
            let value = loss.compute(embeddings: e, d: config.embedding, batch: batch, gradient: grad.pointer)
            net.backward(dEmbeddings: grad.pointer)
            optimizer.update(parameters: net.parameters, gradients: net.gradients, lr: 0.001)
            if step >= warmupSteps { total += Double(value) }
        }
        let seconds = now() - start
        let cpu = processCPUSeconds() - cpuStart
        return Result(benchmark: "train", size: size, batch: n, steps: steps, warmupSteps: warmupSteps, threads: threads,
                      channels: config.channels, architecture: name(config),
                      embedding: config.embedding, seconds: seconds, cpuSeconds: cpu,
                      imagesPerSecond: Double(n * steps) / seconds, peakRssBytes: ProcessMemory.peakResidentBytes(),
                      meanLoss: total / Double(max(steps, 1)))
    }

    /// Inference throughput: forward passes in inference mode over batches of `batch` images.
    public static func embed(size: Int = 64, batch: Int = 256, steps: Int = 10, warmupSteps: Int = 1, threads: Int = 2,
                             network config: NetworkConfig = NetworkConfig()) throws -> Result {
        try Workers.withSingleThreadedBLAS { try embedSteps(size: size, batch: batch, steps: steps, warmupSteps: warmupSteps,
                                                            threads: threads, config: config) }
    }

    static func embedSteps(size: Int, batch: Int, steps: Int, warmupSteps: Int, threads: Int, config: NetworkConfig) throws -> Result {
        let net = try Network(config: config, inputSide: size, seed: 1)
        net.threads = threads
        let input = randomInput(count: batch * size * size, seed: 2)
        var start = 0.0, cpuStart = 0.0
        for step in 0..<(warmupSteps + steps) {
            if step == warmupSteps { start = now(); cpuStart = processCPUSeconds() }
            net.forward(input: input.pointer, n: batch, training: false)
        }
        let seconds = now() - start
        let cpu = processCPUSeconds() - cpuStart
        return Result(benchmark: "embed", size: size, batch: batch, steps: steps, warmupSteps: warmupSteps, threads: threads,
                      channels: config.channels, architecture: name(config),
                      embedding: config.embedding, seconds: seconds, cpuSeconds: cpu,
                      imagesPerSecond: Double(batch * steps) / seconds, peakRssBytes: ProcessMemory.peakResidentBytes(), meanLoss: nil)
    }
}
