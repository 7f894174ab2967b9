#!/usr/bin/env python3
# torch-block.py - the PyTorch profiler trace tests/data/import/torch-block.json:
# a small pre-norm transformer block (layer norm, attention with softmax, a
# SwiGLU feed-forward with silu), then a vocabulary head, the logits' sum
# and their top-5, run for 3 steps under torch.profiler with
# record_shapes=True and with_flops=True, written as a Chrome trace.
#
# Why this script writes the JSON itself: Debian 12's python3-torch (1.13)
# is built without kineto, and its export_chrome_trace then writes the
# legacy layout, a bare array of events with empty "args" (no shapes, no
# FLOPs) - nothing an importer can map (gbench import says so). The
# profiler did record them: prof.events() holds each op's input shapes and
# FLOP count. So the script writes those events in the layout kineto's
# exporter writes (what torch from pip or conda produces): an object with
# "traceEvents", each op {"ph": "X", "cat": "cpu_op", "name", "pid", "tid",
# "ts", "dur" (microseconds), "args": {"Input Dims": [...], "flops": N}},
# and each step a "user_annotation" event "ProfilerStep#N" around its ops
# (what prof.step() records under kineto). Nothing is computed here: every
# number is the profiler's.
#
#   python3 tests/data/import/torch-block.py OUT.json
#
# Sizes are cut small so that the JSON stays a few hundred KB; the test
# (tests/e2e/t1010-import-torch.sh) regenerates the trace where torch is
# installed (Debian 12's python3-torch, 1.13) and imports both.
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile, record_function

DIM, HEADS, HIDDEN, VOCAB, SEQ, STEPS = 64, 4, 128, 512, 8, 3


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(DIM)
        self.wqkv = nn.Linear(DIM, 3 * DIM, bias=False)
        self.wo = nn.Linear(DIM, DIM, bias=False)
        self.norm2 = nn.LayerNorm(DIM)
        self.w1 = nn.Linear(DIM, HIDDEN, bias=False)
        self.w3 = nn.Linear(DIM, HIDDEN, bias=False)
        self.w2 = nn.Linear(HIDDEN, DIM, bias=False)

    def forward(self, x):
        b, t, d = x.shape
        h = self.norm1(x)
        q, k, v = self.wqkv(h).split(DIM, dim=-1)
        q = q.view(b, t, HEADS, d // HEADS).transpose(1, 2)
        k = k.view(b, t, HEADS, d // HEADS).transpose(1, 2)
        v = v.view(b, t, HEADS, d // HEADS).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-2, -1)) * (d // HEADS) ** -0.5
        att = torch.softmax(att, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, d)
        x = x + self.wo(y)
        h = self.norm2(x)
        return x + self.w2(F.silu(self.w1(h)) * self.w3(h))


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(DIM, VOCAB)

    def forward(self, x):
        logits = self.head(self.block(x)[:, -1, :])
        total = logits.sum(dim=-1)
        return torch.topk(logits, 5, dim=-1), total


def kineto_events(prof):
    """The profiler's events in kineto's Chrome-trace layout."""
    pid = os.getpid()
    out = []
    steps = 0
    for e in prof.events():
        start, end = e.time_range.start, e.time_range.end
        # prof.events() renames every "ProfilerStep#N" to "ProfilerStep*".
        if e.name.startswith("ProfilerStep"):
            out.append({"ph": "X", "cat": "user_annotation", "name": "ProfilerStep#%d" % steps,
                        "pid": pid, "tid": e.thread, "ts": start, "dur": end - start,
                        "args": {}})
            steps += 1
            continue
        args = {"Input Dims": e.input_shapes}
        if e.flops:
            args["flops"] = e.flops
        out.append({"ph": "X", "cat": "cpu_op", "name": e.name, "pid": pid,
                    "tid": e.thread, "ts": start, "dur": end - start, "args": args})
    return out


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "torch-block.json"
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = Model().eval()
    x = torch.randn(1, SEQ, DIM)
    with torch.no_grad():
        model(x)  # warm up outside the profiler
        with profile(activities=[ProfilerActivity.CPU], record_shapes=True,
                     with_flops=True) as prof:
            for step in range(STEPS):
                with record_function("ProfilerStep#%d" % step):
                    model(x)
    trace = {"schemaVersion": 1, "displayTimeUnit": "ms",
             "traceName": "torch-block.py, torch " + torch.__version__,
             "traceEvents": kineto_events(prof)}
    with open(out, "w") as f:
        json.dump(trace, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
