#!/usr/bin/python3
"""PyTorch 1.13 reference of the hierarchical learner HNet (project notes,
shared/notes/hierarchical-learning.md section 2), written from the notes, for
cross-checks and benchmarks of the Go package train.

  hnet_ref.py steps IN.npz OUT.npz
      IN holds x (n, d), y (n), the initial weights K2..KL (k x fan_in),
      R2..R_{L-1} (k(k+1)/2 x k), a (L-1), b (1), idx (T, batch) batch row
      indices, tops and los (T): the top active layer and the lowest trained
      layer of each step, starts (T): 1 where a stage (fresh Adam, fresh
      schedule) begins, stage_steps (T): that stage's length, and meta (JSON:
      d, L, widths, skips, lr, task). Runs T training steps in float64 and
      writes loss (T), gK2.. ga gb (T, ...) (gradients before clipping) and
      the final K2.., a, b, mean2.., var2...

  hnet_ref.py bench --train TRAIN.npz --test TEST.npz [--mode progressive]
      [--width 3] [--steps-per-stage 4000] [--batch 512] [--lr 3e-3]
      [--seed 1] [--dtype float32] [--recipe fixed|plateau] [--cycle 2000]
      [--patience 2] [--step-cap 48000] [--restarts 3] [--val-fraction 0.1]
      [--clip 1.0]
      trains with torch.set_num_threads(1) (recipe plateau: as train/recipe.go,
      see plateau below) and prints one JSON line:
      {"seconds": training wall time, "test_rel_mse": ..., "steps": ...,
       "rss_mb_start": ..., "rss_mb_end": ...}.

Model: H_0 = x, H_1 = (x^2-1)/sqrt 2; S_l = K_l [H_j, j in J_l];
H_l = N_l((R_l S_l)^2) with N_l running statistics (EMA momentum 0.02 of the
detached batch mean and population variance, the first batch sets them,
eps 1e-5, updated before use while K_l trains); F = b + sum_l a_l |S_l|^2.
Adam (torch defaults), gradient-norm clipping (--clip, default 1.0; Go's plateau
recipe passes 0.3), one-cycle learning rate per
stage: t < W = ceil(0.05 T): lr (t+1)/W, else lr (1 + cos(pi (t-W+1)/(T-W+1)))/2.
"""
import json
import math
import resource
import sys
import time

import numpy as np
import torch

MOMENTUM = 0.02
EPS = 1e-5


def default_skips(L):
    return [[0, 1] + ([l - 1] if l - 1 > 1 else []) for l in range(2, L + 1)]


