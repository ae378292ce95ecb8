import ArgumentParser
import Datasets
import Foundation
import Imaging
import Linalg
import Storage

/// `krill synth`: writes the synthetic plankton set as PNG class folders.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write the synthetic plankton data set as PNG class folders.",
        discussion: """
        Images are drawn procedurally from the seed alone: the same arguments give \
        byte-identical files. Files are DIR/<class>/<class>-<index>.png.
        """)

    @Argument(help: "Output folder (must be empty or absent, unless --overwrite).")
    var directory: String?

    @Option(help: "Number of classes (1-\(SyntheticPlankton.maximumClasses)), the first N of the catalogue.")
    var classes: Int = 12

    @Option(name: .customLong("per-class"), help: "Images per class.")
    var perClass: Int = 200

    @Option(help: "Image side in pixels.")
    var size: Int = 96

    @Option(help: "Random seed.")
    var seed: UInt64 = 42

    @Option(name: .customLong("contact-sheet"), help: "Also write a contact sheet PNG (one row per class) to this file.")
    var contactSheet: String?

    @Option(name: .customLong("sheet-columns"), help: "Images per class on the contact sheet.")
    var sheetColumns: Int = 8

    @Flag(help: "Replace the class folders of an existing output folder.")
    var overwrite = false

    @Option(help: ArgumentHelp("flat: --classes x --per-class square images of --size; zooscan: a ZooScanNet-like tree for scale benchmarks (--taxa taxa, --images in all, Zipf-imbalanced, sides 48-192 px, not square, DIR/<taxon>/<objid>.<ext>).",
                               valueName: "flat|zooscan"))
    var layout: Layout = .flat

    @Option(help: "zooscan layout: number of taxa (the catalogue's classes, then variants of them named <class>-2, ...).")
    var taxa: Int = 27

    @Option(help: "zooscan layout: images in all.")
    var images: Int = 25_000

    @Option(help: "png, or jpeg (grey, quality 90, as ZooScan exports).")
    var format: Format = .png

    enum Layout: String, ExpressibleByArgument, CaseIterable { case flat, zooscan }
    enum Format: String, ExpressibleByArgument, CaseIterable { case png, jpeg }

    @Option(help: "Worker threads.")
    var jobs: Int = Parallel.cores

    func validate() throws {
        if directory == nil && contactSheet == nil {
            throw ValidationError("give an output folder, --contact-sheet FILE, or both")
        }
        guard perClass >= 1 else { throw ValidationError("--per-class must be at least 1, got \(perClass)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard sheetColumns >= 1 else { throw ValidationError("--sheet-columns must be at least 1") }
        if layout == .zooscan {
            guard directory != nil else { throw ValidationError("--layout zooscan needs an output folder") }
            guard (2...3 * SyntheticPlankton.maximumClasses).contains(taxa) else {
                throw ValidationError("--taxa must be in 2...\(3 * SyntheticPlankton.maximumClasses)")
            }
            guard images >= 10 * taxa else { throw ValidationError("--images must be at least 10 per taxon (\(10 * taxa))") }
        }
    }

    func run() throws {
        let generator: SyntheticPlankton
        do {
            generator = try SyntheticPlankton(seed: seed, classes: classes, size: size)
        } catch {
            throw CommandFailure.usage("\(error)")
        }
        if let directory {
            if layout == .zooscan { return try writeZooScanLike(to: URL(fileURLWithPath: directory)) }
            try writeFolders(generator, to: URL(fileURLWithPath: directory))
        }
        if let contactSheet {
            let sheet = generator.contactSheet(perClass: sheetColumns)
            let url = URL(fileURLWithPath: contactSheet)
            try AtomicFile.write(try PNGEncoder.encode(sheet), to: url)
            print("contact sheet: \(url.path) (\(sheet.width)x\(sheet.height))")
        }
    }

    private func writeFolders(_ generator: SyntheticPlankton, to root: URL) throws {
        let fm = FileManager.default
        let names = generator.classNames
        if let existing = try? fm.contentsOfDirectory(atPath: root.path), !existing.isEmpty {
            guard overwrite else {
                throw CommandFailure.usage("\(root.path) is not empty; choose a new folder or pass --overwrite")
            }
            for name in names { try? fm.removeItem(at: root.appendingPathComponent(name)) }
        }
        for name in names {
            try fm.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        let total = names.count * perClass
        let digits = max(5, String(perClass - 1).count)
        let start = Date()
        try Parallel.forEach(total, threads: jobs) { i in
            let c = i / perClass
            let k = i % perClass
            let image = generator.image(classIndex: c, index: k)
            let index = String(repeating: "0", count: max(0, digits - String(k).count)) + String(k)
            let url = root.appendingPathComponent(names[c]).appendingPathComponent("\(names[c])-\(index).\(format.rawValue)")
            try AtomicFile.write(try encode(image), to: url, durable: false)
        }
        sync()   // one flush for all files instead of an fsync each
        let seconds = Date().timeIntervalSince(start)
        print("wrote \(total) images (\(names.count) classes x \(perClass), \(size) px, seed \(seed)) to \(root.path)"
              + " in \(String(format: "%.2f", seconds)) s")
    }

    func encode(_ image: GrayImage) throws -> Data {
        format == .png ? try PNGEncoder.encode(image) : try JPEGEncoder.encode(image, quality: 90)
    }

    /// A ZooScanNet-like tree: `taxa` folders with Zipf-imbalanced counts (taxon t gets a
    /// share proportional to 1 / (t + 1)^1.2, at least 1 % of the mean), images of 48 to
    /// 192 px cut to a random height (ZooScan vignettes are not square), named by a global
    /// object id. Everything follows from the seed.
    private func writeZooScanLike(to root: URL) throws {
        let fm = FileManager.default
        if let existing = try? fm.contentsOfDirectory(atPath: root.path), !existing.isEmpty, !overwrite {
            throw CommandFailure.usage("\(root.path) is not empty; choose a new folder or pass --overwrite")
        }
        let catalogue = SyntheticPlankton.maximumClasses
        let sides = [48, 72, 96, 128, 192]
        let generators = try sides.map { try SyntheticPlankton(seed: seed, classes: catalogue, size: $0) }
        let base = generators[0].classNames
        let names = (0..<taxa).map { t in t < catalogue ? base[t] : "\(base[t % catalogue])-\(t / catalogue + 1)" }
        let weights = (0..<taxa).map { 1 / pow(Double($0 + 1), 1.2) }
        let floor = max(10, images / taxa / 100)
        var counts = weights.map { max(floor, Int(Double(images) * $0 / weights.reduce(0, +))) }
        counts[0] += images - counts.reduce(0, +)
        var starts = [0]
        for c in counts { starts.append(starts.last! + c) }
        for name in names { try fm.createDirectory(at: root.appendingPathComponent(name), withIntermediateDirectories: true) }
        let began = Date()
        try Parallel.forEach(images, threads: jobs) { i in
            let t = starts.lastIndex { $0 <= i }!
            let k = i - starts[t]
            var h = RandomStream(seed: seed, stream: 0x5CA1E, position: UInt64(i) * 2)
            let g = generators[Int(h.next() % UInt64(sides.count))]
            let full = g.image(classIndex: t % catalogue, index: k + (t / catalogue) * 10_000_000)
            let height = max(16, Int(Double(full.height) * (0.6 + 0.4 * Double(h.next() % 1000) / 1000)))
            let top = (full.height - height) / 2
            let image = GrayImage(width: full.width, height: height,
                                  pixels: Array(full.pixels[(top * full.width)..<((top + height) * full.width)]))
            let url = root.appendingPathComponent(names[t]).appendingPathComponent("\(100_000_000 + i).\(format == .png ? "png" : "jpg")")
            try AtomicFile.write(try encode(image), to: url, durable: false)
        }
        sync()
        let seconds = Date().timeIntervalSince(began)
        print("wrote \(images) images in \(taxa) taxa (largest \(counts.max()!), smallest \(counts.min()!), \(format.rawValue)) to \(root.path)"
              + " in \(String(format: "%.1f", seconds)) s (\(Int(Double(images) / seconds)) images/s)")
    }
}
