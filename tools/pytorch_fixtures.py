#!/usr/bin/python3
"""Golden fixtures from real PyTorch for nn.RNN (tanh, relu), nn.GRU and nn.LSTM.

Writes one safetensors file per case into kernels/src/test/resources/pytorch/ (relative to the
repository root, whatever the current directory). The safetensors format is written by hand, so
only torch (and the numpy it depends on) is needed:

    apt-get install -y python3-torch
    /usr/bin/python3 tools/pytorch_fixtures.py

Each file holds the module's state dict under PyTorch's own names (weight_ih_l{k}, weight_hh_l{k},
bias_ih_l{k}, bias_hh_l{k}, with a _reverse suffix for the backward direction), the inputs
(input [T,B,I] time-major, h0 [L*D,B,H], c0 for LSTM, lengths [B] for variable-length cases) and
the outputs (output [T,B,D*H], h_n [L*D,B,H], c_n for LSTM). Every tensor is F32, lengths too.
See tools/README.md.
"""

import json
import os
import struct
import sys
import zlib

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(ROOT, "kernels", "src", "test", "resources", "pytorch")

MODES = ["RNN_TANH", "RNN_RELU", "GRU", "LSTM"]
FILE_PREFIX = {"RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu", "GRU": "gru", "LSTM": "lstm"}

# (suffix, num_layers, bidirectional, input_size, hidden_size, T, B, lengths or None)
SHAPES = [
    ("l1_uni", 1, False, 5, 7, 6, 3, None),
    ("l2_bi", 2, True, 4, 6, 5, 2, None),
    ("l1_bi_varlen", 1, True, 3, 5, 5, 3, [5, 2, 4]),
    ("l2_uni_varlen", 2, False, 4, 8, 6, 4, [3, 6, 1, 6]),
]

SCALE = 0.5  # inputs and initial states are randn * SCALE


# ----------------------------------------------------------------------------------------------
# safetensors, by hand
# ----------------------------------------------------------------------------------------------

def write_safetensors(path, tensors, metadata):
    """tensors: list of (name, float32 torch tensor) in the order to store; metadata: str -> str."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors:
        a = t.detach().cpu().contiguous().numpy()
        if a.dtype != np.float32:
            raise TypeError(f"{name}: {a.dtype}, expected float32")
        raw = a.astype("<f4", copy=False).tobytes(order="C")
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((-len(hbytes)) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for raw in blobs:
            f.write(raw)
    os.replace(tmp, path)


def read_safetensors(path):
    """Independent-of-the-writer parse: returns (ordered dict name -> np.ndarray, metadata)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0, "header length not a multiple of 8"
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    expected_begin = 0
    for name, info in header.items():
        assert info["dtype"] == "F32", (name, info["dtype"])
        begin, end = info["data_offsets"]
        assert begin == expected_begin, f"{name}: not contiguous"
        count = int(np.prod(info["shape"])) if info["shape"] else 1
        assert end - begin == 4 * count, f"{name}: size mismatch"
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(info["shape"])
        expected_begin = end
    assert expected_begin == len(body), "trailing bytes after the last tensor"
    return tensors, metadata


# ----------------------------------------------------------------------------------------------
# cases
# ----------------------------------------------------------------------------------------------

def make_module(mode, input_size, hidden_size, num_layers, bidirectional):
    kw = dict(input_size=input_size, hidden_size=hidden_size, num_layers=num_layers,
              bias=True, batch_first=False, bidirectional=bidirectional)
    if mode == "RNN_TANH":
        return nn.RNN(nonlinearity="tanh", **kw)
    if mode == "RNN_RELU":
        return nn.RNN(nonlinearity="relu", **kw)
    if mode == "GRU":
        return nn.GRU(**kw)
    if mode == "LSTM":
        return nn.LSTM(**kw)
    raise ValueError(mode)


def run_module(module, mode, x, h0, c0, lengths):
    T = x.shape[0]
    state = (h0, c0) if mode == "LSTM" else h0
    if lengths is None:
        out, hs = module(x, state)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths, dtype=torch.int64),
                                      enforce_sorted=False)
        out_packed, hs = module(packed, state)
        out, out_lengths = pad_packed_sequence(out_packed, total_length=T)
        assert out_lengths.tolist() == list(lengths)
    if mode == "LSTM":
        h_n, c_n = hs
    else:
        h_n, c_n = hs, None
    return out, h_n, c_n


