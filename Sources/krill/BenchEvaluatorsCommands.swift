import ArgumentParser
import Clustering
import Evaluation
import Foundation
import Linalg
import Storage
import SVM
import TSNE

// `krill bench tsne|svm|kmeans`: the evaluators timed on embedding-like data. Each prints
// one JSON object with `seconds` and the quality figure (`kl`, `accuracy`, `inertia`).
// Default data: `SyntheticEmbeddings.generate` (2,700 x 64, 27 classes, seed 42); the
// SVM fits on those rows and tests on the next 2,700 rows of the same generator.
// `--input X.npy --labels Y.csv` uses real embeddings instead; `--write-data X.npy`
// saves the data used (X.npy + X-labels.csv, and X-test.npy + X-test-labels.csv for
// svm) so the peers in bench/peers/evaluators.py run on the same numbers.

/// Options shared by the three evaluator benchmarks.
struct EvaluatorBenchData: ParsableArguments {
    @Option(help: "Generated points (default data only).")
    var points: Int = 2700
    @Option(help: "Generated dimensions (default data only).")
    var dims: Int = 64
    @Option(help: "Generated classes (default data only).")
    var classes: Int = 27
    @Option(help: "Seed of the generated data and of the algorithm.")
    var seed: UInt64 = 42
    @Option(help: "Embeddings to use instead: a 2-D float32 .npy file.")
    var input: String?
    @Option(help: "Class of each --input row: a CSV with a `class` column (else its last column).")
    var labels: String?
    @Option(help: "Also write the data used to this .npy path (labels beside it as <stem>-labels.csv).")
    var writeData: String?
    @Flag(help: "Print JSON (the only format; accepted for symmetry with the other bench commands).")
    var json = false

    func validate() throws {
        if (input == nil) != (labels == nil) { throw ValidationError("--input and --labels go together") }
        if input == nil && (points < 2 || dims < 1 || classes < 1 || classes > points) {
            throw ValidationError("need --points >= 2, --dims >= 1 and 1 <= --classes <= --points")
        }
    }

    /// The fit data (and, when `test`, the test data after it).
    func load(test: Bool = false, testInput: String? = nil, testLabels: String? = nil) throws
        -> (fit: BenchSet, test: BenchSet?) {
        if let input, let labels {
            let fit = try BenchSet.read(input, labels)
            var testSet: BenchSet? = nil
            if test {
                guard let testInput, let testLabels else {
                    throw CommandFailure.usage("svm with --input needs --test-input and --test-labels")
                }
                testSet = try BenchSet.read(testInput, testLabels, names: fit.names)
            }
            return (fit, testSet)
        }
        let total = test ? 2 * points : points
        let (x, y) = SyntheticEmbeddings.generate(points: total, dimensions: dims, classes: classes, seed: seed)
        // Zero-padded so that sorting names as strings (as the peers do) keeps class order.
        let width = String(classes - 1).count
        let names = (0..<classes).map { "class" + String(repeating: "0", count: width - String($0).count) + String($0) }
        let fit = BenchSet(x: Array(x[0..<(points * dims)]), n: points, d: dims, labels: Array(y[0..<points]), names: names)
        let testSet = test ? BenchSet(x: Array(x[(points * dims)...]), n: points, d: dims, labels: Array(y[points...]), names: names) : nil
        return (fit, testSet)
    }

    func save(_ data: (fit: BenchSet, test: BenchSet?)) throws {
        guard let writeData else { return }
        try data.fit.write(to: writeData)
        if let test = data.test {
            let url = URL(fileURLWithPath: writeData)
            let stem = url.deletingPathExtension().path
            try test.write(to: stem + "-test.npy")
        }
    }
}

/// One labelled set of embeddings.
struct BenchSet {
    var x: [Float]
    var n: Int
    var d: Int
    var labels: [Int]
    var names: [String]

