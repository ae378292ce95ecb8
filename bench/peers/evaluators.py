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


def bench_tsne(x, threads, seed, peers):
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
    if "opentsne" not in peers:
        return rows
    t, emb = timed(lambda: openTSNE.TSNE(perplexity=30, early_exaggeration=12, early_exaggeration_iter=250, n_iter=500,
                                         initialization="pca", n_jobs=threads, random_state=seed).fit(x))
    method = "bh" if len(x) < 10000 else "fft"
    rows.append({"peer": f"openTSNE ({method})", "seconds": t, "kl": float(emb.kl_divergence)})
    if len(x) >= 10000 and "opentsne-bh" in peers:
        t, emb = timed(lambda: openTSNE.TSNE(perplexity=30, early_exaggeration=12, early_exaggeration_iter=250, n_iter=500,
                                             initialization="pca", n_jobs=threads, random_state=seed,
                                             negative_gradient_method="bh").fit(x))
        rows.append({"peer": "openTSNE (bh)", "seconds": t, "kl": float(emb.kl_divergence)})
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
    args = ap.parse_args()
    folder = args.data_dir or tempfile.mkdtemp(prefix="krill-bench-")
    common = ["--points", str(args.points), "--seed", str(args.seed)]
    table = []
    for task in args.tasks.split(","):
        best = {}  # run name -> (seconds, quality, krill?) with the fastest of the repeats
        order = []
        quality = {"tsne": "kl", "svm": "accuracy", "kmeans": "inertia"}.get(task)
        if quality is None:
            sys.exit(f"unknown task {task}")
        for repeat in range(args.repeat):
            runs = []
            prefix = os.path.join(folder, task)
            write = ["--write-data", prefix + ".npy"] if repeat == 0 else []
            if task == "tsne":
                for its in args.tsne_iterations.split(","):
                    m = krill(args.krill, ["tsne", *common, "--threads", str(args.threads), "--iterations", its, *write])
                    write = []
                    runs.append((f"krill tsne ({m['iterations']} iterations)", m, True))
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
                peers = bench_tsne(x, args.threads, args.seed, args.tsne_peers.split(","))
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
                    best[name] = (result["seconds"], result[quality], mine)
        for name in order:
            seconds, value, mine = best[name]
            # Each peer is compared with krill's matching run (mini-batch with mini-batch).
            ref = "krill kmeans minibatch" if "MiniBatch" in name else order[0]
            table.append((task, name, seconds, quality, value, None if mine else best[ref][0] / seconds))
    print()
    print(f"{'task':7} {'run':38} {'seconds':>9} {'quality':>22} {'krill/peer time':>16}")
    for task, name, seconds, quality, value, ratio in table:
        r = "" if ratio is None else f"{ratio:.2f}"
        print(f"{task:7} {name:38} {seconds:9.3f} {quality + ' ' + format(value, '.6g'):>22} {r:>16}")


if __name__ == "__main__":
    main()
