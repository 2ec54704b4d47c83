"""k-center greedy peers for bench/kcenter.ts, written as a NumPy / scikit-learn user would.

  python3 bench/kcenter_peers.py METHOD FILE.f32 ROWS DIM K FIRST

FILE.f32 holds the same float32 rows as the Arrow file proxyrm reads (row-major, no header).
Prints one JSON line: the picks, the seconds spent (reading the file included, interpreter
start excluded) and the BLAS NumPy loaded. Ties go to the lower index (numpy.argmax returns
the first maximum), as in the textbook algorithm.

METHOD:
  numpy-greedy   squared distances as ((X - c) ** 2).sum(axis=1): the direct brute force;
  numpy-blas     ||x||^2 - 2 x.c + ||c||^2 with a BLAS matrix-vector product: faster, but its
                 rounding differs, so near-ties can go another way;
  sklearn        sklearn.metrics.pairwise_distances(X, c, metric="sqeuclidean").
"""
import json
import sys
import time

import numpy as np


def blas_name():
    try:
        from threadpoolctl import threadpool_info

        libs = [f'{i["internal_api"]} {i.get("version") or ""} ({i["filepath"]})'.strip() for i in threadpool_info() if i["user_api"] == "blas"]
        if libs:
            return "; ".join(libs)
    except Exception:
        pass
    # Debian's NumPy links libblas.so.3, which update-alternatives points at a BLAS.
    import os

    for path in ("/etc/alternatives/libblas.so.3-x86_64-linux-gnu", "/etc/alternatives/libblas.so.3-aarch64-linux-gnu"):
        if os.path.exists(path):
            return os.path.realpath(path)
    return "unknown"


def greedy(X, k, first, distances):
    n = X.shape[0]
    min_dist = np.full(n, np.inf, dtype=np.float64)
    picks = [first]
    picked = np.zeros(n, dtype=bool)
    while True:
        c = picks[-1]
        picked[c] = True
        if len(picks) == k:
            return picks
        np.minimum(min_dist, distances(c), out=min_dist)
        candidates = np.where(picked, -1.0, min_dist)
        picks.append(int(np.argmax(candidates)))


def main():
    method, path, rows, dim, k, first = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:7])
    t0 = time.perf_counter()
    X = np.fromfile(path, dtype=np.float32).reshape(rows, dim)
    if method == "numpy-greedy":
        distances = lambda c: ((X - X[c]) ** 2).sum(axis=1)
    elif method == "numpy-blas":
        norms = np.einsum("ij,ij->i", X, X)
        distances = lambda c: np.maximum(norms - 2 * (X @ X[c]) + norms[c], 0)
    elif method == "sklearn":
        from sklearn.metrics import pairwise_distances

        distances = lambda c: pairwise_distances(X, X[c : c + 1], metric="sqeuclidean")[:, 0]
    else:
        sys.exit(f"unknown method {method}")
    picks = greedy(X, k, first, distances)
    seconds = time.perf_counter() - t0
    print(json.dumps({"method": method, "seconds": seconds, "picks": picks, "numpy": np.__version__, "blas": blas_name()}))


main()