    /// Reads X.npy and a labels CSV; class values become indices in sorted order (or
    /// follow `names` when given, for a test set matching a fit set).
    static func read(_ npy: String, _ csv: String, names known: [String]? = nil) throws -> BenchSet {
        let (x, n, d) = try NPY.read(URL(fileURLWithPath: npy))
        let rows = try CSV.parse(String(contentsOfFile: csv, encoding: .utf8), source: csv)
        guard let header = rows.first else { throw CommandFailure.usage("\(csv): empty") }
        let column = header.firstIndex(of: "class") ?? (header.count - 1)
        let values = rows.dropFirst().map { $0.count > column ? $0[column] : "" }
        guard values.count == n else { throw CommandFailure.usage("\(csv): \(values.count) labels for \(n) rows of \(npy)") }
        var names = known ?? Array(Set(values)).sorted()
        var index: [String: Int] = [:]
        for (i, name) in names.enumerated() { index[name] = i }
        var labels: [Int] = []
        for v in values {
            if index[v] == nil { index[v] = names.count; names.append(v) }
            labels.append(index[v]!)
        }
        return BenchSet(x: x, n: n, d: d, labels: labels, names: names)
    }

    /// Writes PATH.npy and PATH-labels.csv (`row,path,class`, as labels-<split>.csv).
    func write(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try NPY.write(x, rows: n, cols: d, to: url)
        let rows = labels.enumerated().map { [String($0.offset), "", names[$0.element]] }
        try AtomicFile.write(CSV.render(header: ["row", "path", "class"], rows: rows),
                             to: URL(fileURLWithPath: url.deletingPathExtension().path + "-labels.csv"))
    }
}

/// Seconds since `start`.
private func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// One JSON object on one line, keys sorted.
private func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

