/// t-SNE (van der Maaten & Hinton 2008) with Barnes-Hut gradients (van der Maaten 2014),
/// in openTSNE's three phases with plain values between them:
///
///     let p = Affinities.perplexityBased(x, n: n, d: d, perplexity: 30)   // sparse P
///     let y0 = Initialization.pca(x, n: n, d: d, seed: seed)              // n x 2
///     let result = GradientDescent.optimize(p, initial: y0, config: config)    // layout + KL
///
/// `TSNEEmbedding.embed` runs all three. Inputs are n x d row-major Float embeddings; the layout
/// is n x 2 row-major Float. Deterministic for a seed, whatever the thread count.
public enum TSNEEmbedding {
    /// Embeds n x d points in 2-D.
    /// - Precondition: n >= 2.
    public static func embed(_ x: [Float], n: Int, d: Int, config: TSNEConfig) -> TSNEResult {
        precondition(n >= 2, "t-SNE needs at least two points")
        let p = Affinities.perplexityBased(x, n: n, d: d, perplexity: config.perplexity, threads: config.threads,
                                             neighbors: config.neighbors, seed: config.seed)
        let initial: [Float]
        switch config.initialization {
        case .pca: initial = Initialization.pca(x, n: n, d: d, seed: config.seed)
        case .random: initial = Initialization.random(n: n, seed: config.seed)
        }
        return GradientDescent.optimize(p, initial: initial, config: config)
    }
}
