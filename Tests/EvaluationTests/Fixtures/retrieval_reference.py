#!/usr/bin/env python3
"""Writes retrieval_reference.json: pytorch-metric-learning's AccuracyCalculator figures
(precision_at_1, r_precision, mean_average_precision_at_r) on small made-up embeddings,
which krill's EvaluationTests compare against. The tests themselves need no Python.

Rerun it by hand from the repository root (bench/.venv is git-ignored):

    python3 -m venv bench/.venv
    bench/.venv/bin/pip install numpy scikit-learn pytorch-metric-learning "torch==2.13.0+cpu"
    bench/.venv/bin/python Tests/EvaluationTests/Fixtures/retrieval_reference.py

What it makes (numpy, fixed seed, float32, d = 8): a "reference" set of 60 points in 5
classes of 9..15 points and a "query" set of 40 points in the same 5 classes, 6..10
each, in shuffled order. Class means ~ N(0, 0.8^2), noise ~ N(0, 0.5^2) per coordinate,
so the classes overlap and no metric is trivially 1.

What it computes, with AccuracyCalculator(include=(the three), k="max_bin_count"):
- "cross": get_accuracy(query, query_labels, reference, reference_labels,
  ref_includes_query=False): each query ranks the 60 reference points;
- "leave_one_out": get_accuracy(reference, reference_labels, reference,
  reference_labels, ref_includes_query=True): each reference point ranks the other 59
  (pml drops the query's own index from its neighbour list; R excludes it too).

Distance: plain Euclidean on the raw embeddings, no L2 normalisation. The calculator's
default knn_func in pml 2.x is FaissKNN() (faiss.IndexFlatL2, squared L2, which ranks
the same as L2 and does not normalise), but it needs faiss, which this venv does not
have; we pass knn_func=CustomKNN(LpDistance(normalize_embeddings=False, p=2, power=1))
instead: torch.cdist + torch.topk, no faiss. LpDistance's own default is
normalize_embeddings=True, which is why it is set explicitly here.

What it checks before writing:
- no two points are identical, and within every query's row of distances the sorted
  gaps exceed 1e-5 (and 5e-5 among the k+1 nearest, the only ranks the metrics read),
  so there are no (near-)ties and the ranking is the same in float32 torch, float64
  numpy or a float32 Swift implementation (torch.topk promises no order among ties);
- pml's k-nn indices equal a stable numpy argsort of exact float64 distances;
- the three metrics recomputed in plain numpy from pml's definitions (averaged over
  queries, avg_of_avgs=False) agree with pml's to 1e-6.
"""
import json
import os

import numpy as np
import pytorch_metric_learning
import torch
from pytorch_metric_learning.distances import LpDistance
from pytorch_metric_learning.utils.accuracy_calculator import AccuracyCalculator
from pytorch_metric_learning.utils.inference import CustomKNN

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "retrieval_reference.json")

SEED = 20240604
D = 8
REFERENCE_COUNTS = [9, 11, 15, 12, 13]  # 60 points
QUERY_COUNTS = [6, 8, 10, 7, 9]  # 40 points
MEAN_SCALE = 0.8
NOISE_SCALE = 0.5
METRICS = ("precision_at_1", "r_precision", "mean_average_precision_at_r")
MIN_GAP = 1e-5
MIN_GAP_TOP = 5e-5


def make_data():
    rng = np.random.default_rng(SEED)
    means = rng.normal(0.0, MEAN_SCALE, (len(REFERENCE_COUNTS), D))
    ref_labels = rng.permutation(np.repeat(np.arange(len(REFERENCE_COUNTS)), REFERENCE_COUNTS))
    query_labels = rng.permutation(np.repeat(np.arange(len(QUERY_COUNTS)), QUERY_COUNTS))
    ref = (means[ref_labels] + rng.normal(0.0, NOISE_SCALE, (len(ref_labels), D))).astype(np.float32)
    query = (means[query_labels] + rng.normal(0.0, NOISE_SCALE, (len(query_labels), D))).astype(np.float32)
    return query, query_labels, ref, ref_labels


