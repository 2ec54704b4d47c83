"""Reward-head training in PyTorch (CPU), the peer of bench/heads.ts: the same data, the same
architecture (dim -> hidden, ReLU, -> 1, no first-layer bias, output bias initialised to the
mean score), the same ensemble size, steps, batch size and Adam learning rate, the same
bootstrap-then-minibatch sampling.

  python3 bench/heads_torch.py X.f32 Y.f32 N DIM MEMBERS HIDDEN STEPS LR BATCH [W1.f32 W2.f32 IDX.i32]

With W1, W2 and IDX (bench/heads-draws.ts: proxyrm's initial weights per member and the example
indices of every minibatch) it trains from exactly proxyrm's draws, so its MSE must match
proxyrm's up to float32 rounding; without them it draws its own (NumPy's and torch's generators,
seed 1), which moves the MSE as much as a different seed does.

Prints one JSON line: seconds (training only), the training MSE of the ensemble mean, which
draws it used, torch's version and thread count.
"""
import json
import sys
import time

import numpy as np
import torch


def main():
    xf, yf = sys.argv[1], sys.argv[2]
    n, dim, members, hidden, steps = map(int, sys.argv[3:8])
    lr, batch = float(sys.argv[8]), int(sys.argv[9])
    batch = min(batch, n)
    x = torch.from_numpy(np.fromfile(xf, dtype=np.float32).reshape(n, dim))
    y = torch.from_numpy(np.fromfile(yf, dtype=np.float32))
    given = len(sys.argv) > 10
    if given:
        w1s = np.fromfile(sys.argv[10], dtype=np.float32).reshape(members, dim, hidden)
        w2s = np.fromfile(sys.argv[11], dtype=np.float32).reshape(members, hidden, 1)
        batches = np.fromfile(sys.argv[12], dtype=np.int32).reshape(members, steps, batch).astype(np.int64)
    mean = float(y.mean())
    rng = np.random.default_rng(1)
    torch.manual_seed(1)
    t0 = time.perf_counter()
    predictions = []
    for j in range(members):
        if given:
            w1 = torch.nn.Parameter(torch.from_numpy(w1s[j].copy()))
            w2 = torch.nn.Parameter(torch.from_numpy(w2s[j].copy()))
        else:
            w1 = torch.nn.Parameter(torch.randn(dim, hidden) * (2 / dim) ** 0.5)
            w2 = torch.nn.Parameter(torch.randn(hidden, 1) * (2 / hidden) ** 0.5)
            boot = rng.integers(0, n, n)
        b2 = torch.nn.Parameter(torch.tensor([mean]))
        opt = torch.optim.Adam([w1, w2, b2], lr=lr)
        for step in range(steps):
            idx = torch.from_numpy(batches[j, step] if given else boot[rng.integers(0, n, batch)])
            pred = (torch.relu(x[idx] @ w1) @ w2 + b2).reshape(-1)
            loss = torch.mean((pred - y[idx]) ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            predictions.append((torch.relu(x @ w1) @ w2 + b2).reshape(-1))
    seconds = time.perf_counter() - t0
    mse = float(torch.mean((torch.stack(predictions).mean(0) - y) ** 2))
    print(json.dumps({"seconds": seconds, "mse": mse, "draws": "proxyrm" if given else "own", "torch": torch.__version__, "threads": torch.get_num_threads()}))


main()
