#!/usr/bin/python3
"""Export the recurrent models that hierlearn's importer is tested on.

Runs on Debian's python3 with torch 1.13:

    /usr/bin/python3 tools/export_recurrent.py --out DIR \
        [--models lstm-tagger,bigru] [--opsets 14] [--seed 0]

Models (random weights, eval mode, batch and sequence axes dynamic):
  lstm-tagger  a part-of-speech style tagger: Embedding (vocabulary 100,
               16 wide), one LSTM layer (hidden 24, batch first), Linear
               to 7 tags. Input token_ids (int64 [batch, seq]); output
               logits [batch, seq, 7].
  lstm-tagger-encoder
               lstm-tagger after its embedding (the same weights): input
               emb (float32 [batch, seq, 16]); output logits. For input
               gradients.
  lstm         a benchmark: Embedding (vocabulary 1000, 128 wide), two
               LSTM layers (hidden 256, batch first), Linear to 32. Input
               token_ids; output logits [batch, seq, 32].
  bigru        a bidirectional GRU (input 8, hidden 12, batch first; torch
               writes GRU with linear_before_reset=1). Input x (float32
               [batch, seq, 8]); outputs y [batch, seq, 24] and h_n
               [2, batch, 12].
  conv-lstm    a streaming model: Conv1d (4 channels to 8, kernel 3,
               padding 1), ReLU, then an LSTM (hidden 10) carrying its state
               between calls. Inputs x (float32 [batch, 4, frames]), h_0
               and c_0 ([1, batch, 10]); outputs y [batch, frames, 10],
               h_n and c_n ([1, batch, 10]).

Each model is written to DIR/<model>_op<opset>.onnx (atomically: temp file
then rename); existing files are left alone. One line per model is
printed: the path and the operator histogram.

    /usr/bin/python3 tools/export_recurrent.py --grad IN.npz OUT.npz

rebuilds lstm-tagger from --seed, runs its layers after the embedding on
IN.npz's emb (float32 [batch, seq, 16]) and writes to OUT.npz the logits
and the gradient of sum(logits * seed_out) with respect to emb, as
"grad_emb" (seed_out: float32 of the shape of logits, in IN.npz).
"""
import argparse
import sys

import numpy as np
import torch
import torch.nn as nn
import onnx

from exportutil import export_models, replacing


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.lstm = nn.LSTM(16, 24, batch_first=True)
        self.out = nn.Linear(24, 7)

    def forward(self, token_ids):
        return self.encode(self.emb(token_ids))

    def encode(self, emb):
        h, _ = self.lstm(emb)
        return self.out(h)


class BenchLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(1000, 128)
        self.lstm = nn.LSTM(128, 256, num_layers=2, batch_first=True)
        self.out = nn.Linear(256, 32)

    def forward(self, token_ids):
        h, _ = self.lstm(self.emb(token_ids))
        return self.out(h)


class TaggerEncoder(nn.Module):
    """A Tagger after its embedding."""

    def __init__(self, tagger=None):
        super().__init__()
        self.tagger = tagger or Tagger()

    def forward(self, emb):
        return self.tagger.encode(emb)


class ConvLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 8, 3, padding=1)
        self.lstm = nn.LSTM(8, 10, batch_first=True)

    def forward(self, x, h_0, c_0):
        f = torch.relu(self.conv(x)).transpose(1, 2)
        y, (h, c) = self.lstm(f, (h_0, c_0))
        return y, h, c


class BiGRU(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(8, 12, batch_first=True, bidirectional=True)

    def forward(self, x):
        return self.gru(x)


# name: (module, example inputs, input names, output names, dynamic axes)
MODELS = {
    "lstm-tagger": (Tagger, lambda: (torch.randint(0, 100, (2, 7)),), ["token_ids"], ["logits"],
                    {"token_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}),
    "lstm-tagger-encoder": (TaggerEncoder, lambda: (torch.randn(2, 7, 16),), ["emb"], ["logits"],
                            {"emb": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}),
    "conv-lstm": (ConvLSTM, lambda: (torch.randn(2, 4, 9), torch.randn(1, 2, 10), torch.randn(1, 2, 10)),
                  ["x", "h_0", "c_0"], ["y", "h_n", "c_n"],
                  {"x": {0: "batch", 2: "frames"}, "h_0": {1: "batch"}, "c_0": {1: "batch"},
                   "y": {0: "batch", 1: "seq"}, "h_n": {1: "batch"}, "c_n": {1: "batch"}}),
    "lstm": (BenchLSTM, lambda: (torch.randint(0, 1000, (2, 7)),), ["token_ids"], ["logits"],
             {"token_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch", 1: "seq"}}),
    "bigru": (BiGRU, lambda: (torch.randn(2, 7, 8),), ["x"], ["y", "h_n"],
              {"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}, "h_n": {1: "batch"}}),
}


def build(cls, seed):
    torch.manual_seed(seed)
    m = cls()
    with torch.no_grad():
        for p in m.parameters():  # larger than the default init: a real test
            p.uniform_(-0.5, 0.5)
    return m.eval()


def export(name, opset, seed, path):
    cls, example, inputs, outputs, axes = MODELS[name]
    if cls is TaggerEncoder:  # the tagger's weights, drawn the same way
        m = TaggerEncoder(build(Tagger, seed))
    else:
        m = build(cls, seed)
    with replacing(path) as tmp:
        torch.onnx.export(m, example(), tmp, opset_version=opset, input_names=inputs,
                          output_names=outputs, dynamic_axes=axes)


def grad(seed, inp, out):
    m = build(Tagger, seed)
    z = np.load(inp)
    emb = torch.from_numpy(z["emb"]).requires_grad_(True)
    logits = m.encode(emb)
    (logits * torch.from_numpy(z["seed_out"])).sum().backward()
    np.savez(out, logits=logits.detach().numpy(), grad_emb=emb.grad.numpy())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out")
    ap.add_argument("--models", default="lstm-tagger,bigru")
    ap.add_argument("--opsets", default="14")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--grad", nargs=2, metavar=("IN.npz", "OUT.npz"))
    a = ap.parse_args()
    if a.grad:
        grad(a.seed, a.grad[0], a.grad[1])
        return 0
    if not a.out:
        ap.error("--out is required")
    return export_models(a.out, a.models, MODELS, a.opsets, lambda name, opset, path: export(name, opset, a.seed, path))


if __name__ == "__main__":
    sys.exit(main())
