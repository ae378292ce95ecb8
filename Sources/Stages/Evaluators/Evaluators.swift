/// Every evaluator krill knows, in the order the report and `krill runs` show them. Each is
/// declared in its own file (`EvaluatorDescriptor`); adding one is adding a line here.
public enum Evaluators {
    public static let all: [EvaluatorDescriptor] = [summarize, tsne, svm, kmeans, zeroshot, retrieval, baseline]

    /// The descriptor of a stage kind, if it is an evaluator.
    public static func descriptor(kind: String) -> EvaluatorDescriptor? { all.first { $0.kind == kind } }

    /// Every metric of every evaluator, in display order.
    public static var metrics: [MetricDescriptor] { all.flatMap(\.metrics) }
}