struct BenchTSNECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tsne",
        abstract: "Time t-SNE (exact or approximate kNN affinities, PCA init, Barnes-Hut or FFT-interpolation optimisation); report KL.")

    @OptionGroup var data: EvaluatorBenchData
    @Option(help: "Perplexity.") var perplexity: Double = 30
    @Option(help: "Early exaggeration factor.") var earlyExaggeration: Double = 12
    @Option(help: "Iterations of the early-exaggeration phase.") var earlyExaggerationIterations: Int = 250
    @Option(help: "Total iterations, those of early exaggeration included.") var iterations: Int = 750
    @Option(help: "Learning rate: a number or `auto` (max(N / exaggeration, 50)).") var learningRate: String = "auto"
    @Option(help: "Barnes-Hut theta.") var theta: Double = 0.5
    @Option(help: "Repulsive forces: auto (Barnes-Hut below 25,000 points, FFT from 25,000), barnes_hut or fft.")
    var method: String = "auto"
    @Option(help: "Largest step of one point per iteration (0: unlimited).") var maxStepNorm: Double = 5
    @Option(help: "Worker threads.") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Nearest neighbours: auto (exact below 200,000 points, approximate from 200,000), exact or approximate.")
    var neighbors: String = "auto"
    @Option(help: "Approximate neighbours: random-projection trees.") var trees: Int = ApproximateNeighbors.Parameters().trees
    @Option(help: "Approximate neighbours: largest leaf.") var leafSize: Int = ApproximateNeighbors.Parameters().leafSize
    @Option(help: "Approximate neighbours: NN-descent refinement rounds.")
    var refinements: Int = ApproximateNeighbors.Parameters().refinements
    @Option(help: "Approximate neighbours: neighbours whose lists a point searches per round.")
    var fanout: Int = ApproximateNeighbors.Parameters().fanout
    @Option(help: "Approximate neighbours: how far into each of those lists a point searches.")
    var depth: Int = ApproximateNeighbors.Parameters().depth
    @Flag(help: "Also run the exact search and report the approximate one's recall (and both times).")
    var recall = false
    @Option(help: "Also write the final layout (N x 2 float32) to this .npy path.") var writeLayout: String?

    func run() throws {
        Gemm.useSingleThreadedBLAS()  // as in `krill run`: krill's parallelism is its own
        let rate: TSNEConfig.LearningRate
        if learningRate == "auto" { rate = .auto } else if let v = Double(learningRate) { rate = .fixed(v) } else {
            throw CommandFailure.usage("--learning-rate must be a number or auto, got \(learningRate)")
        }
        let set = try data.load()
        try data.save(set)
        let x = set.fit
        let config = TSNEConfig(perplexity: perplexity, earlyExaggeration: earlyExaggeration,
                                earlyExaggerationIterations: earlyExaggerationIterations, iterations: iterations,
                                learningRate: rate, theta: theta, maxStepNorm: maxStepNorm > 0 ? maxStepNorm : nil,
                                seed: data.seed, threads: threads,
                                method: try TSNEConfig.GradientMethod(rawValue: method)
                                    ?? { throw CommandFailure.usage("--method must be auto, barnes_hut or fft, got \(method)") }())
        guard let neighborMethod = TSNEConfig.NeighborMethod(rawValue: neighbors) else {
            throw CommandFailure.usage("--neighbors must be auto, exact or approximate, got \(neighbors)")
        }
        guard trees >= 1, leafSize >= 2, refinements >= 0, fanout >= 1, depth >= 1 else {
            throw CommandFailure.usage("need --trees >= 1, --leaf-size >= 2, --refinements >= 0, --fanout >= 1 and --depth >= 1")
        }
        let resolvedNeighbors = neighborMethod.resolved(points: x.n)
        let k = Affinities.neighbourCount(points: x.n, perplexity: perplexity)
        let search = ApproximateNeighbors.Parameters(trees: trees, leafSize: leafSize, refinements: refinements, fanout: fanout, depth: depth)
        var extra: [String: Any] = ["neighbors": resolvedNeighbors.rawValue]
        if resolvedNeighbors == .approximate {
            extra["trees"] = trees; extra["leaf_size"] = leafSize; extra["refinements"] = refinements; extra["fanout"] = fanout; extra["depth"] = depth
        }
        let start = DispatchTime.now()
        let nn = resolvedNeighbors == .approximate
            ? ApproximateNeighbors.search(x.x, n: x.n, d: x.d, k: k, seed: data.seed, parameters: search, threads: threads)
            : NearestNeighbors.exact(x.x, n: x.n, d: x.d, k: k, threads: threads)
        let neighborSeconds = seconds(since: start)
        let conditional = Affinities.conditionalProbabilities(nn, n: x.n, perplexity: perplexity, threads: threads)
        let p = Affinities.symmetrize(conditional, indices: nn.indices, n: x.n, k: k)
        let affinitySeconds = seconds(since: start)
        if recall && resolvedNeighbors == .approximate {
            let exactStart = DispatchTime.now()
            let exact = NearestNeighbors.exact(x.x, n: x.n, d: x.d, k: k, threads: threads)
            extra["exact_neighbor_seconds"] = seconds(since: exactStart)
            extra["recall"] = ApproximateNeighbors.recall(nn, exact: exact)
        }
        let initial = Initialization.pca(x.x, n: x.n, d: x.d, seed: data.seed)
        let optimizeStart = DispatchTime.now()
        let result = GradientDescent.optimize(p, initial: initial, config: config)
        let optimizeSeconds = seconds(since: optimizeStart)
        let total = seconds(since: start) - (extra["exact_neighbor_seconds"] as? Double ?? 0)
        if let writeLayout { try NPY.write(result.embedding, rows: x.n, cols: 2, to: URL(fileURLWithPath: writeLayout)) }
        try printJSON(extra.merging(["bench": "tsne", "points": x.n, "dims": x.d, "seconds": total, "kl": result.kl,
                       "neighbor_seconds": neighborSeconds,
                       "affinity_seconds": affinitySeconds, "optimize_seconds": optimizeSeconds,
                       "iterations": iterations, "perplexity": perplexity, "threads": threads,
                       "method": config.method.resolved(points: x.n).rawValue]) { $1 })
    }
}