class HNet(torch.nn.Module):
    def __init__(self, d, L, widths, skips, dtype):
        super().__init__()
        self.d, self.L, self.widths, self.skips = d, L, widths, skips
        self.K = torch.nn.ParameterList()
        for l in range(2, L + 1):
            fan = sum(self.dim(j) for j in skips[l - 2])
            self.K.append(torch.nn.Parameter(torch.zeros(widths[l - 2], fan, dtype=dtype)))
        self.R, self.mean, self.var, self.init = {}, {}, {}, {}
        for l in range(2, L):
            k = widths[l - 2]
            m = k * (k + 1) // 2
            self.R[l] = torch.zeros(m, k, dtype=dtype)
            self.mean[l] = torch.zeros(m, dtype=dtype)
            self.var[l] = torch.ones(m, dtype=dtype)
            self.init[l] = False
        self.a = torch.nn.Parameter(torch.tensor([1.0 / w for w in widths], dtype=dtype))
        self.b = torch.nn.Parameter(torch.zeros(1, dtype=dtype))

    def dim(self, j):
        if j <= 1:
            return self.d
        k = self.widths[j - 2]
        return k * (k + 1) // 2

    def random_init(self, gen):
        with torch.no_grad():
            for l in range(2, self.L + 1):
                K = self.K[l - 2]
                fan = K.shape[1]
                K.normal_(0, 1 / math.sqrt(fan), generator=gen)
                if l >= 3 and (l - 1) in self.skips[l - 2]:
                    col = 0
                    for j in self.skips[l - 2]:
                        if j == l - 1:
                            K[:, col:col + self.dim(j)] *= 0.1
                        col += self.dim(j)
            for l in range(2, self.L):
                R = torch.randn(self.R[l].shape, generator=gen, dtype=self.R[l].dtype)
                self.R[l] = R / R.norm(dim=1, keepdim=True)

    def forward(self, x, top, update_from=None, feats=None):
        H = {0: x, 1: (x * x - 1) / math.sqrt(2)}
        F = self.b.expand(x.shape[0])
        for l in range(2, top + 1):
            S = torch.cat([H[j] for j in self.skips[l - 2]], dim=1) @ self.K[l - 2].t()
            if feats is not None:
                feats[l] = S.detach()
            F = F + self.a[l - 2] * (S * S).sum(dim=1)
            if l < self.L:
                Q = (S @ self.R[l].t()) ** 2
                if update_from is not None and l >= update_from:
                    with torch.no_grad():
                        bm, bv = Q.mean(dim=0), Q.var(dim=0, unbiased=False)
                        if not self.init[l]:
                            self.mean[l], self.var[l], self.init[l] = bm.clone(), bv.clone(), True
                        else:
                            self.mean[l] = (1 - MOMENTUM) * self.mean[l] + MOMENTUM * bm
                            self.var[l] = (1 - MOMENTUM) * self.var[l] + MOMENTUM * bv
                H[l] = (Q - self.mean[l]) / torch.sqrt(self.var[l] + EPS)
        return F


def one_cycle(peak, t, T):
    w = math.ceil(0.05 * T)
    if t < w:
        return peak * (t + 1) / w
    return peak * 0.5 * (1 + math.cos(math.pi * (t - w + 1) / (T - w + 1)))


def loss_fn(task, F, y):
    if task == "classification":
        return torch.nn.functional.softplus(-y * F).mean()
    return ((F - y) ** 2).mean()


def trained(model, top, lo):
    return [model.K[l - 2] for l in range(lo, top + 1)] + [model.a, model.b]


def plan(mode, L, steps):
    if mode == "e2e":
        return [(L, 2, (L - 1) * steps)]
    out = []
    for l in range(2, L + 1):
        if mode == "layerwise":
            lo = l
        elif mode.startswith("bfc-"):
            lo = max(2, l - int(mode[4:]))
        else:
            lo = 2
        out.append((l, lo, steps))
    return out


def cmd_steps(inp, outp):
    torch.set_num_threads(1)
    z = np.load(inp)
    meta = json.loads(bytes(z["meta"]).decode())
    d, L, widths, skips = meta["d"], meta["L"], meta["widths"], meta["skips"]
    dt = torch.float64
    model = HNet(d, L, widths, skips, dt)
    with torch.no_grad():
        for l in range(2, L + 1):
            model.K[l - 2].copy_(torch.from_numpy(z["K%d" % l]))
        for l in range(2, L):
            model.R[l] = torch.from_numpy(z["R%d" % l]).clone()
        model.a.copy_(torch.from_numpy(z["a"]))
        model.b.copy_(torch.from_numpy(z["b"]))
    x, y = torch.from_numpy(z["x"]), torch.from_numpy(z["y"])
    idx = torch.from_numpy(z["idx"])
    tops, los, starts, lens = z["tops"], z["los"], z["starts"], z["stage_steps"]
    T = idx.shape[0]
    out = {"loss": np.zeros(T)}
    for l in range(2, L + 1):
        out["gK%d" % l] = np.zeros((T,) + tuple(model.K[l - 2].shape))
    out["ga"], out["gb"] = np.zeros((T, L - 1)), np.zeros((T, 1))
    opt, t = None, 0
    for s in range(T):
        top, lo = int(tops[s]), int(los[s])
        params = trained(model, top, lo)
        if starts[s]:
            opt, t = torch.optim.Adam(params, lr=meta["lr"]), 0
        for p in model.parameters():
            p.grad = None
        F = model(x[idx[s]], top, update_from=lo)
        loss = loss_fn(meta.get("task", "regression"), F, y[idx[s]])
        loss.backward()
        out["loss"][s] = loss.item()
        for l in range(2, L + 1):
            g = model.K[l - 2].grad
            if g is not None:
                out["gK%d" % l][s] = g.numpy()
        out["ga"][s] = model.a.grad.numpy()
        out["gb"][s] = model.b.grad.numpy()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        for g in opt.param_groups:
            g["lr"] = one_cycle(meta["lr"], t, int(lens[s]))
        opt.step()
        t += 1
    for l in range(2, L + 1):
        out["K%d" % l] = model.K[l - 2].detach().numpy()
    for l in range(2, L):
        out["mean%d" % l], out["var%d" % l] = model.mean[l].numpy(), model.var[l].numpy()
    out["a"], out["b"] = model.a.detach().numpy(), model.b.detach().numpy()
    np.savez(outp, **out)


