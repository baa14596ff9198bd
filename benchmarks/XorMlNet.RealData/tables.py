#!/usr/bin/python3
"""Writes the real-data benchmark's tables and scikit-learn's MLPClassifier results.

For each table: data/<name>.csv with the feature columns, Label (0/1) and Fold (0-4, scikit-learn's
StratifiedKFold(5, shuffle=True, random_state=0)); then MLPClassifier() with its defaults (random_state=0) is
cross-validated on exactly those folds, each fold standardized by a StandardScaler fitted on the four training folds
(as the C# program does), and its mean accuracy and AUC go to data/sklearn-mlp.csv.

Usage: /usr/bin/python3 benchmarks/XorMlNet.RealData/tables.py [output directory, default: data beside this script]
Needs the Debian packages python3-sklearn and python3-numpy.
"""
import csv
import os
import sys
import warnings

import numpy as np
from sklearn import datasets
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler


def tables():
    """(name, X, y, linear?) for every table; y is 0/1."""
    cancer = datasets.load_breast_cancer()
    yield "breast-cancer", cancer.data, cancer.target
    wine = datasets.load_wine()
    yield "wine-class0", wine.data, (wine.target == 0).astype(int)
    iris = datasets.load_iris()
    yield "iris-versicolor", iris.data, (iris.target == 1).astype(int)
    digits = datasets.load_digits()
    yield "digits-0to4", digits.data, (digits.target <= 4).astype(int)
    x, y = datasets.make_moons(n_samples=1000, noise=0.2, random_state=0)
    yield "moons", x, y
    x, y = datasets.make_circles(n_samples=1000, noise=0.1, factor=0.5, random_state=0)
    yield "circles", x, y
    rng = np.random.RandomState(0)
    n = 1000
    signs = rng.choice([-1.0, 1.0], size=(n, 2))
    informative = signs + rng.normal(scale=0.5, size=(n, 2))
    noise = rng.normal(size=(n, 8))
    yield "xor-blobs-noise8", np.hstack([informative, noise]), (signs[:, 0] * signs[:, 1] > 0).astype(int)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
    os.makedirs(out, exist_ok=True)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    results = []
    for name, x, y in tables():
        folds = np.empty(len(y), dtype=int)
        for k, (_, test) in enumerate(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(x, y)):
            folds[test] = k
        with open(os.path.join(out, name + ".csv"), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow([f"f{i}" for i in range(x.shape[1])] + ["Label", "Fold"])
            for row, label, fold in zip(x, y, folds):
                w.writerow([repr(float(v)) for v in row] + [int(label), int(fold)])
        accuracies, aucs = [], []
        for k in range(5):
            train, test = folds != k, folds == k
            scaler = StandardScaler().fit(x[train])
            model = MLPClassifier(random_state=0).fit(scaler.transform(x[train]), y[train])
            p = model.predict_proba(scaler.transform(x[test]))[:, 1]
            accuracies.append(accuracy_score(y[test], p > 0.5))
            aucs.append(roc_auc_score(y[test], p))
        results.append((name, len(y), x.shape[1], np.mean(accuracies), np.mean(aucs)))
        print(f"{name:18} {len(y):5} rows {x.shape[1]:3} features  MLPClassifier accuracy {np.mean(accuracies):.4f}  AUC {np.mean(aucs):.4f}")
    with open(os.path.join(out, "sklearn-mlp.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Table", "Rows", "Features", "Accuracy", "Auc"])
        for r in results:
            w.writerow([r[0], r[1], r[2], repr(float(r[3])), repr(float(r[4]))])


if __name__ == "__main__":
    main()
