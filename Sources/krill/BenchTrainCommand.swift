import ArgumentParser
import ConvNet
import Foundation

/// `krill bench train`: training throughput of the reference network (forward, std_triplet
/// loss, backward, Adam update) on synthetic images.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training throughput of the ConvNet (images per second, forward + backward + update).")

    @Option(help: "Image side in pixels.") var size = 64
    @Option(help: "Triplets per step (3 images each).") var batch = 32
    @Option(help: "Timed steps (after 2 warm-up steps).") var steps = 10
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Convolution channels per block, comma-separated.") var channels = "32,64,128,128"
    @Option(help: "Embedding dimension.") var embedding = 64
    @Flag(help: "Print one JSON object instead of a sentence.") var json = false

    func run() throws {
        let config = try benchNetwork(channels: channels, embedding: embedding)
        guard size >= 2, batch >= 1, steps >= 1, threads >= 1 else { throw CommandFailure.usage("--size, --batch, --steps and --threads must be positive") }
        let r = try ConvNetBenchmark.train(size: size, triplets: batch, steps: steps, threads: threads, network: config)
        if json {
            print(r.json)
        } else {
            print(String(format: "train: %.1f images/s (%d images per step, %d steps in %.2f s, %.2f CPU s, %d threads), peak RSS %.0f MiB",
                         r.imagesPerSecond, r.batch, r.steps, r.seconds, r.cpuSeconds, r.threads, Double(r.peakRssBytes) / 1_048_576))
        }
    }
}

/// `krill bench embed`: inference throughput of the reference network.
struct BenchEmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Inference throughput of the ConvNet (images per second).")

    @Option(help: "Image side in pixels.") var size = 64
    @Option(help: "Images per forward pass.") var batch = 256
    @Option(help: "Timed batches (after 1 warm-up batch).") var steps = 10
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Convolution channels per block, comma-separated.") var channels = "32,64,128,128"
    @Option(help: "Embedding dimension.") var embedding = 64
    @Flag(help: "Print one JSON object instead of a sentence.") var json = false

    func run() throws {
        let config = try benchNetwork(channels: channels, embedding: embedding)
        guard size >= 2, batch >= 1, steps >= 1, threads >= 1 else { throw CommandFailure.usage("--size, --batch, --steps and --threads must be positive") }
        let r = try ConvNetBenchmark.embed(size: size, batch: batch, steps: steps, threads: threads, network: config)
        if json {
            print(r.json)
        } else {
            print(String(format: "embed: %.1f images/s (%d images per batch, %d batches in %.2f s, %.2f CPU s, %d threads), peak RSS %.0f MiB",
                         r.imagesPerSecond, r.batch, r.steps, r.seconds, r.cpuSeconds, r.threads, Double(r.peakRssBytes) / 1_048_576))
        }
    }
}

/// The benchmark network from the command-line options.
private func benchNetwork(channels: String, embedding: Int) throws -> NetworkConfig {
    let list = channels.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !list.isEmpty, list.allSatisfy({ ($0 ?? 0) > 0 }), embedding > 0 else {
        throw CommandFailure.usage("--channels must be positive integers separated by commas, --embedding positive")
    }
    return NetworkConfig(channels: list.map { $0! }, embedding: embedding)
}
