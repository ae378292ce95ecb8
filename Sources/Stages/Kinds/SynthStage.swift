import Datasets
import Experiment
import Foundation
import Imaging
import Linalg
import Pipeline
import Storage

/// `synth`: draws the synthetic plankton set and rescales it into an image store
/// (`store/pixels.u8`, `store/index.csv`, `store/store.json`).
struct SynthStage: ParameterizedStage {
    struct Parameters: StageParameters {
        var seed: Int
        var synthetic: Synthetic
        var rescale: RescaleSettings

        struct Synthetic: Codable, Hashable, Sendable {
            var classes: Int
            var perClass: Int
            var imageSize: Int
            enum CodingKeys: String, CodingKey {
                case classes
                case perClass = "per_class"
                case imageSize = "image_size"
            }
        }

        enum CodingKeys: String, CodingKey {
            case seed
            case synthetic = "data.synthetic"
            case rescale
        }
    }

    let kind = "synth"
    let version = 1
    let parameters: Parameters
    var inputs: [String] { [] }

    func publishedPath(of file: String) -> String? { nil }

    func run(_ context: StageContext) throws {
        let p = parameters
        let generator = try SyntheticPlankton(seed: UInt64(p.seed), classes: p.synthetic.classes, size: p.synthetic.imageSize)
        let perClass = p.synthetic.perClass
        let rescaler = p.rescale.rescaler
        let names = generator.classNames
        let writer = try ImageStoreWriter(directory: context.work.appendingPathComponent("store"), side: rescaler.side, classes: names)
        let total = names.count * perClass
        let batch = 512
        var start = 0
        while start < total {
            let count = min(batch, total - start)
            var images = [GrayImage?](repeating: nil, count: count)
            images.withUnsafeMutableBufferPointer { slots in
                let base = slots.baseAddress!
                try? Parallel.forEach(count, threads: Parallel.cores) { i in
                    let n = start + i
                    base[i] = rescaler.rescale(generator.image(classIndex: n / perClass, index: n % perClass))
                }
            }
            for (i, image) in images.enumerated() {
                let n = start + i
                let c = n / perClass, k = n % perClass
                try writer.append(image!, path: "\(names[c])/\(names[c])-\(k).png", classIndex: c,
                                  sha256: SHA256.hex(image!.pixels))
            }
            start += count
            context.progress.status("synth: \(start)/\(total) images")
        }
        try writer.finish()
    }
}
