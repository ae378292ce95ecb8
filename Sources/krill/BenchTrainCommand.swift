import ArgumentParser
import ConvNet
import Foundation

/// Options shared by `krill bench train` and `krill bench embed`.
struct ConvNetBenchOptions: ParsableArguments {
    @Option(help: "Image side in pixels.") var size = 64
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Convolution channels per block, comma-separated.") var channels = "32,64,128,128"
    @Option(help: "Embedding dimension.") var embedding = 64
    @Option(help: "plain (the channels above), resnet18 or resnet34 (torchvision's layout, ImageNet stem, grey input).")
    var architecture = "plain"
    @Flag(help: "Print one JSON object instead of a sentence.") var json = false

    /// The benchmark network; `batch` and `steps` are checked with the rest.
    func network(batch: Int, steps: Int) throws -> NetworkConfig {
        guard size >= 2, batch >= 1, steps >= 1, threads >= 1 else {
            throw CommandFailure.usage("--size, --batch, --steps and --threads must be positive")
        }
        let list = channels.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ ($0 ?? 0) > 0 }), embedding > 0 else {
            throw CommandFailure.usage("--channels must be positive integers separated by commas, --embedding positive")
        }
        switch architecture {
        case "plain": return NetworkConfig(channels: list.map { $0! }, embedding: embedding)
        case "resnet18": return NetworkConfig(embedding: embedding, resnet: ResNetConfig(blocks: [2, 2, 2, 2]))
        case "resnet34": return NetworkConfig(embedding: embedding, resnet: ResNetConfig(blocks: [3, 4, 6, 3]))
        default: throw CommandFailure.usage("--architecture is plain, resnet18 or resnet34, got '\(architecture)'")
        }
    }

    /// Prints a result as JSON or as one sentence (`unit`/`units`: "step"/"steps" or "batch"/"batches").
    func report(_ name: String, _ r: ConvNetBenchmark.Result, unit: String, units: String) {
        if json {
            print(r.json)
        } else {
            print("\(name): " + String(format: "%.1f", r.imagesPerSecond) + " images/s (\(r.batch) images per \(unit), "
                  + "\(r.steps) \(units) in " + String(format: "%.2f s, %.2f CPU s", r.seconds, r.cpuSeconds)
                  + ", \(r.threads) threads), peak RSS " + String(format: "%.0f MiB", Double(r.peakRssBytes) / 1_048_576))
        }
    }
}

/// `krill bench train`: training throughput of the reference network (forward, std_triplet
/// loss, backward, Adam update) on synthetic images.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training throughput of the ConvNet (images per second, forward + backward + update).")

    @Option(help: "Triplets per step (3 images each).") var batch = 32
    @Option(help: "Timed steps (after 2 warm-up steps).") var steps = 10
    @OptionGroup var options: ConvNetBenchOptions

    func run() throws {
        let config = try options.network(batch: batch, steps: steps)
        let r = try ConvNetBenchmark.train(size: options.size, triplets: batch, steps: steps, threads: options.threads, network: config)
        options.report("train", r, unit: "step", units: "steps")
    }
}

/// `krill bench embed`: inference throughput of the reference network.
struct BenchEmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Inference throughput of the ConvNet (images per second).")

    @Option(help: "Images per forward pass.") var batch = 256
    @Option(help: "Timed batches (after 1 warm-up batch).") var steps = 10
    @OptionGroup var options: ConvNetBenchOptions

    func run() throws {
        let config = try options.network(batch: batch, steps: steps)
        let r = try ConvNetBenchmark.embed(size: options.size, batch: batch, steps: steps, threads: options.threads, network: config)
        options.report("embed", r, unit: "batch", units: "batches")
    }
}
