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

    @Option(help: "Worker threads.")
    var jobs: Int = Parallel.cores

    func validate() throws {
        if directory == nil && contactSheet == nil {
            throw ValidationError("give an output folder, --contact-sheet FILE, or both")
        }
        guard perClass >= 1 else { throw ValidationError("--per-class must be at least 1, got \(perClass)") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard sheetColumns >= 1 else { throw ValidationError("--sheet-columns must be at least 1") }
    }

    func run() throws {
        let generator: SyntheticPlankton
        do {
            generator = try SyntheticPlankton(seed: seed, classes: classes, size: size)
        } catch {
            throw CommandFailure.usage("\(error)")
        }
        if let directory { try writeFolders(generator, to: URL(fileURLWithPath: directory)) }
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
            let url = root.appendingPathComponent(names[c]).appendingPathComponent("\(names[c])-\(index).png")
            try AtomicFile.write(try PNGEncoder.encode(image), to: url, durable: false)
        }
        sync()   // one flush for all files instead of an fsync each
        let seconds = Date().timeIntervalSince(start)
        print("wrote \(total) images (\(names.count) classes x \(perClass), \(size) px, seed \(seed)) to \(root.path)"
              + " in \(String(format: "%.2f", seconds)) s")
    }
}
