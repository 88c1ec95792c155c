"""Times one PyTorch training step of the adding-problem set-up (the training issue's anchor):
forward + backward + Adam (lr 1e-3) + gradient clipping 1, one recurrent layer and a linear head on the
last step, input [T, B, 2]; median of 15 steps after 5 warm-up steps, on the given thread count.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 tools/torch_train_step.py GRU 64 64 100 1
"""
import statistics
import sys
import time

import torch

cell, hidden, batch, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(1)
rnn = {"GRU": torch.nn.GRU, "LSTM": torch.nn.LSTM, "RNN_TANH": torch.nn.RNN}[cell](2, hidden)
head = torch.nn.Linear(hidden, 1)
params = list(rnn.parameters()) + list(head.parameters())
opt = torch.optim.Adam(params, lr=1e-3)
x = torch.rand(steps, batch, 2)
y = torch.rand(batch, 1)
times = []
for i in range(20):
    t0 = time.perf_counter()
    opt.zero_grad()
    out, _ = rnn(x)
    loss = torch.nn.functional.mse_loss(head(out[-1]), y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    if i >= 5:
        times.append(time.perf_counter() - t0)
print(f"pytorch {torch.__version__} {cell} H={hidden} B={batch} T={steps} threads={threads}: "
      f"median {statistics.median(times) * 1e3:.1f} ms per training step")
