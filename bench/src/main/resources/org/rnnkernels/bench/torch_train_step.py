"""Times one PyTorch training step of the adding-problem set-up (the training issue's anchor):
forward + MSE + backward + gradient-norm clipping at 1 + Adam (lr 1e-3), one recurrent layer and a
linear head on the last step, input [T, B, 2]; the mean (and the median) of at least 30 steps and 3 s after at least 10
warm-up steps and 1 s (15 steps after 5 read 17-25 ms for one case in four runs within ten minutes on a shared machine: too short to
settle).

The main job runs it (as a resource copied into the results folder) for the report's training table,
one JSON object per line:
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE \
      python3 torch_train_step.py --threads 1 --cases GRU:64x64x100,LSTM:64x64x100,GRU:16x256x100
By hand (tools/torch_train_step.py is a link to this file), one human-readable line; arguments
CELL H B T THREADS:
    OMP_WAIT_POLICY=PASSIVE python3 tools/torch_train_step.py GRU 64 64 100 1
"""
import argparse
import json
import statistics
import sys
import time

WARMUP = 10
WARMUP_SECONDS = 1.0
MEASURED = 30
MEASURED_SECONDS = 3.0


def time_step(torch, cell, batch, hidden, steps):
    """Milliseconds of each measured training step (at least MEASURED and MEASURED_SECONDS) after the warm-up ones
    (at least WARMUP and WARMUP_SECONDS), sorted."""
    torch.manual_seed(1)
    rnn = {"GRU": torch.nn.GRU, "LSTM": torch.nn.LSTM, "RNN_TANH": torch.nn.RNN}[cell](2, hidden)
    head = torch.nn.Linear(hidden, 1)
    params = list(rnn.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3)
    x = torch.rand(steps, batch, 2)
    y = torch.rand(batch, 1)
    def step():
        t0 = time.perf_counter()
        opt.zero_grad()
        out, _ = rnn(x)
        loss = torch.nn.functional.mse_loss(head(out[-1]), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return (time.perf_counter() - t0) * 1e3

    start, warm = time.perf_counter(), 0
    while warm < WARMUP or time.perf_counter() - start < WARMUP_SECONDS:
        step()
        warm += 1
    times, start = [], time.perf_counter()
    while len(times) < MEASURED or time.perf_counter() - start < MEASURED_SECONDS:
        times.append(step())
    return sorted(times)


def import_torch(threads):
    import torch
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    return torch


def blas_in_use(torch):
    """The build's BLAS_INFO and the BLAS libraries mapped after a matmul (as torch_peers.py reports it)."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    cfg = torch.__config__.show()
    info = next((p.split("=", 1)[1] for p in cfg.replace(",", " ").split() if p.startswith("BLAS_INFO=")), "?")
    libs = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if any(k in path.lower() for k in ("blas", "mkl", "blis")):
                    libs.add(path)
    except OSError:
        pass
    return "BLAS_INFO=" + info + ("; loaded: " + ", ".join(sorted(libs)) if libs else "")


def main():
    if len(sys.argv) == 6 and not sys.argv[1].startswith("-"):
        cell, hidden, batch, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), \
            int(sys.argv[5])
        torch = import_torch(threads)
        times = time_step(torch, cell, batch, hidden, steps)
        print(f"pytorch {torch.__version__} {cell} H={hidden} B={batch} T={steps} threads={threads}: "
              f"median {statistics.median(times):.1f} ms per training step")
        return
    ap = argparse.ArgumentParser(description="PyTorch training-step timing, JSON lines (see the module doc)")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--cases", required=True, help="CELL:BxHxT,... (cells GRU, LSTM, RNN_TANH)")
    a = ap.parse_args()
    torch = import_torch(a.threads)
    blas = blas_in_use(torch)
    for case in a.cases.split(","):
        cell, shape = case.split(":")
        b, h, t = (int(v) for v in shape.split("x"))
        times = time_step(torch, cell, b, h, t)
        n = len(times)
        q = lambda f: times[min(n - 1, int(f * (n - 1) + 0.5))]
        print(json.dumps({"cell": cell, "shape": shape, "threads": a.threads, "medianMs": statistics.median(times),
                          "p25Ms": q(0.25), "p75Ms": q(0.75), "minMs": times[0], "runs": n, "warmup": WARMUP,
                          "meanMs": sum(times) / n, "maxMs": times[-1],
                          "torch": torch.__version__, "torchThreads": torch.get_num_threads(),
                          "torchBlas": blas}))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
