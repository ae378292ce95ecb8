import ArgumentParser
import ConvNet
import Foundation
import Linalg
import Pipeline
import Stages
import Storage

/// The run and epoch whose model `embed`, `classify` and `export` use.
struct TrainedRunOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The run: a run folder, NAME (its latest run), NAME@n or NAME~k.", valueName: "run"))
    var run: String

    @Option(help: "The epoch whose weights to use (default: the run's last).")
    var epoch: Int?

    @OptionGroup var artifacts: ArtifactOptions

    func open() throws -> TrainedRun {
        do {
            return try TrainedRun(run, store: artifacts.store, epoch: epoch)
        } catch {
            throw CommandFailure.usage(describe(error))
        }
    }
}

/// Images named on the command line, decoded, rescaled as the run did and embedded.
struct NewImageOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("Images: JPEG or PNG files, or folders searched recursively.", valueName: "dir|file"))
    var inputs: [String]

    @Flag(name: .customLong("skip-unreadable"), help: "Skip files that do not decode (listed at the end) instead of stopping at the first.")
    var skipUnreadable = false

    func validate() throws {
        if inputs.isEmpty { throw ValidationError("give at least one image file or folder") }
    }

    /// Embeds the images with the run's network at its epoch, with progress on stderr.
    func embed(_ run: TrainedRun, keepPixels: Bool = false) throws -> NewImageEmbedding {
        let progress = StderrProgress()
        do {
            let images = try NewImages(inputs)
            let network = try run.network()
            let started = Date()
            let result = try NewImageEmbedding.run(images, rescaler: run.rescaler, network: network, skipUnreadable: skipUnreadable,
                                                   keepPixels: keepPixels) { done, total in
                let rate = Double(done) / max(Date().timeIntervalSince(started), 1e-9)
                progress.status(String(format: "embed: %d/%d images  %.0f images/s", done, total, rate))
            }
            let seconds = Date().timeIntervalSince(started)
            progress.line(String(format: "embedded %d images with %@ epoch %d in %.1f s (%.0f images/s)", result.paths.count,
                                 run.folder.label as NSString, run.epoch, seconds, Double(result.paths.count) / max(seconds, 1e-9)))
            if !result.skipped.isEmpty {
                progress.line("skipped \(result.skipped.count) unreadable file\(result.skipped.count == 1 ? "" : "s"):")
                for s in result.skipped { progress.line("  \(s.path): \(s.reason)") }
            }
            return result
        } catch let problem as TrainedRun.Problem {
            progress.endStatus()
            throw CommandFailure.usage(problem.description)
        }
    }
}

/// `krill embed RUN [--epoch E] DIR|FILE... -o OUT.npy`.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed new images with a trained run's network.",
        discussion: """
        Every image is decoded as grey, rescaled exactly as the run's experiment rescaled \
        its data (rescale: size, fit, upscale, background) and embedded with the weights of \
        the chosen epoch, in large batches. Writes OUT.npy (float32, one row per image, in \
        input order: folders in byte order) and OUT.csv (row,path) beside it.
        """)

    @OptionGroup var model: TrainedRunOptions
    @OptionGroup var images: NewImageOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("The embeddings file (.npy); OUT.csv is written beside it.", valueName: "out.npy"))
    var output: String

    @Option(name: .customLong("save-inputs"), help: ArgumentHelp("Also write the rescaled S x S images the network saw, as a uint8 .npy of shape (N, S, S).", valueName: "file.npy"))
    var saveInputs: String?

    func validate() throws {
        guard output.hasSuffix(".npy") else { throw ValidationError("-o must name a .npy file, got '\(output)'") }
    }

    func run() throws {
        let run = try model.open()
        let result = try images.embed(run, keepPixels: saveInputs != nil)
        let url = URL(fileURLWithPath: output)
        try NPY.write(result.embeddings.data, rows: result.embeddings.rows, cols: result.embeddings.cols, to: url)
        let csv = CSV.render(header: ["row", "path"], rows: result.paths.enumerated().map { [String($0), $1] })
        try AtomicFile.write(csv, to: url.deletingPathExtension().appendingPathExtension("csv"))
        if let saveInputs, let pixels = result.pixels {
            let side = run.rescaler.side
            try AtomicFile.write(NPY.encodeBytes(pixels, shape: [result.paths.count, side, side]), to: URL(fileURLWithPath: saveInputs))
        }
        print("\(output): \(result.embeddings.rows) x \(result.embeddings.cols)")
    }
}