def build_case(mode, suffix, num_layers, bidirectional, input_size, hidden_size, T, B, lengths):
    name = f"{FILE_PREFIX[mode]}_{suffix}"
    torch.manual_seed(zlib.crc32(name.encode("utf-8")))
    module = make_module(mode, input_size, hidden_size, num_layers, bidirectional).float().eval()
    D = 2 if bidirectional else 1
    x = torch.randn(T, B, input_size) * SCALE
    h0 = torch.randn(num_layers * D, B, hidden_size) * SCALE
    c0 = torch.randn(num_layers * D, B, hidden_size) * SCALE if mode == "LSTM" else None
    # For variable-length cases the padding positions of `input` (t >= lengths[b]) keep their
    # random values on purpose: the packed run never reads them, so an implementation that does
    # not mask them off cannot match.

    with torch.no_grad():
        out, h_n, c_n = run_module(module, mode, x, h0, c0, lengths)
        if lengths is not None:
            check_varlen_per_sample(module, mode, x, h0, c0, lengths, out, h_n, c_n)

    tensors = [(k, v) for k, v in module.state_dict().items()]
    tensors.append(("input", x))
    if lengths is not None:
        tensors.append(("lengths", torch.tensor(lengths, dtype=torch.float32)))
    tensors.append(("h0", h0))
    if c0 is not None:
        tensors.append(("c0", c0))
    tensors.append(("output", out))
    tensors.append(("h_n", h_n))
    if c_n is not None:
        tensors.append(("c_n", c_n))

    assert out.shape == (T, B, D * hidden_size)
    assert h_n.shape == (num_layers * D, B, hidden_size)
    metadata = {
        "mode": mode,
        "num_layers": str(num_layers),
        "bidirectional": "true" if bidirectional else "false",
        "input_size": str(input_size),
        "hidden_size": str(hidden_size),
        "torch_version": torch.__version__,
    }
    return name, [(k, v.detach().float().contiguous()) for k, v in tensors], metadata


def check_varlen_per_sample(module, mode, x, h0, c0, lengths, out, h_n, c_n):
    """The packed run must equal running each sample alone on its own valid prefix."""
    T = x.shape[0]
    for b, n in enumerate(lengths):
        hb = h0[:, b:b + 1, :].contiguous()
        cb = c0[:, b:b + 1, :].contiguous() if c0 is not None else None
        ob, hnb, cnb = run_module(module, mode, x[:n, b:b + 1, :].contiguous(), hb, cb, None)
        assert torch.allclose(out[:n, b], ob[:, 0], atol=1e-6), ("output", b)
        assert torch.all(out[n:, b] == 0), ("padding not zero", b)
        assert torch.allclose(h_n[:, b], hnb[:, 0], atol=1e-6), ("h_n", b)
        if c_n is not None:
            assert torch.allclose(c_n[:, b], cnb[:, 0], atol=1e-6), ("c_n", b)
    assert T == max(lengths)


def verify_file(path, tensors, metadata):
    read, meta = read_safetensors(path)
    assert list(read.keys()) == [k for k, _ in tensors], (path, list(read.keys()))
    for k, t in tensors:
        a = t.numpy()
        assert read[k].shape == a.shape, (path, k)
        assert np.array_equal(read[k], a), (path, k)  # bit-exact (no NaNs in fixtures)
    assert meta == metadata, (path, meta)


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for mode in MODES:
        for (suffix, L, bi, I, H, T, B, lengths) in SHAPES:
            name, tensors, metadata = build_case(mode, suffix, L, bi, I, H, T, B, lengths)
            path = os.path.join(OUT_DIR, name + ".safetensors")
            write_safetensors(path, tensors, metadata)
            verify_file(path, tensors, metadata)  # read back every file, bit-exact
            size = os.path.getsize(path)
            total += size
            print(f"{os.path.relpath(path, ROOT)}  {size} bytes")
    print(f"{len(MODES) * len(SHAPES)} files, {total} bytes, torch {torch.__version__}")
    try:  # second, independent reader, if the package happens to be installed
        from safetensors.numpy import load_file
    except ImportError:
        print("safetensors package not installed: second-reader check skipped", file=sys.stderr)
    else:
        for mode in MODES:
            for (suffix, L, bi, I, H, T, B, lengths) in SHAPES:
                path = os.path.join(OUT_DIR, f"{FILE_PREFIX[mode]}_{suffix}.safetensors")
                mine, _ = read_safetensors(path)
                theirs = load_file(path)
                assert set(mine) == set(theirs)
                for k in mine:
                    assert np.array_equal(mine[k], theirs[k]), (path, k)
        print("safetensors package agrees on every file")


if __name__ == "__main__":
    main()
