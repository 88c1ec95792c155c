"""Times PyTorch's dynamic int8 GRU and LSTM (torch.ao.nn.quantized.dynamic.GRU / LSTM, from
torch.ao.quantization.quantize_dynamic with dtype=torch.qint8) beside the float nn.GRU / nn.LSTM they were
made from, for `bench int8` (rnnkernels' int8-weight layers).

Dynamic quantisation: int8 weights (per tensor), and x and h quantised to int8 on every call, int8 x int8
products in int32, rescaled to float. Engine: QNNPACK (`torch.backends.quantized.engine = 'qnnpack'`):
Debian's PyTorch 1.13 has no FBGEMM, and QNNPACK is written for ARM phones, so this is a weak peer.

Run with the thread environment set before torch is imported:
  OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE \
    python3 torch_int8.py --threads 1 --shapes 1x256x100,1x512x100,16x256x100 --cells GRU,LSTM
Prints one JSON object per line: cell, variant (float32 | int8-dynamic), shape (BxHxT, I = H), threads,
median/p25/p75/min/mean/max microseconds per full sequence forward (input [T, B, I], torch.no_grad()), runs, engine,
torch version.
"""
import argparse
import json
import os
import sys
import time



def timed(m, x, warmup, min_runs, min_seconds, quiet):
    """Microseconds per call, sorted. quiet: stderr to /dev/null meanwhile. PyTorch 1.13's dynamic RNN modules
    pass reduce_range=True, and QNNPACK's dynamic linear then warns on every call (two per step, through
    glog, which no setting here silences); the warnings' formatting stays in the timing, their output does not."""
    saved = None
    if quiet:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    try:
        return measured(m, x, warmup, min_runs, min_seconds)
    finally:
        if saved is not None:
            os.dup2(saved, 2)
            os.close(saved)


def measured(m, x, warmup, min_runs, min_seconds):
    times = []
    with torch.no_grad():
        for _ in range(warmup):
            m(x)
        start = time.perf_counter()
        while len(times) < min_runs or time.perf_counter() - start < min_seconds:
            t0 = time.perf_counter()
            m(x)
            times.append((time.perf_counter() - t0) * 1e6)
            if len(times) >= 1000:
                break
    times.sort()
    return times


def wrapped(rnn):
    """quantize_dynamic swaps a model's children, never the model itself: the RNN goes in a container."""
    class Wrap(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = rnn

        def forward(self, x):
            return self.rnn(x)
    return Wrap().eval()


def main():
    global torch
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--shapes", required=True)
    ap.add_argument("--cells", required=True)
    ap.add_argument("--engine", default="qnnpack")
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
    torch.backends.quantized.engine = a.engine
    torch.manual_seed(0)
    for cell in a.cells.split(","):
        for shape in a.shapes.split(","):
            b, h, t = (int(v) for v in shape.split("x"))
            if cell == "GRU":
                kind = torch.nn.GRU
            elif cell == "LSTM":
                kind = torch.nn.LSTM
            else:
                continue
            m = wrapped(kind(h, h))
            q = torch.ao.quantization.quantize_dynamic(m, {kind}, dtype=torch.qint8).eval()
            x = torch.rand(t, b, h) * 2 - 1
            for variant, model in (("float32", m), ("int8-dynamic", q)):
                times = timed(model, x, a.warmup, a.min_runs, a.min_seconds, variant != "float32")
                n = len(times)
                p = lambda f: times[min(n - 1, int(f * (n - 1) + 0.5))]
                print(json.dumps({"cell": cell, "variant": variant, "shape": shape, "threads": a.threads,
                                  "medianUs": p(0.5), "p25Us": p(0.25), "p75Us": p(0.75), "minUs": times[0], "runs": n,
                                  "meanUs": sum(times) / n, "maxUs": times[-1],
                                  "module": type(model.rnn).__module__ + "." + type(model.rnn).__name__,
                                  "engine": torch.backends.quantized.engine, "torch": torch.__version__,
                                  "torchThreads": torch.get_num_threads()}))
                sys.stdout.flush()


if __name__ == "__main__":
    main()
