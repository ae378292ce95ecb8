/// The experiment schema, declared once. Order here is the order of the
/// resolved `experiment.yaml` and of experiments/README.md.
public enum ExperimentSchema {
    /// Groups that can be switched off by writing `false` instead of a mapping
    /// (`evaluate.tsne: false`); their hidden key `<group>.enabled` holds the switch.
    public static let switchableGroups = ["evaluate.tsne", "evaluate.svm", "evaluate.kmeans", "evaluate.zeroshot", "evaluate.retrieval"]

    /// One-line descriptions of the groups, for the docs.
    public static let groupDocs: [String: String] = [
        "data": "Where the images come from.",
        "data.synthetic": "The built-in synthetic plankton generator (`source: synthetic`).",
        "data.folders": "A class-folder data set (`source: folders`), e.g. ZooScanNet's `ZooScanSet/imgs`.",
        "data.ecotaxa": "An EcoTaxa export (`source: ecotaxa`): a TSV with `img_file_name`, `object_annotation_category`, `object_annotation_status` and `object_annotation_hierarchy` columns, and the images it names.",
        "data.zooscannet": "ZooScanNet as published (`source: zooscannet`): the folder holding `taxa.csv` (`objid,taxon,lineage`, or in later releases `objid,taxon_level1,lineage_level1,taxon_level2,plankton,set,img_path`) and `imgs/<taxon>/<objid>.jpg`.",
        "rescale": "How images become S x S inputs.",
        "split": "Per-class validation and test sets (or the data set's own split); held-out classes.",
        "model": "The network. `plain`: one block per `channels` entry (conv 3x3, [batch norm], ReLU, 2x2 max-pool; none after the last), then global average pool, [dropout], dense, output transform. `resnet`: torchvision's ResNet layout (`model.resnet`), global average pool, [dropout], [hidden dense + ReLU], dense, output transform.",
        "model.resnet": "The residual backbone (`architecture: resnet`): torchvision's stem and basic blocks; [2, 2, 2, 2] x [64, 128, 256, 512] is ResNet-18, [3, 4, 6, 3] ResNet-34.",
        "loss": "The metric-learning loss.",
        "training": "Optimisation.",
        "training.batch": "Batch shape: `triplets: N`, or `classes: P` and `per_class: K` for P x K batches (the batch-mining losses).",
        "training.optimizer": "Optimiser and its parameters.",
        "training.schedule": "Learning-rate schedule, applied per epoch. Training is a chain of cached epochs: raising `training.epochs` trains only the new epochs when the earlier epochs' rates stay the same, as they do with constant, step, exponential, restarts and warm-up; cosine spans `training.epochs` unless `horizon` is set, so raising the epochs changes every rate and retrains.",
        "training.augment": "Augmentation inside each batch (plankton have no canonical orientation).",
        "evaluate": "Evaluators run on each snapshot epoch.",
        "evaluate.tsne": "t-SNE of the validation embeddings (`false` to skip).",
        "evaluate.svm": "An SVM (libsvm C-SVC) fitted on one split and tested on another (`false` to skip).",
        "evaluate.kmeans": "k-means clustering and cluster-to-class mapping (`false` to skip).",
        "evaluate.zeroshot": "Zero-shot evaluation of `split.unseen_classes` (`false` to skip).",
        "executor": "How `krill run --executor slurm` asks Slurm for resources: defaults for every job, and per stage kind (`executor.train.time`). `--executor-opt kind.key=value` (or `default.key=value`) overrides them for one command.",
        "evaluate.retrieval": "Retrieval figures of metric learning: precision@1, R-precision and MAP@R of each `query` embedding's nearest `reference` embeddings (`false` to skip).",
    ]

