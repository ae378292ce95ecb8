import Experiment
import Foundation
import Imaging
import Storage

/// The fuzzing harnesses: each takes arbitrary bytes and must either parse them or throw a
/// described error; it must never crash, hang or leak. Where parsing succeeds, each also
/// checks a property that must hold (a round trip, header and pixels agreeing) and traps
/// when it does not, so the fuzzer reports it.
///
/// Built with libFuzzer by `make fuzz` (the `Fuzz/` package, one executable per harness);
/// `make test` replays the committed corpus (`Fuzz/Corpus/<name>/`) through these same
/// functions.
public enum FuzzTargets {
    /// Harnesses by name (the corpus folder names).
    public static let all: [(name: String, run: (Data) -> Void)] = [
        ("experiment", experiment), ("png", image), ("jpeg", image), ("npy", npy), ("csv", csv),
    ]

    /// The harness called `name`.
    public static func named(_ name: String) -> (Data) -> Void {
        guard let h = all.first(where: { $0.name == name }) else { fatalError("no fuzzing harness '\(name)'") }
        return h.run
    }

    /// Runs a harness once on a small valid input, so that one-time global initialisation
    /// (the schema tables, libpng's and libjpeg's state) happens before fuzzing starts and
    /// is not reported as a leak of the first input.
    public static func warmUp(_ name: String) {
        let seeds: [String: String] = [
            "experiment": "seed: 1\ntraining: {epochs: 2}\n",
            "csv": "a,b\n1,2\n",
        ]
        named(name)(Data((seeds[name] ?? "").utf8))
        if name == "png" || name == "jpeg" {
            _ = try? ImageDecoder.decodeGray(data: Data([0x89, 0x50, 0x4E, 0x47]), name: "warm-up")
            _ = try? ImageDecoder.decodeGray(data: Data([0xFF, 0xD8, 0xFF]), name: "warm-up")
        }
        _ = try? NPY.decode(NPY.encode([1, 2], rows: 1, cols: 2))
    }

    /// YAML text in, a resolved experiment or config errors out. A resolved experiment's
    /// `experiment.yaml` text must load again to the same values.
    public static func experiment(_ data: Data) {
        guard let text = String(data: data, encoding: .utf8) else { return }
        let file = "/nonexistent-krill-fuzz/fuzz.yaml"
        guard let resolved = try? ExperimentLoader().load(text: text, file: file) else { return }
        guard let again = try? ExperimentLoader().load(text: resolved.yaml, file: file) else {
            fatalError("the resolved experiment does not load again:\n\(resolved.yaml)")
        }
        if again.values != resolved.values { fatalError("the resolved experiment loads to other values:\n\(resolved.yaml)") }
    }

    /// PNG or JPEG bytes in, a grey image or an `ImagingError` out. A decoded image's size
    /// must equal what the header probe says.
    public static func image(_ data: Data) {
        guard let image = try? ImageDecoder.decodeGray(data: data, name: "fuzz") else { return }
        if image.pixels.count != image.width * image.height { fatalError("pixel count does not match the size") }
        guard let header = try? ImageDecoder.probe(data: data, name: "fuzz") else {
            fatalError("decodes but its header does not probe")
        }
        if header.width != image.width || header.height != image.height {
            fatalError("probe says \(header.width)x\(header.height), decode \(image.width)x\(image.height)")
        }
    }

    /// `.npy` bytes in, a float32 matrix or a format error out. A decoded matrix must
    /// encode and decode to the same values.
    public static func npy(_ data: Data) {
        guard let (values, rows, cols) = try? NPY.decode(data) else { return }
        if values.count != rows * cols { fatalError("\(values.count) values for \(rows)x\(cols)") }
        guard let (again, r, c) = try? NPY.decode(NPY.encode(values, rows: rows, cols: cols)) else {
            fatalError("an encoded matrix does not decode")
        }
        if r != rows || c != cols || !zip(again, values).allSatisfy({ $0.bitPattern == $1.bitPattern }) {
            fatalError("the round trip changed the matrix")
        }
    }

    /// CSV text in, rows of fields or a format error out. A rectangular table rendered
    /// again must parse to the same fields.
    public static func csv(_ data: Data) {
        guard let text = String(data: data, encoding: .utf8), let rows = try? CSV.parse(text), let header = rows.first,
              rows.allSatisfy({ $0.count == header.count }) else { return }
        let rendered = CSV.render(header: header, rows: Array(rows.dropFirst()))
        guard let again = try? CSV.parse(rendered) else { fatalError("rendered CSV does not parse:\n\(rendered)") }
        if again != rows { fatalError("the round trip changed the rows: \(rows) -> \(again)") }
    }
}
