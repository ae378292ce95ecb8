// swift-tools-version:5.10
// libFuzzer harnesses for krill's parsers: `make fuzz` builds this package with
// `--sanitize=fuzzer --sanitize=address` and runs each harness for FUZZ_SECONDS.
// The harness logic lives in the main package (target FuzzTargets), so that
// `make test` replays the corpus in Fuzz/Corpus without a sanitizer build.
import PackageDescription

let harnesses = ["experiment", "png", "jpeg", "npy", "csv"]

let package = Package(
    name: "krill-fuzz",
    dependencies: [.package(name: "krill", path: "..")],
    targets: [
        .target(name: "FuzzEntry", dependencies: [.product(name: "FuzzTargets", package: "krill")]),
    ] + harnesses.map { name in
        .executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzEntry"], path: "Sources/fuzz-\(name)")
    }
)