/// `krill classify RUN [--epoch E] [--with svm|centroid] DIR|FILE... -o predictions.csv`.
struct ClassifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify",
        abstract: "Classify new images with a trained run's SVM or class centroids.",
        discussion: """
        Images are embedded as `krill embed` does, then classified by the run's SVM at that \
        epoch (its libsvm model, saved by the svm stage) or by the nearest of its class \
        centroids (the means of its training sample). Classifying the run's own test images \
        gives exactly its svm/predictions.csv.

        predictions.csv columns: path,predicted,score,second,second_score. With the SVM, \
        score is the share of the one-vs-one contests the class won (1: all) and second the \
        runner-up; with centroids, score is the distance to the class centroid in units of \
        that class's cluster size (the mean distance of its training members: 1 is a typical \
        member, lower is closer). --unknown-beyond X labels `unknown` every image farther \
        than X cluster sizes from every centroid; its second column names the class it \
        would have had.
        """)

    @OptionGroup var model: TrainedRunOptions
    @OptionGroup var images: NewImageOptions

    @Option(name: .customLong("with"), help: "svm (the run's SVM) or centroid (nearest class centroid).")
    var method: NewImageClassifier.Method = .svm

    @Option(name: .shortAndLong, help: ArgumentHelp("The predictions file (.csv).", valueName: "predictions.csv"))
    var output: String

    @Option(name: .customLong("unknown-beyond"), help: ArgumentHelp("Label 'unknown' what lies farther than X cluster sizes from every class centroid.", valueName: "X"))
    var unknownBeyond: Double?

    @Flag(help: "Print the predicted count of each class.")
    var summary = false

    func validate() throws {
        if let x = unknownBeyond, !(x > 0) { throw ValidationError("--unknown-beyond must be positive, got \(x)") }
    }

    func run() throws {
        let run = try model.open()
        let classifier: NewImageClassifier
        do {
            let (classes, centroids) = try run.centroids()
            let svm = method == .svm ? try run.svm() : nil
            if let svm, svm.names != classes {
                throw TrainedRun.Problem(description: "\(run.folder.label): the SVM's classes (\(svm.names.joined(separator: ", "))) are not the run's (\(classes.joined(separator: ", ")))")
            }
            classifier = NewImageClassifier(method: method, classes: classes, centroids: centroids, svm: svm)
        } catch {
            throw CommandFailure.usage(describe(error))
        }
        let embedded = try images.embed(run)
        let predictions = classifier.classify(embedded.embeddings.data, n: embedded.embeddings.rows, unknownBeyond: unknownBeyond)
        try AtomicFile.write(NewImageClassifier.csv(paths: embedded.paths, predictions: predictions), to: URL(fileURLWithPath: output))
        print("\(output): \(predictions.count) images classified by \(method == .svm ? "the SVM" : "nearest centroid") of \(run.folder.label) epoch \(run.epoch)")
        if summary {
            let rows = NewImageClassifier.summary(predictions)
            let width = max(5, rows.map(\.name.count).max() ?? 0)
            print("class".padding(toLength: width, withPad: " ", startingAt: 0) + "  images  share")
            for r in rows {
                print(r.name.padding(toLength: width, withPad: " ", startingAt: 0)
                      + String(format: "  %6d  %5.1f%%", r.count, 100 * r.share))
            }
        }
    }
}

extension NewImageClassifier.Method: ExpressibleByArgument {}

/// `krill export RUN [--epoch E] -o model.safetensors`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a trained run's weights as safetensors with PyTorch names.",
        discussion: """
        Tensors are named and laid out as a torch.nn.Module with conv<b> (Conv2d, padding 1), \
        bn<b> (BatchNorm2d) and dense (Linear) attributes would hold them; the header's \
        metadata has the architecture (krill.architecture, JSON), the rescale settings, the \
        run and the epoch. docs/using-a-model.md gives the module that loads it and \
        reproduces krill's embeddings.
        """)

    @OptionGroup var model: TrainedRunOptions

    @Option(name: .shortAndLong, help: ArgumentHelp("The weights file.", valueName: "model.safetensors"))
    var output: String

    func run() throws {
        let run = try model.open()
        let network: Network
        do { network = try run.network() } catch { throw CommandFailure.usage(describe(error)) }
        let metadata = ["krill.run": run.folder.label, "krill.epoch": String(run.epoch), "krill.version": Krill.version,
                        "krill.rescale": run.rescaleSettings.canonical]
        try AtomicFile.write(Data(TorchExport.encode(network, metadata: metadata)), to: URL(fileURLWithPath: output))
        let count = network.layout.parameterCount + network.layout.stateCount
        print("\(output): \(count) values of \(run.folder.label) epoch \(run.epoch)")
    }
}
