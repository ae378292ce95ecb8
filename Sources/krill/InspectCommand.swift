import ArgumentParser
import Datasets
import Foundation
import Imaging
import Linalg

/// `krill inspect`: per-class counts and image sizes of a class-folder data set, and every
/// file that cannot be read as an image.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Per-class image counts and sizes of a class-folder data set; unreadable files.",
        discussion: """
        DIR holds one sub-folder per class (the ZooScanNet layout: DIR/<class>/<image>). \
        Every image is decoded in full, so truncated and corrupt files are found; \
        --headers-only reads only the headers (fast, but misses truncated files). \
        Sizes are min/median/max in pixels (median: the lower middle value).
        """)

    @Argument(help: "The data set root: one sub-folder per class.")
    var directory: String

    @Flag(help: "Exit 1 when any file is unreadable or not an image.")
    var strict = false

    @Flag(name: .customLong("headers-only"), help: "Read image headers only.")
    var headersOnly = false

    @Option(help: "Worker threads.")
    var jobs: Int = Parallel.cores

    func run() throws {
        let scan: ImageListing
        do {
            scan = try ClassFolderScan.scan(root: URL(fileURLWithPath: directory), allowEmptyClasses: true)
        } catch {
            throw CommandFailure.usage("\(error)")
        }
        var sizes = [(width: Int, height: Int)?](repeating: nil, count: scan.files.count)
        var problems = [String?](repeating: nil, count: scan.files.count)
        sizes.withUnsafeMutableBufferPointer { sizeSlots in
            problems.withUnsafeMutableBufferPointer { problemSlots in
                try? Parallel.forEach(scan.files.count, threads: jobs) { i in
                    let url = scan.root.appendingPathComponent(scan.files[i].relativePath)
                    do {
                        if headersOnly {
                            let info = try ImageDecoder.probe(contentsOf: url)
                            sizeSlots[i] = (info.width, info.height)
                        } else {
                            let image = try ImageDecoder.decodeGray(contentsOf: url, name: scan.files[i].relativePath)
                            sizeSlots[i] = (image.width, image.height)
                        }
                    } catch {
                        problemSlots[i] = "\(error)"
                    }
                }
            }
        }

        let nameWidth = max(5, scan.classes.map(\.count).max() ?? 0)
        func pad(_ s: String, _ w: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, w - s.count))
            return right ? fill + s : s + fill
        }
        print(pad("class", nameWidth) + "  " + pad("images", 7, right: true) + "  "
              + pad("width min/median/max", 20) + "  " + "height min/median/max")
        var readable = 0
        for (c, name) in scan.classes.enumerated() {
            let rows = scan.files.indices.filter { scan.files[$0].classIndex == c }
            let ok = rows.compactMap { sizes[$0] }
            readable += ok.count
            func stats(_ values: [Int]) -> String {
                guard !values.isEmpty else { return "-" }
                let v = values.sorted()
                return "\(v[0])/\(v[(v.count - 1) / 2])/\(v[v.count - 1])"
            }
            print(pad(name, nameWidth) + "  " + pad(String(rows.count), 7, right: true) + "  "
                  + pad(stats(ok.map(\.width)), 20) + "  " + stats(ok.map(\.height)))
        }
        let unreadable = scan.files.indices.compactMap { i in problems[i] }
        print("total: \(scan.files.count) images in \(scan.classes.count) classes, \(readable) readable; "
              + "skipped \(scan.skippedHidden) hidden and \(scan.skippedNonImages.count) non-image entries")
        let empty = zip(scan.classes, scan.countsPerClass).filter { $0.1 == 0 }.map(\.0)
        if !empty.isEmpty { print("empty classes: \(empty.joined(separator: ", "))") }
        if !unreadable.isEmpty {
            print("unreadable (\(unreadable.count)):")
            for p in unreadable { print("  \(p)") }
        }
        if !scan.skippedNonImages.isEmpty {
            print("not images (\(scan.skippedNonImages.count)):")
            for p in scan.skippedNonImages { print("  \(p)") }
        }
        if strict && (!unreadable.isEmpty || !scan.skippedNonImages.isEmpty) {
            throw ExitCode(1)
        }
    }
}
