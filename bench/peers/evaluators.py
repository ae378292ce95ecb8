#!/usr/bin/env python3
"""krill's evaluators side by side with their peers, on the same numbers.

For each task, runs `krill bench <task> --write-data DIR/<task>.npy` (krill's own time and
quality, and the data it used), then the peers on that data:

    tsne    scikit-learn TSNE (barnes_hut) and openTSNE (its defaults: BH below 10,000
            points, FFT above), perplexity 30, early exaggeration 12 for 250 iterations,
            750 iterations in all, PCA initialisation, learning rate auto   -> kl
    svm     scikit-learn SVC, poly kernel degree 3, C 1, gamma scale (fit + predict) -> accuracy
    kmeans  scikit-learn KMeans(n_init=10) and MiniBatchKMeans(n_init=10), k = classes -> inertia

and prints one JSON object per run plus a table with krill's time ratio to each peer
(with --repeat N, everything runs N times interleaved and the table keeps the fastest
time of each: a shared machine's noise only ever slows a run down).

t-SNE quality: the kl each tool reports is not comparable across tools. Each estimates
KL(P || Q) with its own P (its own nearest neighbours: Annoy, approximate, in openTSNE from
1,000 points; 91 exact ones in scikit-learn) and its own approximate normalisation Z of Q
(Barnes-Hut or FFT interpolation). So the script also scores every final layout
(krill's, written with `krill bench tsne --write-layout`, openTSNE's embedding,
scikit-learn's embedding_) the same way, exactly, as exact_kl:

    P  computed once per data set from the input: exact k = min(N - 1, floor(3 * 30)) = 90
       nearest neighbours, Gaussian bandwidths by binary search to perplexity 30,
       p_ij = (p_j|i + p_i|j) / (2N), summing to 1 (openTSNE's PerplexityBasedNN with
       method="exact", renormalised to sum 1)
    Q  the exact Student-t: w_ij = 1 / (1 + |y_i - y_j|^2), Z = sum over all i != j of w_ij
       in float64, in blocks of rows (about 400,000 distances each) over --threads workers
    exact_kl = sum over P's nonzeros of p_ij (log p_ij - log w_ij) + log Z

exact_kl is computed for every run (every repeat too) outside the timed part, goes into
each run's JSON object, and the table's "exact KL" column shows that of the run whose
time it shows (the fastest). P (exact kNN) and each exact KL cost O(N^2) (at 100,000 points
an exact KL takes about 25 s on one core); their times go to stderr; --no-exact-kl skips them.

    bash bench/peers/setup_evaluators.sh          # bench/.venv with scikit-learn, openTSNE
    bench/.venv/bin/python bench/peers/evaluators.py --krill .build/release/krill [--points 2700] [--tasks tsne,svm,kmeans]

The peers run with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from their environment
(those pin slower kernels); krill runs with the environment as it is.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

KRILL_ENV = dict(os.environ)
for _name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    os.environ.pop(_name, None)  # before numpy loads OpenBLAS: the peers only

import numpy as np  # noqa: E402


def load(prefix):
    x = np.load(prefix + ".npy")
    import csv
    with open(prefix + "-labels.csv") as f:
        names = [row["class"] for row in csv.DictReader(f)]
    classes = sorted(set(names))
    index = {c: i for i, c in enumerate(classes)}
    return x, np.array([index[n] for n in names])


def krill(binary, args):
    out = subprocess.run([binary, "bench", *args], env=KRILL_ENV, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(f):
    start = time.perf_counter()
    value = f()
    return time.perf_counter() - start, value


def tsne_affinities(x, threads, seed, perplexity=30.0):
    """The common P of exact_kl: exact kNN (k = min(N - 1, floor(3 perplexity))), calibrated Gaussians,
    symmetrised, summing to 1; a scipy CSR matrix with no diagonal."""
    from openTSNE.affinity import PerplexityBasedNN
    p = PerplexityBasedNN(np.asarray(x, dtype=np.float64), perplexity=perplexity, method="exact", n_jobs=threads,
                          random_state=seed).P.tocsr()
    p.sum_duplicates()
    p.eliminate_zeros()
    p.data = p.data.astype(np.float64) / p.data.sum(dtype=np.float64)  # already 1 in openTSNE 1.0.4; cheap to be sure
    if p.diagonal().any():
        raise ValueError("P has diagonal entries")
    return p


def exact_kl(p, y, threads=1, block_elements=400_000):
    """KL(P || Q) of layout y (N x 2) with Q the exact Student-t distribution, in float64.

    w_ij = 1 / (1 + |y_i - y_j|^2), Z = sum over i != j of w_ij, KL = sum over P's nonzeros of
    p_ij (log p_ij - log w_ij) + log Z. Z goes by blocks of rows of about block_elements distances
    (3 MB: in cache, 3-4x faster than 200 MB blocks), spread over threads workers and added in
    block order (deterministic).
    """
    from concurrent.futures import ThreadPoolExecutor
    import threading
    y = np.ascontiguousarray(y, dtype=np.float64)
    n = p.shape[0]
    if y.shape != (n, 2):
        raise ValueError(f"layout of shape {y.shape}, expected ({n}, 2)")
    if not np.isfinite(y).all():
        return float("nan")
    coo = p.tocoo()
    # Attraction: sum p_ij (log p_ij + log(1 + d_ij^2)) over P's nonzeros.
    attraction = 0.0
    for s in range(0, coo.nnz, block_elements):
        i, j, v = (a[s:s + block_elements] for a in (coo.row, coo.col, coo.data))
        d2 = np.square(y[i, 0] - y[j, 0]) + np.square(y[i, 1] - y[j, 1])
        attraction += float(np.sum(v * (np.log(v) + np.log1p(d2))))
    # Normalisation: Z over every ordered pair i != j.
    rows = max(1, min(n, block_elements // n))
    x0, x1 = y[:, 0].copy(), y[:, 1].copy()
    local = threading.local()

    def block(s):
        if not hasattr(local, "a"):
            local.a, local.b = np.empty((rows, n)), np.empty((rows, n))
        e = min(n, s + rows)
        blk, tmp = local.a[:e - s], local.b[:e - s]
        np.subtract.outer(x0[s:e], x0, out=blk)
        np.multiply(blk, blk, out=blk)
        np.subtract.outer(x1[s:e], x1, out=tmp)
        np.multiply(tmp, tmp, out=tmp)
        blk += tmp
        blk += 1.0
        np.reciprocal(blk, out=blk)
        blk[np.arange(e - s), np.arange(s, e)] = 0.0  # i == j
        return float(blk.sum())

    with ThreadPoolExecutor(max(1, threads)) as pool:
        z = sum(pool.map(block, range(0, n, rows)))
    return attraction + float(np.log(z))


def bench_tsne(x, threads, seed, peers, score=None):
    """The peers' runs; with score (layout -> float), each row also gets "exact_kl", outside the timing."""
    from sklearn.manifold import TSNE
    import openTSNE
    import sklearn
    rows = []
    if "sklearn" not in peers:
        TSNE = None
    params = dict(n_components=2, perplexity=30.0, early_exaggeration=12.0, learning_rate="auto", init="pca",
                  method="barnes_hut", angle=0.5, random_state=seed, n_jobs=threads)
    iters = "max_iter" if tuple(int(v) for v in sklearn.__version__.split(".")[:2]) >= (1, 5) else "n_iter"
    params[iters] = 750
    if TSNE is not None:
        t, model = timed(lambda: TSNE(**params).fit(x))
        rows.append({"peer": "sklearn TSNE barnes_hut", "seconds": t, "kl": float(model.kl_divergence_)})
        if score is not None:
            rows[-1]["exact_kl"] = score(rows[-1]["peer"], model.embedding_)
        del model
    if "opentsne" not in peers:
        return rows
    t, emb = timed(lambda: openTSNE.TSNE(perplexity=30, early_exaggeration=12, early_exaggeration_iter=250, n_iter=500,
                                         initialization="pca", n_jobs=threads, random_state=seed).fit(x))
    method = "bh" if len(x) < 10000 else "fft"
    rows.append({"peer": f"openTSNE ({method})", "seconds": t, "kl": float(emb.kl_divergence)})
    if score is not None:
        rows[-1]["exact_kl"] = score(rows[-1]["peer"], np.asarray(emb))
    del emb
    if len(x) >= 10000 and "opentsne-bh" in peers:
        t, emb = timed(lambda: openTSNE.TSNE(perplexity=30, early_exaggeration=12, early_exaggeration_iter=250, n_iter=500,
                                             initialization="pca", n_jobs=threads, random_state=seed,
                                             negative_gradient_method="bh").fit(x))
        rows.append({"peer": "openTSNE (bh)", "seconds": t, "kl": float(emb.kl_divergence)})
        if score is not None:
            rows[-1]["exact_kl"] = score(rows[-1]["peer"], np.asarray(emb))
    return rows


