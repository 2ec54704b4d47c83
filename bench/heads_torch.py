"""Reward-head training in PyTorch (CPU), the peer of bench/heads.ts: the same data, the same
architecture (dim -> hidden, ReLU, -> 1, no first-layer bias, output bias initialised to the
mean score), the same ensemble size, steps, batch size and Adam learning rate, the same
bootstrap-then-minibatch sampling (with NumPy's generator instead of proxyrm's).

  python3 bench/heads_torch.py X.f32 Y.f32 N DIM MEMBERS HIDDEN STEPS LR BATCH

Prints one JSON line: seconds (training only), the training MSE of the ensemble mean, torch's
version and thread count.
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
    x = torch.from_numpy(np.fromfile(xf, dtype=np.float32).reshape(n, dim))
    y = torch.from_numpy(np.fromfile(yf, dtype=np.float32))
    mean = float(y.mean())
    rng = np.random.default_rng(1)
    torch.manual_seed(1)
    t0 = time.perf_counter()
    predictions = []
    for _ in range(members):
        w1 = torch.nn.Parameter(torch.randn(dim, hidden) * (2 / dim) ** 0.5)
        w2 = torch.nn.Parameter(torch.randn(hidden, 1) * (2 / hidden) ** 0.5)
        b2 = torch.nn.Parameter(torch.tensor([mean]))
        opt = torch.optim.Adam([w1, w2, b2], lr=lr)
        boot = rng.integers(0, n, n)
        for _ in range(steps):
            idx = torch.from_numpy(boot[rng.integers(0, n, min(batch, n))])
            pred = (torch.relu(x[idx] @ w1) @ w2 + b2).reshape(-1)
            loss = torch.mean((pred - y[idx]) ** 2)
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            predictions.append((torch.relu(x @ w1) @ w2 + b2).reshape(-1))
    seconds = time.perf_counter() - t0
    mse = float(torch.mean((torch.stack(predictions).mean(0) - y) ** 2))
    print(json.dumps({"seconds": seconds, "mse": mse, "torch": torch.__version__, "threads": torch.get_num_threads()}))


main()
