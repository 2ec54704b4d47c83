"""2-D PCA peers for bench/explore.ts, written as a NumPy / scikit-learn user would.

  python3 bench/explore_peers.py METHOD FILE.f32 ROWS DIM

FILE.f32 holds the same float32 rows (row-major, no header) the kernel projects. Prints one JSON
line: the seconds spent projecting (reading the file and starting the interpreter excluded) and
the share of variance each of the two components explains, to check both found the same plane.

METHOD:
  numpy-eigh   the covariance matrix and numpy.linalg.eigh: what proxyrm's pca2 computes,
               with LAPACK instead of power iteration;
  sklearn      sklearn.decomposition.PCA(n_components=2) with its default solver (randomized
               SVD at these shapes, so its explained shares can fall a little short).
"""
import json
import sys
import time

import numpy as np


def main():
    method, path, rows, dim = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    x = np.fromfile(path, dtype=np.float32).reshape(rows, dim)
    if method == "sklearn":
        from sklearn.decomposition import PCA  # imported before the clock starts
    t0 = time.perf_counter()
    if method == "numpy-eigh":
        centred = x.astype(np.float64) - x.mean(axis=0, dtype=np.float64)
        cov = centred.T @ centred
        values, vectors = np.linalg.eigh(cov)
        top = vectors[:, ::-1][:, :2]
        projected = centred @ top
        explained = (values[::-1][:2] / values.sum()).tolist()
    elif method == "sklearn":
        pca = PCA(n_components=2, random_state=0)
        projected = pca.fit_transform(x)
        explained = pca.explained_variance_ratio_.tolist()
    else:
        raise SystemExit(f"unknown method {method}")
    seconds = time.perf_counter() - t0
    assert projected.shape == (rows, 2)
    print(json.dumps({"seconds": seconds, "explained": explained}))


if __name__ == "__main__":
    main()
