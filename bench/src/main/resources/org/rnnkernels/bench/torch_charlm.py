"""PyTorch's side of `bin/bench charlm`: the same character-level LM on the same text and windows, in the same run.

The Java command writes (little-endian int32): a header [n_train, n_test, V, T, B, epochs, seeds, batches, H],
the training text's character indices, the test text's, then for each seed its window starts
[epochs][batches * B] (the positions its own run trained on), and runs
    OMP_NUM_THREADS=1 python3 torch_charlm.py DATA --cells LSTM,GRU --seeds 1,2 --lr 2e-3 --clip 1
printing one JSON object per cell, seed and epoch. Model: one-hot characters into nn.LSTM / nn.GRU(V, H)
(PyTorch's default initialisation, torch.manual_seed(seed)), nn.Linear(H, V) on every step, cross-entropy,
Adam, clip_grad_norm_; test bits per character over consecutive windows of T, each from a zero state.
"""
import argparse
import json
import math
import sys
import time

import numpy as np


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--cells", default="LSTM,GRU")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    with open(args.data, "rb") as f:
        n_train, n_test, V, T, B, epochs, seeds, batches, H = (int(v) for v in np.frombuffer(f.read(36), dtype="<i4"))
        train = torch.from_numpy(np.frombuffer(f.read(4 * n_train), dtype="<i4").astype(np.int64))
        test = torch.from_numpy(np.frombuffer(f.read(4 * n_test), dtype="<i4").astype(np.int64))
        starts = np.frombuffer(f.read(4 * seeds * epochs * batches * B), dtype="<i4").reshape(seeds, epochs, batches, B)
    offsets = torch.arange(T + 1)
    windows = (n_test - 1) // T
    eval_batch = min(B, windows)
    kinds = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
    for cell in args.cells.split(","):
        for s, seed in enumerate(int(v) for v in args.seeds.split(",")):
            torch.manual_seed(seed)
            rnn = kinds[cell](V, H)
            head = torch.nn.Linear(H, V)
            params = list(rnn.parameters()) + list(head.parameters())
            opt = torch.optim.Adam(params, lr=args.lr)
            n_params = sum(p.numel() for p in params)
            for epoch in range(epochs):
                t0 = time.perf_counter()
                total = 0.0
                for k in range(batches):
                    idx = torch.from_numpy(starts[s, epoch, k].astype(np.int64))[None, :] + offsets[:, None]  # [T+1][B]
                    chars = train[idx]
                    x = torch.nn.functional.one_hot(chars[:-1], V).float()
                    opt.zero_grad()
                    out, _ = rnn(x)
                    loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, V), chars[1:].reshape(-1))
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(params, args.clip)
                    opt.step()
                    total += loss.item()
                seconds = time.perf_counter() - t0
                nll, counted = 0.0, 0
                with torch.no_grad():
                    for w in range(0, windows - eval_batch + 1, eval_batch):
                        idx = (torch.arange(w, w + eval_batch) * T)[None, :] + offsets[:, None]
                        chars = test[idx]
                        out, _ = rnn(torch.nn.functional.one_hot(chars[:-1], V).float())
                        nll += torch.nn.functional.cross_entropy(head(out).reshape(-1, V), chars[1:].reshape(-1),
                                                                 reduction="sum").item()
                        counted += T * eval_batch
                print(json.dumps({"cell": cell, "seed": seed, "epoch": epoch + 1, "train_loss": total / batches,
                                  "test_bits": nll / counted / math.log(2), "seconds": seconds, "parameters": n_params,
                                  "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