def snapshot(model):
    return ([p.detach().clone() for p in model.parameters()],
            {l: (model.mean[l].clone(), model.var[l].clone(), model.init[l]) for l in model.mean})


def restore(model, snap):
    with torch.no_grad():
        for p, v in zip(model.parameters(), snap[0]):
            p.copy_(v)
    for l, (m, v, i) in snap[1].items():
        model.mean[l], model.var[l], model.init[l] = m.clone(), v.clone(), i


def redraw(model, lo_new, top, gen):
    """Draws K_l and a_l afresh for the layers lo_new..top (Go: learner.redraw)."""
    with torch.no_grad():
        for l in range(lo_new, top + 1):
            K = model.K[l - 2]
            K.normal_(0, 1 / math.sqrt(K.shape[1]), generator=gen)
            if l >= 3 and (l - 1) in model.skips[l - 2]:
                col = 0
                for j in model.skips[l - 2]:
                    if j == l - 1:
                        K[:, col:col + model.dim(j)] *= 0.1
                    col += model.dim(j)
            model.a[l - 2] = 1.0 / model.widths[l - 2]
            if l < model.L:
                model.mean[l], model.var[l], model.init[l] = torch.zeros_like(model.mean[l]), torch.ones_like(model.var[l]), False


def plateau(model, x, y, L, opts, gen, batch, lr):
    """The plateau recipe of train/recipe.go (same algorithm, PyTorch's own
    random streams): the last val-fraction of the rows validate; each stage
    trains in cycles (fresh Adam, one-cycle schedule, lengths cycle x 2^j),
    the first cycle for r candidates (new layers redrawn), until patience
    cycles improve the best validation error by less than 2% or the step
    cap; the best model on validation is kept, the model of the stage before
    (new output terms muted) among them. Returns the steps run."""
    cycle, patience = int(opts.get("--cycle", "2000")), int(opts.get("--patience", "2"))
    cap, restarts = int(opts.get("--step-cap", "48000")), int(opts.get("--restarts", "3"))
    nval = max(1, round(float(opts.get("--val-fraction", "0.1")) * x.shape[0]))
    ntr = x.shape[0] - nval
    xv, yv = x[ntr:], y[ntr:].to(torch.float64)
    stages = plan(opts["--mode"], L, cap)
    total, prev = 0, 1

    def run_cycle(top, lo, T):
        params = trained(model, top, lo)
        opt = torch.optim.Adam(params, lr=lr)
        for t in range(T):
            idx = torch.randint(ntr, (batch,), generator=gen)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn("regression", model(x[idx], top, update_from=lo), y[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, float(opts.get("--clip", "1.0")))
            for g in opt.param_groups:
                g["lr"] = one_cycle(lr, t, T)
            opt.step()
        return validate(top)

    def validate(top):
        with torch.no_grad():
            F = model(xv, top).to(torch.float64)
            return (((F - yv) ** 2).mean() / yv.var(unbiased=False)).item()

    for si, (top, lo, T) in enumerate(stages):
        start, best, bestv = snapshot(model), None, math.inf
        if si > 0:
            # The model of the stage before, the new output terms muted,
            # competes (Go: plateau.stage and learner.mute).
            with torch.no_grad():
                for l in range(prev + 1, top + 1):
                    model.a[l - 2] = 0
            bestv, best = validate(top), snapshot(model)
            restore(model, start)
        tbest, tv = None, math.inf  # the best model the stage trains
        for c in range(restarts):
            if c > 0:
                restore(model, start)
                redraw(model, prev + 1, top, gen)
            v = run_cycle(top, lo, cycle)
            total += cycle
            if v < tv:
                tv, tbest = v, snapshot(model)
            if v < bestv:
                bestv, best = v, tbest
        restore(model, tbest)
        steps, j, since = restarts * cycle, 1, 0
        while since < patience and steps + (cycle << j) <= T:
            v = run_cycle(top, lo, cycle << j)
            steps, total, j = steps + (cycle << j), total + (cycle << j), j + 1
            since = 0 if v < tv * (1 - 0.02) else since + 1
            tv = min(tv, v)
            if v < bestv:
                bestv, best = v, snapshot(model)
        restore(model, best)
        prev = top
    return total


def rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cmd_bench(args):
    torch.set_num_threads(1)
    opts = {"--mode": "progressive", "--width": "3", "--steps-per-stage": "4000", "--batch": "512",
            "--lr": "3e-3", "--seed": "1", "--dtype": "float32"}
    for i in range(0, len(args), 2):
        opts[args[i]] = args[i + 1]
    tr, te = np.load(opts["--train"]), np.load(opts["--test"])
    dt = torch.float32 if opts["--dtype"] == "float32" else torch.float64
    x, y = torch.from_numpy(tr["x"]).to(dt), torch.from_numpy(tr["y"]).to(dt)
    L = 2
    while "s%d" % (L + 1) in te.files:
        L += 1
    d, k = x.shape[1], int(opts["--width"])
    torch.manual_seed(int(opts["--seed"]))
    gen = torch.Generator().manual_seed(int(opts["--seed"]))
    model = HNet(d, L, [k] * (L - 1), default_skips(L), dt)
    model.random_init(gen)
    steps, batch, lr = int(opts["--steps-per-stage"]), int(opts["--batch"]), float(opts["--lr"])
    rss0 = rss_mb()
    t0 = time.perf_counter()
    total = 0
    if opts.get("--recipe", "fixed") == "plateau":
        total = plateau(model, x, y, L, opts, gen, batch, lr)
        steps = 0
    for top, lo, T in plan(opts["--mode"], L, steps) if steps else []:
        params = trained(model, top, lo)
        opt = torch.optim.Adam(params, lr=lr)
        for t in range(T):
            idx = torch.randint(x.shape[0], (batch,), generator=gen)
            opt.zero_grad(set_to_none=True)
            loss = loss_fn("regression", model(x[idx], top, update_from=lo), y[idx])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, float(opts.get("--clip", "1.0")))
            for g in opt.param_groups:
                g["lr"] = one_cycle(lr, t, T)
            opt.step()
            total += 1
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        xt, yt = torch.from_numpy(te["x"]).to(dt), torch.from_numpy(te["y"]).to(torch.float64)
        F = model(xt, L).to(torch.float64)
        rel = (((F - yt) ** 2).mean() / yt.var(unbiased=False)).item()
    print(json.dumps({"seconds": seconds, "test_rel_mse": rel, "steps": total,
                      "steps_per_second": total / seconds, "rss_mb_start": rss0, "rss_mb_end": rss_mb(),
                      "torch": torch.__version__, "threads": torch.get_num_threads()}))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "steps" and len(sys.argv) == 4:
        cmd_steps(sys.argv[2], sys.argv[3])
    elif len(sys.argv) >= 2 and sys.argv[1] == "bench":
        cmd_bench(sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
