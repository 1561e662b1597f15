#!/usr/bin/python3
"""Export the sequence models that hierlearn's importer is tested on.

Runs on Debian's python3 with torch 1.13:

    /usr/bin/python3 tools/export_transformers.py --out DIR \
        [--models bert-tiny] [--opsets 14,17] [--seed 0]

Models (random weights, eval mode, batch and sequence axes dynamic):
  bert-tiny   a BERT-style encoder: token, position and segment embeddings
              summed, LayerNorm, 4 nn.TransformerEncoderLayer (hidden 64,
              4 heads, feed-forward 128, GELU, post-norm), a key padding
              mask from attention_mask, and a pooler (tanh(Linear) of the
              first token). Vocabulary 1000, 64 positions, 2 segments.
              Inputs input_ids, attention_mask, token_type_ids (int64,
              [batch, seq]); outputs last_hidden_state [batch, seq, 64]
              and pooler_output [batch, 64].
  bert-tiny-encoder
              bert-tiny after its embeddings: inputs embeddings (float32
              [batch, seq, 64], the summed embeddings) and attention_mask,
              the same outputs; for input gradients.
  ntk-encoder a small bert-tiny for kernels: vocabulary 50, hidden 16, 2
              layers, 2 heads, feed-forward 32, every matrix drawn anew
              (N(0, 1/fan_in)) so that no two layers share one; input
              input_ids alone (int64 [batch, 8]: batch dynamic, sequence
              fixed at 8; no padding, segment 0); output pooler_output
              [batch, 16].
  bert-base   the same at BERT-base size (12 layers, hidden 768, 12 heads,
              feed-forward 3072, 512 positions, vocabulary 30522), for
              benchmarks.

Position ids are a slice of a registered buffer (as Hugging Face's BERT
does): Slice, then Gather from the position table. At opset 17 torch
writes LayerNormalization nodes; at 14 the decomposed form (ReduceMean,
Sub, Pow, Sqrt, Div). GELU is the Erf form at both.

Each model is written to DIR/<model>_op<opset>.onnx (atomically: temp file
then rename); existing files are left alone. One line per model is
printed: the path and the operator histogram.

    /usr/bin/python3 tools/export_transformers.py --out DIR --grad IN.npz OUT.npz

rebuilds bert-tiny from --seed, runs it on the inputs of IN.npz
(input_ids, attention_mask, token_type_ids, and seed_out: float32 of the
shape of last_hidden_state) and writes to OUT.npz the outputs and the
gradient of sum(last_hidden_state * seed_out) with respect to the
embeddings' output (the input of the first LayerNorm), as "grad_emb", and
that embeddings' output as "emb".

    /usr/bin/python3 tools/export_transformers.py --out DIR --ntk IN.npz OUT.npz

rebuilds ntk-encoder from --seed and writes to OUT.npz, as "ntk", the
empirical NTK of its pooler output over the token ids x of IN.npz (int64
[n, 8]): K[i, j] = sum over outputs o of <d f_o(x_i), d f_o(x_j)>, the
gradients (torch autograd, per example) with respect to every parameter,
in float64; and the outputs as "y".
"""
import argparse
import sys

import numpy as np
import torch
import torch.nn as nn
import onnx

from exportutil import export_models, replacing

# NTK_SEQ is ntk-encoder's fixed sequence length (its batch axis alone is
# dynamic, as hierlearn ntk takes).
NTK_SEQ = 8

CONFIGS = {
    "bert-tiny-encoder": dict(vocab=1000, hidden=64, layers=4, heads=4, ff=128, positions=64),
    "bert-tiny": dict(vocab=1000, hidden=64, layers=4, heads=4, ff=128, positions=64),
    "ntk-encoder": dict(vocab=50, hidden=16, layers=2, heads=2, ff=32, positions=8),
    "bert-base": dict(vocab=30522, hidden=768, layers=12, heads=12, ff=3072, positions=512),
}


class Embeddings(nn.Module):
    def __init__(self, vocab, hidden, positions):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(positions, hidden)
        self.segment = nn.Embedding(2, hidden)
        self.register_buffer("position_ids", torch.arange(positions).unsqueeze(0))

    def forward(self, input_ids, token_type_ids):
        seq = input_ids.size(1)
        pos = self.position_ids[:, :seq]
        return self.word(input_ids) + self.position(pos) + self.segment(token_type_ids)


