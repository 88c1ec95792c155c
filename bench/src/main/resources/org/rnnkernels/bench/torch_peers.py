"""Times PyTorch's nn.RNN / nn.GRU / nn.LSTM on the benchmark shapes, for the rnnkernels report.

Run once per thread count (the thread environment must be set before torch is imported):
  OMP_NUM_THREADS=n OPENBLAS_NUM_THREADS=n MKL_NUM_THREADS=n OMP_WAIT_POLICY=PASSIVE \
    python3 torch_peers.py --threads n --shapes 1x256x200,16x256x100 --cells GRU,LSTM,RNN_TANH
Prints one JSON object per line: cell, shape, threads, median/p25/p75/min/mean/max microseconds per full
sequence forward (input [T, B, I], I = H, torch.no_grad()), runs, torch version. The report compares the
mean, as JMH's average time for ours is one (see onednn_peers.cpp).
"""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--shapes", required=True)
    ap.add_argument("--cells", required=True)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-runs", type=int, default=7)
    ap.add_argument("--min-seconds", type=float, default=0.5)
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(0)
    # Which BLAS the sgemm inside nn.GRU really uses: the build setting plus the BLAS library mapped
    # into this process after a matmul (Debian's build says "generic": whatever libblas.so.3 points at).
    torch.ones(64, 64) @ torch.ones(64, 64)
    cfg = torch.__config__.show()
    blas_info = next((p.split("=", 1)[1] for p in cfg.replace(",", " ").split() if p.startswith("BLAS_INFO=")), "?")
    libs = set()
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1]
                if "blas" in path.lower() or "mkl" in path.lower() or "blis" in path.lower():
                    libs.add(path)
    except OSError:
        pass
    blas = "BLAS_INFO=" + blas_info + ("; loaded: " + ", ".join(sorted(libs)) if libs else "")
    for cell in a.cells.split(","):
        for shape in a.shapes.split(","):
            b, h, t = (int(v) for v in shape.split("x"))
            if cell == "GRU":
                m = torch.nn.GRU(h, h)
            elif cell == "LSTM":
                m = torch.nn.LSTM(h, h)
            elif cell == "RNN_TANH":
                m = torch.nn.RNN(h, h, nonlinearity="tanh")
            elif cell == "RNN_RELU":
                m = torch.nn.RNN(h, h, nonlinearity="relu")
            else:
                continue
            m.eval()
            x = torch.rand(t, b, h) * 2 - 1
            times = []
            with torch.no_grad():
                for _ in range(a.warmup):
                    m(x)
                start = time.perf_counter()
                while len(times) < a.min_runs or time.perf_counter() - start < a.min_seconds:
                    t0 = time.perf_counter()
                    m(x)
                    times.append((time.perf_counter() - t0) * 1e6)
                    if len(times) >= 1000:
                        break
            times.sort()
            n = len(times)
            q = lambda f: times[min(n - 1, int(f * (n - 1) + 0.5))]
            print(json.dumps({"cell": cell, "shape": shape, "threads": a.threads, "medianUs": q(0.5),
                              "p25Us": q(0.25), "p75Us": q(0.75), "minUs": times[0], "runs": n,
                              "meanUs": sum(times) / n, "maxUs": times[-1],
                              "torch": torch.__version__, "torchThreads": torch.get_num_threads(),
                              "torchBlas": blas}))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
