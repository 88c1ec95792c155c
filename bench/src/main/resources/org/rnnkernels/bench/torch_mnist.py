"""PyTorch's side of `bin/bench mnist`: the same sequential-MNIST protocol on the same data, in the same run.

The Java command writes the split and every epoch's order of the training digits to a binary file
(little-endian: int32 header [n_train, n_test, epochs, seeds, hidden, batch], float32 train images
[n_train][784], int32 train labels, float32 test images, int32 test labels, then for each seed its
int32 orders [epochs][n_train]) and runs this script on it, one JSON object per line per cell, seed
and epoch:
    OMP_NUM_THREADS=1 python3 torch_mnist.py DATA --cells GRU,LSTM,RNN_TANH --seeds 1,2,3 --lr 1e-3 --clip 1
Model: nn.GRU / nn.LSTM / nn.RNN(28, H) with PyTorch's default initialisation (seeded by
torch.manual_seed(seed): the same scheme as the library's, not the same draws), nn.Linear(H, 10) on the
last step, cross-entropy, Adam, clip_grad_norm_; the T = --steps steps of I = 784 / T pixels each are the
rows of the digit (T = 28) or its pixels one by one (T = 784; the file holds them already permuted).
"""
import argparse
import json
import sys
import time

import numpy as np


def read(path, steps):
    with open(path, "rb") as f:
        header = np.frombuffer(f.read(24), dtype="<i4")
        n_train, n_test, epochs, seeds, hidden, batch = (int(v) for v in header)
        train_x = np.frombuffer(f.read(4 * n_train * 784), dtype="<f4").reshape(n_train, steps, 784 // steps)
        train_y = np.frombuffer(f.read(4 * n_train), dtype="<i4")
        test_x = np.frombuffer(f.read(4 * n_test * 784), dtype="<f4").reshape(n_test, steps, 784 // steps)
        test_y = np.frombuffer(f.read(4 * n_test), dtype="<i4")
        orders = np.frombuffer(f.read(4 * seeds * epochs * n_train), dtype="<i4").reshape(seeds, epochs, n_train)
    return train_x, train_y, test_x, test_y, orders, hidden, batch


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--cells", default="GRU,LSTM,RNN_TANH")
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=28, choices=[28, 784])
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    train_x, train_y, test_x, test_y, orders, hidden, batch = read(args.data, args.steps)
    train_x = torch.from_numpy(train_x.copy())
    train_y = torch.from_numpy(train_y.astype(np.int64))
    test_x = torch.from_numpy(test_x.copy()).transpose(0, 1).contiguous()   # [T][n][I]
    test_y = torch.from_numpy(test_y.astype(np.int64))
    kinds = {"GRU": torch.nn.GRU, "LSTM": torch.nn.LSTM, "RNN_TANH": torch.nn.RNN}
    for cell in args.cells.split(","):
        for s, seed in enumerate(int(v) for v in args.seeds.split(",")):
            torch.manual_seed(seed)
            rnn = kinds[cell](784 // args.steps, hidden)
            head = torch.nn.Linear(hidden, 10)
            params = list(rnn.parameters()) + list(head.parameters())
            opt = torch.optim.Adam(params, lr=args.lr)
            n_params = sum(p.numel() for p in params)
            for epoch, order in enumerate(orders[s]):
                order = torch.from_numpy(order.astype(np.int64))
                t0 = time.perf_counter()
                total = 0.0
                batches = len(order) // batch
                for k in range(batches):
                    idx = order[k * batch:(k + 1) * batch]
                    x = train_x[idx].transpose(0, 1)                     # [T][B][I]
                    opt.zero_grad()
                    out, _ = rnn(x)
                    loss = torch.nn.functional.cross_entropy(head(out[-1]), train_y[idx])
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(params, args.clip)
                    opt.step()
                    total += loss.item()
                seconds = time.perf_counter() - t0
                with torch.no_grad():   # in batches of 250, as the library tests (784 steps of all 2,000 at once: 0.8 GB)
                    correct = 0
                    for b in range(0, test_x.shape[1], 250):
                        out, _ = rnn(test_x[:, b:b + 250])
                        correct += (head(out[-1]).argmax(1) == test_y[b:b + 250]).sum().item()
                    accuracy = correct / test_x.shape[1]
                print(json.dumps({"cell": cell, "seed": seed, "epoch": epoch + 1, "train_loss": total / batches,
                                  "test_accuracy": accuracy, "seconds": seconds, "parameters": n_params,
                                  "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
