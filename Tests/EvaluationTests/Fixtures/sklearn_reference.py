#!/usr/bin/env python3
"""Computes scikit-learn's figures on embeddings.csv and writes reference.json, which
krill's EvaluationTests compare against. Run once by hand after make_fixture.py (it
needs scikit-learn, which the tests themselves do not):

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn
    /tmp/skvenv/bin/python sklearn_reference.py

What it records:
- report, confusion: classification_report(output_dict) and confusion_matrix of the
  `predicted` column against `class` over labels 0..3 (class 3 is never predicted:
  zero division gives 0);
- nmi, ari: normalized_mutual_info_score / adjusted_rand_score of `cluster` vs `class`;
- balanced_accuracy: balanced_accuracy_score of `predicted` against `class`;
- svc: SVC predictions on the `test` rows after fitting on the `fit` rows, per config;
  configs with `imbalanced` fit on the first 20, 10, 5 and 3 fit rows of classes 0-3
  (with and without class_weight="balanced");
- nearest_centroid: NearestCentroid fitted on `fit`, predicting `test`;
- kmeans: KMeans(n_clusters=4, n_init=10) inertia on all rows, over 5 seeds (min, max).
"""
import csv
import json

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import (adjusted_rand_score, balanced_accuracy_score, classification_report,
                             confusion_matrix, normalized_mutual_info_score)
from sklearn.neighbors import NearestCentroid
from sklearn.svm import SVC

with open("embeddings.csv") as f:
    rows = list(csv.DictReader(f))
dims = sum(1 for k in rows[0] if k.startswith("x"))
X = np.array([[float(r[f"x{j}"]) for j in range(dims)] for r in rows], dtype=np.float32)
y = np.array([int(r["class"]) for r in rows])
pred = np.array([int(r["predicted"]) for r in rows])
cluster = np.array([int(r["cluster"]) for r in rows])
fit = np.array([r["split"] == "fit" for r in rows])
labels = [0, 1, 2, 3]

report = classification_report(y, pred, labels=labels, output_dict=True, zero_division=0)
out = {
    "sklearn_version": sklearn.__version__,
    "report": {
        "classes": [{k: report[str(c)][k] for k in ("precision", "recall", "f1-score", "support")} for c in labels],
        "accuracy": report["accuracy"],
        "macro": report["macro avg"],
        "weighted": report["weighted avg"],
    },
    "confusion": confusion_matrix(y, pred, labels=labels).tolist(),
    "nmi": normalized_mutual_info_score(y, cluster),
    "ari": adjusted_rand_score(y, cluster),
    "balanced_accuracy": balanced_accuracy_score(y, pred),
}

svc_configs = [
    {"name": "poly-original", "kernel": "poly", "degree": 3, "C": 1e-4, "gamma": 1e-5, "coef0": 0.0},
    {"name": "poly", "kernel": "poly", "degree": 3, "C": 1.0, "gamma": 0.1, "coef0": 1.0},
    {"name": "poly-scale", "kernel": "poly", "degree": 3, "C": 0.5, "gamma": "scale", "coef0": 0.0},
    {"name": "rbf", "kernel": "rbf", "degree": 3, "C": 1.0, "gamma": "scale", "coef0": 0.0},
    {"name": "rbf-auto", "kernel": "rbf", "degree": 3, "C": 10.0, "gamma": "auto", "coef0": 0.0},
    {"name": "linear", "kernel": "linear", "degree": 3, "C": 0.1, "gamma": "scale", "coef0": 0.0},
    {"name": "rbf-imbalanced", "kernel": "rbf", "degree": 3, "C": 1.0, "gamma": "scale", "coef0": 0.0,
     "imbalanced": True},
    {"name": "rbf-imbalanced-balanced", "kernel": "rbf", "degree": 3, "C": 1.0, "gamma": "scale", "coef0": 0.0,
     "imbalanced": True, "class_weight": "balanced"},
    {"name": "poly-imbalanced-balanced", "kernel": "poly", "degree": 3, "C": 0.5, "gamma": "scale", "coef0": 1.0,
     "imbalanced": True, "class_weight": "balanced"},
]
# The first 20, 10, 5, 3 fit rows of classes 0, 1, 2, 3.
keep_per_class = [20, 10, 5, 3]
seen = [0, 0, 0, 0]
imbalanced = np.zeros(len(rows), dtype=bool)
for i, r in enumerate(rows):
    c = int(r["class"])
    if r["split"] == "fit" and seen[c] < keep_per_class[c]:
        imbalanced[i] = True
        seen[c] += 1
Xf = X.astype(np.float64)
out["svc"] = []
for cfg in svc_configs:
    model = SVC(kernel=cfg["kernel"], degree=cfg["degree"], C=cfg["C"], gamma=cfg["gamma"], coef0=cfg["coef0"],
                class_weight=cfg.get("class_weight"))
    rows_fit = imbalanced if cfg.get("imbalanced") else fit
    model.fit(Xf[rows_fit], y[rows_fit])
    out["svc"].append(dict(cfg, predictions=model.predict(Xf[~fit]).tolist(), gamma_value=float(model._gamma)))

nc = NearestCentroid().fit(Xf[fit], y[fit])
out["nearest_centroid"] = nc.predict(Xf[~fit]).tolist()

inertias = [float(KMeans(n_clusters=4, n_init=10, random_state=s).fit(Xf).inertia_) for s in range(5)]
out["kmeans"] = {"clusters": 4, "n_init": 10, "inertia_min": min(inertias), "inertia_max": max(inertias)}

with open("reference.json", "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
