// Datasets: class-folder discovery, the image store, splits, samplers, the synthetic generator.
