// swift-tools-version:5.10
// krill: reproducible metric-learning experiments on plankton images.
// Module layout and dependency direction: docs/design.md ("Modules").
import PackageDescription

/// Optimise the numeric modules even in debug builds: tests run the real kernels
/// on real sizes, and unoptimised SIMD/array code is tens of times slower.
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-O", "-enforce-exclusivity=unchecked"]),
]

/// ConvNet's SIMD code (Winograd transforms, pooling) is built for AVX2 + FMA on x86-64
/// (256-bit registers: a SIMD8<Float> is one register instead of two SSE halves).
#if arch(x86_64)
let convNetCPUFlags = ["-target-cpu", "haswell"]
#else
let convNetCPUFlags: [String] = []
#endif

/// A system library: a module map plus a one-line shim header (see PITFALLS.md).
func systemLibrary(_ name: String, pkgConfig: String? = nil) -> Target {
    .systemLibrary(name: name, path: "Sources/\(name)", pkgConfig: pkgConfig)
}

let package = Package(
    name: "krill",
    products: [
        .executable(name: "krill", targets: ["krill"]),
        // The fuzzing harnesses, for the libFuzzer package in Fuzz/ (`make fuzz`).
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // C libraries: module maps only.
        systemLibrary("CBLAS", pkgConfig: "openblas"),
        systemLibrary("CPNG", pkgConfig: "libpng"),
        systemLibrary("CJPEG", pkgConfig: "libjpeg"),
        systemLibrary("CYAML", pkgConfig: "yaml-0.1"),
        systemLibrary("CCairo", pkgConfig: "cairo"),
        systemLibrary("CSVM"),
        systemLibrary("CGIF"),
        systemLibrary("CCrypto", pkgConfig: "libcrypto"),
        systemLibrary("CFFTW", pkgConfig: "fftw3"),
        // libpng and libjpeg report errors with longjmp: this C shim catches them.
        .target(name: "CImageCodecs", dependencies: ["CPNG", "CJPEG"]),

        // Swift modules, lowest first.
        .target(name: "Storage", dependencies: ["CCrypto"]),
        .target(name: "Linalg", dependencies: ["CBLAS", "Storage"], swiftSettings: numericSettings),
        .target(name: "Imaging", dependencies: ["CImageCodecs", "Storage"], swiftSettings: numericSettings),
        .target(name: "Datasets", dependencies: ["Linalg", "Imaging", "Storage"],
                swiftSettings: numericSettings),
        // ConvNet's hot loops are written for -Ounchecked (no overflow traps, so they vectorise);
        // precondition() is not checked there, so ConvNet states must-hold checks with fatalError.
        .target(name: "ConvNet", dependencies: ["Linalg", "Datasets", "Storage"],
                swiftSettings: numericSettings + [.unsafeFlags(["-Ounchecked"] + convNetCPUFlags)]),
        .target(name: "TSNE", dependencies: ["Linalg", "CFFTW"], swiftSettings: numericSettings),
        .target(name: "Clustering", dependencies: ["Linalg"], swiftSettings: numericSettings),
        .target(name: "SVM", dependencies: ["CSVM", "Linalg"], swiftSettings: numericSettings),
        .target(name: "Evaluation", dependencies: ["Linalg", "Clustering", "Storage"],
                swiftSettings: numericSettings),
        .target(name: "Experiment", dependencies: ["CYAML", "Storage"]),
        .target(name: "Pipeline", dependencies: ["Storage"]),
        .target(name: "Charts", dependencies: ["CCairo", "CGIF", "Imaging", "Storage"]),
        .target(name: "Stages", dependencies: ["Experiment", "Pipeline", "ConvNet", "TSNE", "Clustering", "SVM", "Evaluation",
                                               "Charts", "Datasets", "Imaging", "Linalg", "Storage"]),
        .target(name: "FuzzTargets", dependencies: ["Experiment", "Imaging", "Storage"]),
        .executableTarget(
            name: "krill",
            dependencies: [
                "Linalg", "Imaging", "Datasets", "Storage", "ConvNet", "Experiment", "Pipeline", "Stages",
                "TSNE", "Clustering", "SVM", "Evaluation", "Charts",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tests mirror the modules; TestSupport holds the shared helpers.
        .target(name: "TestSupport", dependencies: ["Pipeline"], path: "Tests/TestSupport"),
        .testTarget(name: "LinalgTests", dependencies: ["Linalg", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "Imaging", "Linalg", "TestSupport"]),
        .testTarget(name: "ConvNetTests",
                    dependencies: ["ConvNet", "CBLAS", "Datasets", "Imaging", "Linalg", "Storage", "TestSupport"],
                    exclude: ["Fixtures/resnet_reference.py"],
                    resources: [.copy("Fixtures/resnet_reference.safetensors"), .copy("Fixtures/resnet_reference_io.safetensors")]),
        .testTarget(name: "CLibrariesTests",
                    dependencies: ["Storage", "CBLAS", "CYAML", "CCairo", "CSVM", "CGIF", "CCrypto"]),
        .testTarget(name: "ExperimentTests", dependencies: ["Experiment", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Storage", "TestSupport"]),
        .testTarget(name: "TSNETests", dependencies: ["TSNE", "Linalg", "TestSupport"]),
        .testTarget(name: "ClusteringTests", dependencies: ["Clustering", "Linalg", "TestSupport"]),
        .testTarget(name: "SVMTests", dependencies: ["SVM", "Linalg", "TestSupport"]),
        .testTarget(name: "EvaluationTests",
                    dependencies: ["Evaluation", "Clustering", "SVM", "Storage", "Linalg", "TestSupport"],
                    resources: [.copy("Fixtures")]),
        // Snapshot PNGs are read and re-recorded through #filePath (KRILL_RECORD=1), not as resources.
        .testTarget(name: "ChartsTests", dependencies: ["Charts", "Imaging", "CGIF", "TestSupport"],
                    exclude: ["Snapshots"]),
        .testTarget(name: "StagesTests", dependencies: ["Stages", "Experiment", "Pipeline", "ConvNet", "Clustering", "SVM", "TSNE", "Datasets",
                                                        "Imaging", "Storage", "TestSupport"],
                    exclude: ["Snapshots"]),
        .testTarget(name: "EndToEndTests", dependencies: ["krill", "Imaging", "Storage", "TestSupport"]),
        // Starts a single-node Slurm cluster (single-node-slurm.sh) and runs krill on it.
        .testTarget(name: "SlurmTests", dependencies: ["krill", "TestSupport"], exclude: ["single-node-slurm.sh"]),
        // Replays the fuzzing corpus (Fuzz/Corpus) through the harnesses.
        .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets"]),
    ]
)