class Bert(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, ff, positions):
        super().__init__()
        self.embeddings = Embeddings(vocab, hidden, positions)
        self.norm = nn.LayerNorm(hidden, eps=1e-12)
        layer = nn.TransformerEncoderLayer(hidden, heads, ff, dropout=0.0,
                                           activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.pooler = nn.Linear(hidden, hidden)

    def encode(self, emb, attention_mask):
        h = self.norm(emb)
        h = self.encoder(h, src_key_padding_mask=attention_mask == 0)
        return h, torch.tanh(self.pooler(h[:, 0]))

    def forward(self, input_ids, attention_mask, token_type_ids):
        return self.encode(self.embeddings(input_ids, token_type_ids), attention_mask)


def build(name, seed):
    torch.manual_seed(seed)
    m = Bert(**CONFIGS[name])
    with torch.no_grad():
        for p in m.parameters():  # larger than the default init: a real test
            if p.dim() == 1:
                p.uniform_(-0.2, 0.2)
        m.norm.weight.uniform_(0.5, 1.5)
        if name == "ntk-encoder":
            # nn.TransformerEncoder starts its layers as copies of one;
            # torch's export would then share their matrices as one
            # initializer, whose gradient is the sum of the layers'.
            for p in m.parameters():
                if p.dim() == 2:
                    p.normal_(0, p.shape[1] ** -0.5)
    return m.eval()


def example(batch, seq, vocab):
    g = torch.Generator().manual_seed(1)
    ids = torch.randint(0, vocab, (batch, seq), generator=g)
    mask = torch.ones(batch, seq, dtype=torch.int64)
    mask[-1, seq // 2:] = 0
    types = torch.zeros(batch, seq, dtype=torch.int64)
    types[:, seq // 2:] = 1
    return ids, mask, types


class Encoder(nn.Module):
    """A Bert after its embeddings."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, embeddings, attention_mask):
        return self.bert.encode(embeddings, attention_mask)


class IDsOnly(nn.Module):
    """A Bert on token ids alone (no padding, segment 0): the pooler's
    output."""

    def __init__(self, bert):
        super().__init__()
        self.bert = bert

    def forward(self, input_ids):
        emb = self.bert.embeddings(input_ids, torch.zeros_like(input_ids))
        return self.bert.encode(emb, torch.ones_like(input_ids))[1]


def export(name, opset, seed, path):
    m = build(name, seed)
    args = example(2, 7, CONFIGS[name]["vocab"])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    seqax = {0: "batch", 1: "seq"}
    outputs = ["last_hidden_state", "pooler_output"]
    axes = {"last_hidden_state": seqax, "pooler_output": {0: "batch"}}
    if name == "ntk-encoder":
        m, args, names = IDsOnly(m), (args[0][:, :1].repeat(1, NTK_SEQ),), ["input_ids"]
        seqax, outputs, axes = {0: "batch"}, ["pooler_output"], {"pooler_output": {0: "batch"}}
    elif name.endswith("-encoder"):
        m = Encoder(m)
        args = (torch.randn(2, 7, CONFIGS[name]["hidden"]), args[1])
        names = ["embeddings", "attention_mask"]
    # Tracing with grad enabled keeps nn.TransformerEncoderLayer off its
    # fused inference kernel (which has no ONNX form).
    with replacing(path) as tmp, torch.enable_grad():
        torch.onnx.export(m, args, tmp, opset_version=opset,
                          input_names=names, output_names=outputs,
                          dynamic_axes={**{n: seqax for n in names}, **axes})


def grad(name, seed, inp, out):
    m = build(name, seed)
    z = np.load(inp)
    ids = torch.from_numpy(z["input_ids"])
    mask = torch.from_numpy(z["attention_mask"])
    types = torch.from_numpy(z["token_type_ids"])
    emb = m.embeddings(ids, types).detach().requires_grad_(True)
    h, pooled = m.encode(emb, mask)
    (h * torch.from_numpy(z["seed_out"])).sum().backward()
    np.savez(out, last_hidden_state=h.detach().numpy(), pooler_output=pooled.detach().numpy(),
             emb=emb.detach().numpy(), grad_emb=emb.grad.numpy())


def ntk(seed, inp, out):
    """The empirical NTK of ntk-encoder's pooler output, traced over its
    elements, from per-example autograd gradients with respect to every
    parameter: K[i, j] = sum_o <d f_o(x_i), d f_o(x_j)>."""
    m = IDsOnly(build("ntk-encoder", seed))
    ids = torch.from_numpy(np.load(inp)["x"])
    params = [p for p in m.parameters()]
    rows = []
    for i in range(ids.shape[0]):
        y = m(ids[i:i + 1])[0]
        per = []
        for o in range(y.shape[0]):
            g = torch.autograd.grad(y[o], params, retain_graph=True, allow_unused=True)
            per.append(torch.cat([(q if q is not None else torch.zeros_like(p)).reshape(-1).double()
                                  for q, p in zip(g, params)]))
        rows.append(torch.stack(per))
    G = torch.stack(rows)  # [n, outputs, params]
    K = torch.einsum("iop,jop->ij", G, G)
    np.savez(out, ntk=K.numpy(), y=m(ids).detach().numpy())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default="bert-tiny")
    ap.add_argument("--opsets", default="14,17")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--grad", nargs=2, metavar=("IN.npz", "OUT.npz"))
    ap.add_argument("--ntk", nargs=2, metavar=("IN.npz", "OUT.npz"))
    a = ap.parse_args()
    if a.ntk:
        ntk(a.seed, a.ntk[0], a.ntk[1])
        return 0
    if a.grad:
        grad("bert-tiny", a.seed, a.grad[0], a.grad[1])
        return 0
    return export_models(a.out, a.models, CONFIGS, a.opsets, lambda name, opset, path: export(name, opset, a.seed, path))


if __name__ == "__main__":
    sys.exit(main())