struct BenchSVMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "svm",
        abstract: "Time libsvm C-SVC fit + predict; report test accuracy.")

    @OptionGroup var data: EvaluatorBenchData
    @Option(help: "Test embeddings (.npy) with --input.") var testInput: String?
    @Option(help: "Test labels (.csv) with --input.") var testLabels: String?
    @Option(help: "Kernel: linear, poly or rbf.") var kernel: String = "poly"
    @Option(help: "Polynomial degree.") var degree: Int = 3
    @Option(name: .customLong("C"), help: "Penalty C.") var c: Double = 1
    @Option(help: "gamma: a number, scale or auto.") var gamma: String = "scale"
    @Option(help: "coef0 of the poly kernel.") var coef0: Double = 0
    @Option(help: "Largest training set given to libsvm as a precomputed kernel matrix.")
    var precomputedKernelLimit: Int = SVMConfig().precomputedKernelLimit

    func run() throws {
        Gemm.useSingleThreadedBLAS()  // as in `krill run`: krill's parallelism is its own
        guard let k = SVMConfig.Kernel(rawValue: kernel) else { throw CommandFailure.usage("--kernel must be linear, poly or rbf") }
        guard let g = SVMConfig.Gamma(gamma) else { throw CommandFailure.usage("--gamma must be a number, scale or auto") }
        let set = try data.load(test: true, testInput: testInput, testLabels: testLabels)
        try data.save(set)
        let fit = set.fit, test = set.test!
        let start = DispatchTime.now()
        let model = try SVMModel.fit(x: fit.x, n: fit.n, d: fit.d, labels: fit.labels,
                                     config: SVMConfig(kernel: k, C: c, gamma: g, coef0: coef0, degree: degree,
                                                       precomputedKernelLimit: precomputedKernelLimit))
        let fitSeconds = seconds(since: start)
        let predicted = model.predict(test.x, n: test.n)
        let total = seconds(since: start)
        let accuracy = Double(zip(predicted, test.labels).filter { $0 == $1 }.count) / Double(max(test.n, 1))
        try printJSON(["bench": "svm", "points": fit.n, "test_points": test.n, "dims": fit.d, "seconds": total,
                       "fit_seconds": fitSeconds, "predict_seconds": total - fitSeconds, "accuracy": accuracy,
                       "support_vectors": model.supportVectorCount, "kernel": kernel,
                       "precomputed_kernel": model.usesPrecomputedKernel])
    }
}

struct BenchKMeansCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kmeans",
        abstract: "Time k-means (k-means++, Lloyd or mini-batch, restarts); report inertia.")

    @OptionGroup var data: EvaluatorBenchData
    @Option(help: "lloyd or minibatch.") var algorithm: String = "lloyd"
    @Option(help: "Clusters (default: the number of classes).") var clusters: Int?
    @Option(help: "Restarts (n_init), the lowest inertia kept.") var restarts: Int = 10
    @Option(help: "Mini-batch size.") var batchSize: Int = 1024

    func run() throws {
        Gemm.useSingleThreadedBLAS()  // as in `krill run`: krill's parallelism is its own
        guard let algo = KMeansConfig.Algorithm(rawValue: algorithm) else {
            throw CommandFailure.usage("--algorithm must be lloyd or minibatch")
        }
        let set = try data.load()
        try data.save(set)
        let x = set.fit
        let k = clusters ?? x.names.count
        guard k >= 1 && k <= x.n else { throw CommandFailure.usage("--clusters must be in 1...\(x.n)") }
        let start = DispatchTime.now()
        let result = KMeans.fit(x.x, n: x.n, d: x.d, config: KMeansConfig(clusters: k, algorithm: algo, restarts: restarts,
                                                                          batchSize: batchSize, seed: data.seed))
        let elapsed = seconds(since: start)
        let mapping = ClusterMapping.hungarian(clusters: result.labels, classes: x.labels, clusterCount: k, classCount: x.names.count)
        let accuracy = Double(zip(mapping.predict(result.labels), x.labels).filter { $0 == $1 }.count) / Double(x.n)
        try printJSON(["bench": "kmeans", "algorithm": algorithm, "points": x.n, "dims": x.d, "clusters": k,
                       "restarts": restarts, "seconds": elapsed, "inertia": result.inertia,
                       "nmi": ClusterMetrics.nmi(x.labels, result.labels), "accuracy": accuracy,
                       "iterations": result.iterations])
    }
}