def ranking(query, reference, leave_one_out):
    """Exact float64 Euclidean distances; per query, reference indices nearest first
    (stable argsort), with the query's own index removed when leave_one_out."""
    q = query.astype(np.float64)
    r = reference.astype(np.float64)
    dist = np.sqrt(((q[:, None, :] - r[None, :, :]) ** 2).sum(-1))
    orders = []
    for i in range(len(q)):
        order = np.argsort(dist[i], kind="stable")
        if leave_one_out:
            assert order[0] == i and dist[i, i] == 0.0
            order = order[order != i]
        gaps = np.diff(dist[i, order])
        assert gaps.min() > MIN_GAP, f"near-tie in row {i}: {gaps.min()}"
        orders.append(order)
    return np.array(orders), dist


def numpy_metrics(query_labels, ref_labels, orders, leave_one_out):
    """pml's definitions, averaged over queries: R = number of same-label references
    (minus the query itself when leave_one_out); precision@1 = nearest has the label;
    R-precision = hits among the R nearest / R; MAP@R = (1/R) sum_{i<=R} P(i) rel(i)."""
    p1, rp, mapr = [], [], []
    for i, order in enumerate(orders):
        rel = ref_labels[order] == query_labels[i]
        r = int((ref_labels == query_labels[i]).sum()) - (1 if leave_one_out else 0)
        assert r > 0
        top = rel[:r]
        p1.append(float(rel[0]))
        rp.append(top.sum() / r)
        precision_at_i = np.cumsum(top) / np.arange(1, r + 1)
        mapr.append((precision_at_i * top).sum() / r)
    return {
        "precision_at_1": float(np.mean(p1)),
        "r_precision": float(np.mean(rp)),
        "mean_average_precision_at_r": float(np.mean(mapr)),
    }


def main():
    query, query_labels, ref, ref_labels = make_data()
    both = np.concatenate([query, ref])
    assert len(np.unique(both, axis=0)) == len(both), "duplicate points"

    knn = CustomKNN(LpDistance(normalize_embeddings=False, p=2, power=1))
    calc = AccuracyCalculator(include=METRICS, k="max_bin_count", knn_func=knn, device=torch.device("cpu"))

    cases = {
        "cross": (query, query_labels, ref, ref_labels, False),
        "leave_one_out": (ref, ref_labels, ref, ref_labels, True),
    }
    expected, ks = {}, {}
    for name, (q, ql, r, rl, same) in cases.items():
        pml = calc.get_accuracy(q, ql, r, rl, ref_includes_query=same)
        orders, dist = ranking(q, r, same)
        # The neighbour lists pml ranks on, k = max_bin_count (minus one when same-source).
        k = max(int((rl == c).sum()) for c in np.unique(ql)) - int(same)
        for i, order in enumerate(orders):
            assert np.diff(dist[i, order[: k + 1]]).min() > MIN_GAP_TOP, f"{name}: near-tie in top k of row {i}"
        _, idx = knn(torch.from_numpy(q), k, torch.from_numpy(r), same)
        assert np.array_equal(idx.numpy(), orders[:, :k]), f"{name}: pml and numpy rank differently"
        ours = numpy_metrics(ql, rl, orders, same)
        for m in METRICS:
            assert abs(pml[m] - ours[m]) < 1e-6, (name, m, pml[m], ours[m])
            assert 0.2 < pml[m] < 0.98, (name, m, pml[m])
        expected[name] = {m: float(pml[m]) for m in METRICS}
        ks[name] = k
        print(name, "k =", k, {m: round(v, 6) for m, v in expected[name].items()})

    out = {
        "d": D,
        "distance": "euclidean (raw embeddings, not normalised)",
        "k": ks,
        "reference": [[float(v) for v in row] for row in ref],
        "reference_labels": [int(v) for v in ref_labels],
        "query": [[float(v) for v in row] for row in query],
        "query_labels": [int(v) for v in query_labels],
        "expected": expected,
        "versions": {
            "pytorch_metric_learning": pytorch_metric_learning.__version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
        },
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