def bench_svm(x, y, tx, ty):
    from sklearn.svm import SVC

    def run():
        model = SVC(kernel="poly", degree=3, C=1.0, gamma="scale", coef0=0.0).fit(x, y)
        return model.predict(tx)
    t, predicted = timed(run)
    return [{"peer": "sklearn SVC", "seconds": t, "accuracy": float(np.mean(predicted == ty))}]


def bench_kmeans(x, k, seed):
    from sklearn.cluster import KMeans, MiniBatchKMeans
    t, model = timed(lambda: KMeans(n_clusters=k, n_init=10, random_state=seed).fit(x))
    rows = [{"peer": "sklearn KMeans n_init=10", "seconds": t, "inertia": float(model.inertia_)}]
    t, model = timed(lambda: MiniBatchKMeans(n_clusters=k, n_init=10, random_state=seed).fit(x))
    # MiniBatchKMeans's inertia_ is on the full data after fitting.
    rows.append({"peer": "sklearn MiniBatchKMeans n_init=10", "seconds": t, "inertia": float(model.inertia_)})
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--krill", default=".build/release/krill")
    ap.add_argument("--tasks", default="tsne,svm,kmeans")
    ap.add_argument("--points", type=int, default=2700)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--data-dir", default=None, help="where krill writes the data (default: a temporary folder)")
    ap.add_argument("--tsne-peers", default="sklearn,opentsne",
                    help="t-SNE peers to run: sklearn, opentsne, opentsne-bh (BH forced above 10,000 points)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run everything this many times, interleaved, and keep each run's fastest time")
    ap.add_argument("--tsne-iterations", default="750",
                    help="comma-separated total iterations for krill's t-SNE runs (the peers run 750)")
    ap.add_argument("--tsne-neighbors", default="auto",
                    help="comma-separated nearest-neighbour methods for krill's t-SNE runs: auto, exact, approximate")
    ap.add_argument("--no-exact-kl", action="store_true",
                    help="skip P and the exact KL of every t-SNE layout (O(N^2) each)")
    args = ap.parse_args()
    folder = args.data_dir or tempfile.mkdtemp(prefix="krill-bench-")
    common = ["--points", str(args.points), "--seed", str(args.seed)]
    table = []
    for task in args.tasks.split(","):
        best = {}  # run name -> (seconds, quality, krill?, exact KL) with the fastest of the repeats
        order = []
        p = None  # t-SNE: the common P of exact_kl, once per data set

        def score(name, layout):
            t, value = timed(lambda: exact_kl(p, layout, args.threads))
            print(f"exact KL of {name}: {value:.6f} ({t:.2f} s)", file=sys.stderr, flush=True)
            return value
        quality = {"tsne": "kl", "svm": "accuracy", "kmeans": "inertia"}.get(task)
        if quality is None:
            sys.exit(f"unknown task {task}")
        for repeat in range(args.repeat):
            runs = []
            prefix = os.path.join(folder, task)
            write = ["--write-data", prefix + ".npy"] if repeat == 0 else []
            layouts = {}  # krill t-SNE run name -> its layout's .npy
            if task == "tsne":
                for its, neighbors in [(i, nb) for i in args.tsne_iterations.split(",") for nb in args.tsne_neighbors.split(",")]:
                    layout = [] if args.no_exact_kl else ["--write-layout", os.path.join(folder, f"tsne-krill-layout-{its}-{neighbors}.npy")]
                    m = krill(args.krill, ["tsne", *common, "--threads", str(args.threads), "--iterations", its,
                                           "--neighbors", neighbors, *write, *layout])
                    write = []
                    runs.append((f"krill tsne ({m['iterations']} its, {m['neighbors']} kNN)", m, True))
                    if layout:
                        layouts[runs[-1][0]] = layout[1]
            elif task == "kmeans":
                for algorithm in ("lloyd", "minibatch"):
                    m = krill(args.krill, ["kmeans", *common, "--algorithm", algorithm, *write])
                    write = []
                    runs.append((f"krill kmeans {algorithm}", m, True))
            else:
                m = krill(args.krill, [task, *common, *write])
                runs.append((f"krill {task}", m, True))
            x, y = load(prefix)
            if task == "tsne":
                if not args.no_exact_kl:
                    if p is None:
                        t, p = timed(lambda: tsne_affinities(x, args.threads, args.seed))
                        print(f"exact KL: P of {len(x)} points (exact kNN, perplexity 30, {p.nnz} nonzeros) "
                              f"in {t:.2f} s", file=sys.stderr, flush=True)
                    for name, result, _ in runs:
                        result["exact_kl"] = score(name, np.load(layouts[name]))
                peers = bench_tsne(x, args.threads, args.seed, args.tsne_peers.split(","),
                                   score=None if args.no_exact_kl else score)
            elif task == "svm":
                tx, ty = load(prefix + "-test")
                peers = bench_svm(x, y, tx, ty)
            else:
                peers = bench_kmeans(x, len(set(y.tolist())), args.seed)
            runs += [(p["peer"], p, False) for p in peers]
            for name, result, mine in runs:
                print(json.dumps(dict(result, peer=name, task=task, points=len(x), repeat=repeat)), flush=True)
                if name not in best:
                    order.append(name)
                if name not in best or result["seconds"] < best[name][0]:
                    best[name] = (result["seconds"], result[quality], mine, result.get("exact_kl"))
        for name in order:
            seconds, value, mine, exact = best[name]
            # Each peer is compared with krill's matching run (mini-batch with mini-batch).
            ref = "krill kmeans minibatch" if "MiniBatch" in name else order[0]
            table.append((task, name, seconds, quality, value, exact, None if mine else best[ref][0] / seconds))
    print()
    print(f"{'task':7} {'run':38} {'seconds':>9} {'quality':>22} {'exact KL':>10} {'krill/peer time':>16}")
    for task, name, seconds, quality, value, exact, ratio in table:
        r = "" if ratio is None else f"{ratio:.2f}"
        e = "" if exact is None else f"{exact:.6f}"
        print(f"{task:7} {name:38} {seconds:9.3f} {quality + ' ' + format(value, '.6g'):>22} {e:>10} {r:>16}")


if __name__ == "__main__":
    main()