    static let splits = ["train", "validation", "test"]
    static let ecotaxa = ("data.source", ["ecotaxa"])
    static let plain = ("model.architecture", ["plain"])
    static let resnet = ("model.architecture", ["resnet"])
    static let zooscannet = ("data.source", ["zooscannet"])
    static let lossVariants = ["std_triplet", "alt_triplet", "geom_triplet", "semi_hard", "batch_hard", "batch_all", "contrastive"]
    static let softMarginVariants = ["std_triplet", "semi_hard", "batch_hard", "batch_all"]
    static let positive = NumericRange.above(0)
    static let nonNegative = NumericRange.atLeast(0)
    static let probability = NumericRange.halfOpen(0, 1)

    public static let keys: [SchemaKey] = [
        SchemaKey("seed", .int, .int(42), "The one seed every random choice derives from.", range: nonNegative),

        SchemaKey("data.source", .choice(["synthetic", "folders", "ecotaxa", "zooscannet"]), .string("synthetic"), "`synthetic` (built in), `folders` (one sub-folder per class), `ecotaxa` (an EcoTaxa export) or `zooscannet` (taxa.csv + imgs/)."),
        SchemaKey("data.synthetic.classes", .int, .int(12), "Number of synthetic classes (the first N of the catalogue).", range: .atLeast(2, atMost: 13)),
        SchemaKey("data.synthetic.per_class", .int, .int(400), "Images per synthetic class (the default leaves 200 for training after the default split).", range: .atLeast(2)),
        SchemaKey("data.synthetic.image_size", .int, .int(96), "Side of the generated images in pixels.", range: .atLeast(16, atMost: 2048)),
        SchemaKey("data.folders.root", .string, .string("data/ZooScanSet/imgs"), "Folder with one sub-folder per class, JPEG or PNG; relative to the current folder."),
        SchemaKey("data.folders.classes", .stringsOrWord("all"), .string("all"), "`all`, or a list of class (sub-folder) names."),
        SchemaKey("data.folders.max_per_class", .optional(.int), .null, "Cap per class, picked reproducibly from the seed; null for no cap.", range: .atLeast(1)),
        SchemaKey("data.ecotaxa.tsv", .string, .string("data/ecotaxa/export.tsv"), "The export's TSV file, or a folder: then every .tsv under it (an export split by sample), each with its images relative to its own folder. Relative to the current folder.", when: ecotaxa),
        SchemaKey("data.ecotaxa.images", .optional(.string), .null, "The folder img_file_name is relative to; null = the TSV's own folder.", when: ecotaxa),
        SchemaKey("data.ecotaxa.status", .list(.choice(["validated", "predicted", "dubious"])), .list([.string("validated")]), "object_annotation_status values kept: validated (checked by an expert), predicted (the classifier's guess), dubious.", when: ecotaxa),
        SchemaKey("data.ecotaxa.label", .choice(["category", "lineage"]), .string("category"), "The class: category (object_annotation_category) or lineage (object_annotation_hierarchy, or one level of it).", when: ecotaxa),
        SchemaKey("data.ecotaxa.lineage_level", .optional(.int), .null, "label: lineage: the name at this depth of the lineage (1 = its root; shorter lineages keep their deepest name); null = the whole lineage.", range: .atLeast(1), when: ("data.ecotaxa.label", ["lineage"])),
        SchemaKey("data.ecotaxa.set_column", .optional(.string), .null, "A TSV column giving each object's split (train, validation, test), for split.from: set.", when: ecotaxa),
        SchemaKey("data.ecotaxa.classes", .stringsOrWord("all"), .string("all"), "`all`, or a list of class names.", when: ecotaxa),
        SchemaKey("data.ecotaxa.max_per_class", .optional(.int), .null, "Cap per class, picked reproducibly from the seed; null for no cap.", range: .atLeast(1), when: ecotaxa),
        SchemaKey("data.zooscannet.root", .string, .string("data/ZooScanSet"), "The folder holding taxa.csv and imgs/; relative to the current folder.", when: zooscannet),
        SchemaKey("data.zooscannet.level", .int, .int(1), "The class: 1, the taxon (taxon_level1 in later releases), or 2, taxon_level2 (later releases only).", range: .atLeast(1, atMost: 2), when: zooscannet),
        SchemaKey("data.zooscannet.classes", .stringsOrWord("all"), .string("all"), "`all`, or a list of taxa.", when: zooscannet),
        SchemaKey("data.zooscannet.max_per_class", .optional(.int), .null, "Cap per class, picked reproducibly from the seed; null for no cap.", range: .atLeast(1), when: zooscannet),

        SchemaKey("rescale.size", .int, .int(64), "Square side in pixels.", range: .atLeast(8, atMost: 1024)),
        SchemaKey("rescale.fit", .choice(["pad", "stretch"]), .string("pad"), "`pad` keeps the aspect ratio and centres on the background; `stretch` ignores it."),
        SchemaKey("rescale.upscale", .bool, .bool(true), "Scale small objects up too (the original did); false leaves them at their size."),
        SchemaKey("rescale.background", .greyLevel, .string("white"), "Padding colour: white, black, a grey level 0-255, or auto (each image's own border median, for crops on grey or black such as FlowCam, IFCB or UVP images)."),

        SchemaKey("split.from", .choice(["stratified", "set"]), .string("stratified"), "stratified (per class, seeded, the counts below) or set: the data set's own split (zooscannet's set column, ecotaxa's set_column)."),
        SchemaKey("split.validation", .countOrFraction, .int(100), "Validation images per class: a count, or a fraction such as 0.15.", range: nonNegative, when: ("split.from", ["stratified"])),
        SchemaKey("split.test", .countOrFraction, .int(100), "Test images per class: a count, or a fraction.", range: nonNegative, when: ("split.from", ["stratified"])),
        SchemaKey("split.unseen_classes", .list(.string), .list([]), "Classes held out of training entirely (zero-shot evaluation)."),

        SchemaKey("model.architecture", .choice(["plain", "resnet"]), .string("plain"), "plain (krill's small ConvNet) or resnet (torchvision's ResNet layout, for pretrained weights)."),
        SchemaKey("model.channels", .list(.int), .list([.int(32), .int(64), .int(128), .int(128)]), "Output channels of each conv block.", range: .atLeast(1, atMost: 4096), when: plain),
        SchemaKey("model.batch_norm", .bool, .bool(false), "Batch normalisation after each convolution.", when: plain),
        SchemaKey("model.resnet.blocks", .list(.int), .list([.int(2), .int(2), .int(2), .int(2)]), "Basic blocks per stage.", range: .atLeast(1, atMost: 64), when: resnet),
        SchemaKey("model.resnet.widths", .list(.int), .list([.int(64), .int(128), .int(256), .int(512)]), "Channels per stage.", range: .atLeast(1, atMost: 4096), when: resnet),
        SchemaKey("model.resnet.stem", .choice(["imagenet", "small"]), .string("imagenet"), "imagenet: 7x7 stride-2 conv, batch norm, ReLU, 3x3 stride-2 max-pool (torchvision's; needed for pretrained weights); small: one 3x3 stride-1 conv, batch norm, ReLU (for small images trained from scratch).", when: resnet),
        SchemaKey("model.resnet.input", .choice(["grey", "rgb"]), .string("grey"), "grey: one channel, x = 1 - pixel / 255; rgb: the grey image replicated to 3 channels with ImageNet normalisation, as ImageNet-pretrained weights expect.", when: resnet),
        SchemaKey("model.hidden", .optional(.int), .null, "resnet: a hidden layer (dense + ReLU) of this width before the embedding layer; null for none.", range: .atLeast(1, atMost: 16384), when: resnet),
        SchemaKey("model.weights", .optional(.string), .null, "resnet: pretrained backbone weights, a safetensors file with torchvision's names (docs/convnet.md says how to make one); its SHA-256 is part of the training key. null: train from a seeded initialisation.", when: resnet),
        SchemaKey("model.freeze", .choice(["none", "backbone"]), .string("none"), "resnet: none trains the whole network (fine-tuning); backbone keeps the backbone fixed, computes its features once in a cached `features` stage, and trains the head on them.", when: resnet),
        SchemaKey("model.dropout", .float, .float(0), "Dropout rate before the dense layer.", range: probability),
        SchemaKey("model.embedding", .int, .int(64), "Embedding dimension.", range: .atLeast(1, atMost: 4096)),
        SchemaKey("model.output", .choice(["l2", "sigmoid", "linear"]), .string("l2"), "`l2` (unit sphere), `sigmoid` (the original's) or `linear`."),

        SchemaKey("loss.variant", .choice(lossVariants), .string("std_triplet"), "std_triplet, alt_triplet, geom_triplet (triplet batches, or every triplet of a P x K batch); semi_hard, batch_hard, batch_all (P x K batches); contrastive (either)."),
        SchemaKey("loss.margin", .float, .float(0.5), "Margin alpha (the original used 5 with sigmoid outputs).", range: nonNegative),
        SchemaKey("loss.distance", .optional(.choice(["squared", "euclidean"])), .null, "Distance in the loss terms; null = squared, except euclidean for batch_hard and batch_all (Hermans et al.)."),
        SchemaKey("loss.soft_margin", .bool, .bool(false), "Softplus log(1 + exp(d+ - d-)) instead of the hinge (std_triplet, semi_hard, batch_hard, batch_all).", when: ("loss.variant", softMarginVariants)),

        SchemaKey("loss.semi_hard_fallback", .choice(["largest", "smallest"]), .string("largest"), "semi_hard, for a positive pair with no semi-hard negative: largest takes the farthest negative (TensorFlow Addons' triplet_semihard_loss), smallest the closest (what krill did before this key existed).", when: ("loss.variant", ["semi_hard"])),

        SchemaKey("training.epochs", .int, .int(30), "Number of epochs.", range: .atLeast(1)),
        SchemaKey("training.steps_per_epoch", .int, .int(200), "Optimiser steps per epoch.", range: .atLeast(1)),
        SchemaKey("training.batch.triplets", .optional(.int), .int(32), "Triplets per step (triplet batches).", range: .atLeast(1)),
        SchemaKey("training.batch.classes", .optional(.int), .null, "P: classes per P x K batch.", range: .atLeast(2)),
        SchemaKey("training.batch.per_class", .optional(.int), .null, "K: images per class in a P x K batch.", range: .atLeast(2)),
        SchemaKey("training.optimizer.name", .choice(["sgd", "adam"]), .string("adam"), "`sgd` or `adam`."),
        SchemaKey("training.optimizer.lr", .float, .float(0.001), "Base learning rate.", range: positive),
        SchemaKey("training.optimizer.momentum", .float, .float(0.9), "SGD momentum.", range: probability, when: ("training.optimizer.name", ["sgd"])),
        SchemaKey("training.optimizer.nesterov", .bool, .bool(false), "SGD with Nesterov momentum.", when: ("training.optimizer.name", ["sgd"])),
        SchemaKey("training.optimizer.beta1", .float, .float(0.9), "Adam beta1.", range: probability, when: ("training.optimizer.name", ["adam"])),
        SchemaKey("training.optimizer.beta2", .float, .float(0.999), "Adam beta2.", range: probability, when: ("training.optimizer.name", ["adam"])),
        SchemaKey("training.optimizer.weight_decay", .float, .float(0), "Decoupled weight decay (AdamW style).", range: nonNegative),
        SchemaKey("training.schedule.name", .choice(["constant", "step", "exponential", "cosine", "restarts"]), .string("constant"), "constant, step, exponential, cosine, or restarts (SGDR)."),
        SchemaKey("training.schedule.every", .int, .int(10), "step: epochs between decays.", range: .atLeast(1), when: ("training.schedule.name", ["step"])),
        SchemaKey("training.schedule.factor", .optional(.float), .null, "step: rate multiplier at each decay (null = 0.1); restarts: each cycle this many times longer than the last (null = 2).", range: positive, when: ("training.schedule.name", ["step", "restarts"])),
        SchemaKey("training.schedule.gamma", .float, .float(0.95), "exponential: rate multiplier per epoch.", range: positive, when: ("training.schedule.name", ["exponential"])),
        SchemaKey("training.schedule.min_lr", .float, .float(0), "cosine, restarts: the rate at the end of a cycle.", range: nonNegative, when: ("training.schedule.name", ["cosine", "restarts"])),
        SchemaKey("training.schedule.period", .int, .int(10), "restarts: epochs in the first cycle.", range: .atLeast(1), when: ("training.schedule.name", ["restarts"])),
        SchemaKey("training.schedule.horizon", .optional(.int), .null, "cosine: the epochs the cosine spans (null = training.epochs, so raising epochs changes every epoch's rate and retrains). Set it to extend training later without retraining; epochs past it use min_lr.", range: .atLeast(1), when: ("training.schedule.name", ["cosine"])),
        SchemaKey("training.schedule.warmup_epochs", .int, .int(0), "Linear warm-up epochs before the schedule.", range: nonNegative),
        SchemaKey("training.sampling", .choice(["uniform", "proportional", "sqrt"]), .string("uniform"), "How batches pick classes: uniform (every class equally often, the default), proportional (to its training images: every image equally often) or sqrt (to the square root of its size). For imbalanced data such as ZooScanNet."),
        SchemaKey("training.augment.flip", .bool, .bool(true), "Random horizontal and vertical flips."),
        SchemaKey("training.augment.rotate90", .bool, .bool(true), "Random rotations by multiples of 90 degrees."),
        SchemaKey("training.snapshots", .list(.int), .list([.int(5), .int(15), .int(30)]), "Epochs evaluated in full; the last epoch always is; epochs after the last are ignored.", range: .atLeast(1)),
        SchemaKey("training.checkpoint_every", .int, .int(1), "No effect (kept so older files load): every epoch is committed to the cache as it ends, so training always resumes from the last finished epoch.", range: .atLeast(1)),
        SchemaKey("training.checkpoint_steps", .int, .int(0), "Also save a mid-epoch checkpoint every this many steps (0: only when SIGINT or SIGTERM stops training), for long epochs. Changes no result.", range: nonNegative),

        SchemaKey("evaluate.summaries", .bool, .bool(true), "Per-snapshot centroid summaries and nearest-centroid confusion."),
        SchemaKey("evaluate.baseline", .bool, .bool(true), "Raw-pixel baselines (nearest centroid, and the SVM of evaluate.svm) on the same splits, once per run."),
        SchemaKey("evaluate.baseline_svm_rows", .optional(.int), .int(5000), "The raw-pixel SVM fits on at most this many rows of its fit split, drawn per class in proportion (seeded; null = all). libsvm on raw pixels grows about quadratically with the rows: 2,500 rows of 64 x 64 px take seconds, 25,000 did not finish in 11 minutes and needed 3 GiB.", range: .atLeast(1)),
        SchemaKey("evaluate.tsne.perplexity", .float, .float(30), "t-SNE perplexity.", range: positive),
        SchemaKey("evaluate.tsne.early_exaggeration", .float, .float(12), "Early exaggeration factor.", range: .atLeast(1)),
        SchemaKey("evaluate.tsne.iterations", .int, .int(750), "Gradient-descent iterations in all.", range: .atLeast(1)),
        SchemaKey("evaluate.tsne.exaggerated_iterations", .optional(.int), .null, "Iterations of the early-exaggeration phase, counted in iterations (null = min(250, iterations / 3); scikit-learn always used 250).", range: .atLeast(0)),
        SchemaKey("evaluate.tsne.learning_rate", .numberOrWord(["auto"]), .string("auto"), "A number, or auto (N / early_exaggeration). Numbers are in openTSNE's units: scikit-learn's gradient carries a factor 4 that krill's does not, so scikit-learn's learning rate L is krill's 4 L (its old default 200 is 800 here).", range: positive),
        SchemaKey("evaluate.tsne.method", .choice(["auto", "barnes_hut", "fft"]), .string("auto"), "Repulsive forces: barnes_hut (a quadtree), fft (interpolation and FFT convolution, FIt-SNE), or auto: Barnes-Hut below 25,000 points, FFT from 25,000 up (on two cores both took 17 s at 20,000 points, FFT half of Barnes-Hut's time at 50,000; openTSNE switches at 10,000)."),
        SchemaKey("evaluate.tsne.neighbors", .choice(["auto", "exact", "approximate"]), .string("auto"), "Nearest neighbours of each point's Gaussian: exact (every pair by GEMM, O(N²)), approximate (random-projection trees refined by NN-descent; recall 0.95 at 200,000 points of 64 dimensions), or auto: exact below 200,000 points, approximate from 200,000 up (on two cores: 17 s exact against 14 s at 100,000 points, 65 s against 33 s at 200,000)."),
        SchemaKey("evaluate.tsne.init", .choice(["pca", "random"]), .string("pca"), "pca (openTSNE's default) or random (Gaussian, sd 1e-4: scikit-learn's default before 1.2, the original's)."),
        SchemaKey("evaluate.svm.kernel", .choice(["linear", "poly", "rbf"]), .string("poly"), "linear, poly or rbf."),
        SchemaKey("evaluate.svm.degree", .int, .int(3), "poly: degree.", range: .atLeast(1)),
        SchemaKey("evaluate.svm.C", .float, .float(1), "Regularisation C.", range: positive),
        SchemaKey("evaluate.svm.gamma", .numberOrWord(["scale", "auto"]), .string("scale"), "A number, scale (1 / (D * variance)) or auto (1 / D).", range: positive),
        SchemaKey("evaluate.svm.coef0", .float, .float(0), "poly: coef0."),
        SchemaKey("evaluate.svm.class_weight", .choice(["none", "balanced"]), .string("none"), "none, or balanced: class c's errors cost C n / (k n_c), so rare classes count as much as common ones (scikit-learn's class_weight=\"balanced\")."),
        SchemaKey("evaluate.svm.fit_on", .choice(splits), .string("validation"), "Split the SVM is fitted on."),
        SchemaKey("evaluate.svm.test_on", .choice(splits), .string("test"), "Split it is tested on."),
        SchemaKey("evaluate.kmeans.clusters", .intOrWord(["classes"]), .string("classes"), "Number of clusters, or classes (one per class).", range: .atLeast(1)),
        SchemaKey("evaluate.kmeans.algorithm", .choice(["lloyd", "minibatch"]), .string("minibatch"), "lloyd or minibatch."),
        SchemaKey("evaluate.kmeans.batch_size", .int, .int(1024), "minibatch: points per batch (scikit-learn's default: 1024 today, 100 before 1.4, the original's).", range: .atLeast(1), when: ("evaluate.kmeans.algorithm", ["minibatch"])),
        SchemaKey("evaluate.kmeans.n_init", .int, .int(3), "lloyd: whole runs, the lowest inertia kept; minibatch: k-means++ seedings scored on a validation subset, the best one run (scikit-learn's n_init for each).", range: .atLeast(1)),
        SchemaKey("evaluate.kmeans.fit_on", .choice(splits), .string("validation"), "Split the clusters (and the mapping) are fitted on."),
        SchemaKey("evaluate.kmeans.test_on", .choice(splits), .string("test"), "Split the mapping is tested on."),
        SchemaKey("evaluate.kmeans.mapping", .choice(["hungarian", "majority"]), .string("hungarian"), "hungarian (one-to-one, fitted on fit_on) or majority (the original's method, on test_on: each class claims the cluster holding most of its points, later classes overwriting earlier ones; clusters no class claims are Unknown)."),
        SchemaKey("evaluate.zeroshot.shots", .int, .int(5), "Labelled examples per unseen class used as centroids.", range: .atLeast(1)),
        SchemaKey("evaluate.zeroshot.repeats", .int, .int(20), "Seeded draws of the shots; mean and spread are reported.", range: .atLeast(1)),
        SchemaKey("evaluate.retrieval.query", .choice(splits), .string("test"), "Split whose embeddings are the queries."),
        SchemaKey("evaluate.retrieval.reference", .choice(splits), .string("validation"), "Split searched for each query's neighbours; the query split itself means leave-one-out."),

        SchemaKey("executor.partition", .optional(.string), .null, "`--executor slurm`: the partition of every job; null = the cluster's default. Changes no result (nothing under executor does)."),
        SchemaKey("executor.cpus", .int, .int(2), "CPUs per job (--cpus-per-task).", range: .atLeast(1, atMost: 4096)),
        SchemaKey("executor.memory", .optional(.string), .null, "Memory per job as sbatch reads it (4G, 500M); null = the partition's default."),
        SchemaKey("executor.time", .optional(.string), .null, "Time limit per job (30 = minutes, 2:00:00, 1-12:00:00); null = the partition's default."),
        SchemaKey("executor.sbatch", .list(.string), .list([]), "Extra sbatch flags for every job, verbatim (--account=lab, --qos=long)."),
        SchemaKey("executor.setup", .list(.string), .list([]), "Shell lines every job runs before krill (module load ..., export ...)."),
        SchemaKey("executor.poll_seconds", .float, .float(5), "Seconds between two looks at the queue.", range: .above(0, atMost: 600)),
        SchemaKey("executor.signal_seconds", .int, .int(300), "With a time limit: Slurm sends SIGUSR1 this long before it; training saves a checkpoint and requeues itself (0: never).", range: nonNegative),
    ] + executorKinds.flatMap { kind in [
        SchemaKey("executor.\(kind).partition", .optional(.string), .null, "The partition of \(kind) jobs; null = executor.partition."),
        SchemaKey("executor.\(kind).cpus", .optional(.int), .null, "CPUs of \(kind) jobs; null = executor.cpus.", range: .atLeast(1, atMost: 4096)),
        SchemaKey("executor.\(kind).memory", .optional(.string), .null, "Memory of \(kind) jobs; null = executor.memory."),
        SchemaKey("executor.\(kind).time", .optional(.string), .null, "Time limit of \(kind) jobs; null = executor.time."),
    ] }

    /// The stage kinds whose jobs can ask for their own resources (`executor.<kind>.cpus`);
    /// the others take the `executor` defaults.
    public static let executorKinds = ["rescale", "features", "train", "embed", "tsne", "svm", "kmeans"]

    /// Keys by path, including the hidden `<group>.enabled` switches.
    public static let byPath: [String: SchemaKey] = {
        var map = Dictionary(uniqueKeysWithValues: keys.map { ($0.path, $0) })
        for group in switchableGroups {
            map[group + ".enabled"] = SchemaKey(group + ".enabled", .bool, .bool(true), "Run this evaluator.")
        }
        return map
    }()

    /// Every group path (`training`, `training.optimizer`, ...).
    public static let groups: Set<String> = {
        var out = Set<String>()
        for key in keys {
            var parts = key.path.split(separator: ".").dropLast()
            while !parts.isEmpty {
                out.insert(parts.joined(separator: "."))
                parts = parts.dropLast()
            }
        }
        return out
    }()

    /// The full default configuration.
    public static var defaults: [String: ConfigValue] {
        byPath.mapValues(\.defaultValue)
    }
}
