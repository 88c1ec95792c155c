"""PyTorch's side of `bin/bench wordlm`: the same full-softmax LSTM language model on the same tokens, in the same run.

The Java command writes (little-endian int32): a header [n_train, n_test, V, T, B, epochs, seeds, H, E], the
training tokens' ids, then the test tokens' ids, and runs
    OMP_NUM_THREADS=1 python3 torch_wordlm.py DATA --seeds 1,2 --lr 2e-3 --clip 1
printing one JSON object per seed and epoch. Model: nn.Embedding(V, E) (default init N(0, 1)), nn.LSTM(E, H),
nn.Linear(H, V) on every step (PyTorch's default initialisation, torch.manual_seed(seed)), cross-entropy, Adam,
clip_grad_norm_. Data order as the Java run's: the tokens cut into B contiguous streams, T tokens a call,
truncated BPTT (the state carried, detached); test perplexity over the test streams from a zero state.
"""
import argparse
import json
import math
import sys
import time

import numpy as np


def streams(ids, batch):
    length = ids.shape[0] // batch
    return ids[: length * batch].reshape(batch, length).t().contiguous()  # [L][B]: column b is stream b


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--clip", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    with open(args.data, "rb") as f:
        n_train, n_test, V, T, B, epochs, _, H, E = (int(v) for v in np.frombuffer(f.read(36), dtype="<i4"))
        train = torch.from_numpy(np.frombuffer(f.read(4 * n_train), dtype="<i4").astype(np.int64))
        test = torch.from_numpy(np.frombuffer(f.read(4 * n_test), dtype="<i4").astype(np.int64))
    train_streams = streams(train, B)
    test_streams = streams(test, B)
    train_calls = (train_streams.shape[0] - 1) // T
    test_calls = (test_streams.shape[0] - 1) // T
    for seed in (int(v) for v in args.seeds.split(",")):
        torch.manual_seed(seed)
        embedding = torch.nn.Embedding(V, E)
        rnn = torch.nn.LSTM(E, H)
        head = torch.nn.Linear(H, V)
        params = list(embedding.parameters()) + list(rnn.parameters()) + list(head.parameters())
        opt = torch.optim.Adam(params, lr=args.lr)
        n_params = V * E + V * (H + 1)  # embeddings + output layer, as the Java rows count them
        for epoch in range(epochs):
            t0 = time.perf_counter()
            total = 0.0
            state = None
            for k in range(train_calls):
                x = train_streams[k * T: (k + 1) * T]
                y = train_streams[k * T + 1: (k + 1) * T + 1]
                opt.zero_grad()
                out, state = rnn(embedding(x), state)
                state = tuple(s.detach() for s in state)
                loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, V), y.reshape(-1))
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, args.clip)
                opt.step()
                total += loss.item()
            seconds = time.perf_counter() - t0
            nll = 0.0
            with torch.no_grad():
                state = None
                for k in range(test_calls):
                    x = test_streams[k * T: (k + 1) * T]
                    y = test_streams[k * T + 1: (k + 1) * T + 1]
                    out, state = rnn(embedding(x), state)
                    nll += torch.nn.functional.cross_entropy(head(out).reshape(-1, V), y.reshape(-1)).item()
            print(json.dumps({"cell": "full-softmax LSTM", "seed": seed, "epoch": epoch + 1,
                              "train_loss": total / train_calls, "test_perplexity": math.exp(nll / test_calls),
                              "seconds": seconds, "parameters": n_params, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    sys.exit(main())
