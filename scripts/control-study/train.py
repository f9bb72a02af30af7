"""Trains a CSC-Tuner or a ControlNet on one control-bench experiment the way the engine's trainer
does (train-tuner.ts with the bench's settings: constant lr, no warm-up, AdamW 0.9/0.999/1e-8/0.01,
no gradient clipping, no EMA, no flip, epsilon MSE of the frozen U-Net with the tuner, frozen
encoder outside the tape) and writes a file the engine loads (tuner-file.ts for CSC-Tuners,
baseline-file.ts for ControlNets), so `npm run bench -- control --tuners DIR` evaluates it.

  python3 scripts/control-study/train.py --experiment depth --method csc --steps 800 --lr 2e-3 \
      --out /tmp/depth-csc.safetensors [--save-at 800,4000 --snapshot DIR] [--device cuda]

With a constant rate the first k steps of a longer run are exactly a k-step run (same samples,
same updates), so --save-at writes those as well: DIR/<experiment>-<method>-<k>.safetensors."""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import DATA_DIR, ExperimentData, SamplePlan  # noqa: E402
from modules import MODEL_DIR, alphas_cumprod, build_tuner, load_model_folder, write_safetensors  # noqa: E402

EXPERIMENT_CONDITION = {"depth": "depth", "pose": "pose", "canny-figures": "canny", "canny-emoji": "canny"}


def parse_args(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--experiment", required=True, choices=sorted(EXPERIMENT_CONDITION))
    ap.add_argument("--method", required=True, choices=["csc", "controlnet"])
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--lr", type=float, required=True)
    ap.add_argument("--schedule", choices=["constant", "cosine"], default="constant",
                    help="learning rate per step: constant, or cosine decay to 0 over --steps (lr-schedule.ts)")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--caption-dropout", type=float, default=0.5)
    ap.add_argument("--out", required=True, help="the final tuner file")
    ap.add_argument("--save-at", default="", help="comma-separated steps to also save (with --snapshot)")
    ap.add_argument("--snapshot", default=None, help="folder for the --save-at files")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--dtype", choices=["F32", "F16"], default="F32", help="tensor type in the final file")
    ap.add_argument("--snapshot-dtype", choices=["F32", "F16"], default=None, help="tensor type in the --save-at files (default --dtype)")
    ap.add_argument("--deadline", type=float, default=None, help="wall seconds; past it, save the step reached and stop")
    ap.add_argument("--downsample-hint-kernel", type=int, choices=[1, 3], default=None,
                    help="CSC-Tuner: kernel of the dense hints that halve the hint (the config's downsampleHintKernel; "
                         "absent as in defaultCscTunerConfig)")
    ap.add_argument("--csc-config", default=None,
                    help='CSC-Tuner: JSON fields over the default config (a design probe), e.g. \'{"downRatio": 1.5}\'')
    ap.add_argument("--log-every", type=int, default=100)
    ap.add_argument("--stream", choices=["engine", "torch"], default="engine",
                    help="engine: the TypeScript trainer's very samples, timesteps, dropout and noise (rng.py); "
                         "torch: the same distributions from torch's generators")
    ap.add_argument("--graph", action="store_true",
                    help="cuda: capture the whole step (forward, backward, AdamW) as a CUDA graph after 3 eager steps; "
                         "falls back to eager if capture fails")
    ap.add_argument("--data-dir", default=DATA_DIR)
    ap.add_argument("--model-dir", default=MODEL_DIR)
    return ap.parse_args(argv)


class Trainer:
    """One run's state; `step()` is one optimiser step (usable by the parity check too)."""

    def __init__(self, args):
        self.args = args
        self.device = torch.device(args.device)
        torch.set_num_threads(args.threads)
        if self.device.type == "cuda":
            # Plain fp32 everywhere: the parity check holds for fp32 only.
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
            torch.set_float32_matmul_precision("highest")
            torch.backends.cudnn.benchmark = True
        torch.manual_seed(args.seed)
        self.condition = EXPERIMENT_CONDITION[args.experiment]
        self.manifest, unet, text = load_model_folder(args.model_dir)
        self.data = ExperimentData(args.experiment, args.data_dir)
        self.base_model = self.data.meta["baseModel"]
        self.unet = unet.to(self.device)
        self.x0, self.cond, self.contexts, self.empty = self.data.tensors(text, self.device)
        self.text_parity = self.data.text_parity(self.contexts, self.empty)
        self.tuner = build_tuner(args.method, unet, self.manifest, self.condition, seed=args.seed,
                                 downsample_hint_kernel=args.downsample_hint_kernel,
                                 csc_overrides=json.loads(args.csc_config) if args.csc_config else None).to(self.device)
        self.tuner.train()
        self.params = [p for p in self.tuner.parameters()]
        for p in self.params:
            p.requires_grad_(True)
        kw = {"fused": True, "capturable": True} if self.device.type == "cuda" else {"foreach": True}
        self.opt = torch.optim.AdamW(self.params, lr=args.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01, **kw)
        acp = alphas_cumprod(self.manifest["schedule"])
        self.sqrt_ab = torch.from_numpy(np.sqrt(acp).astype(np.float32)).to(self.device)
        self.sqrt_1mab = torch.from_numpy(np.sqrt(1 - acp).astype(np.float32)).to(self.device)
        self.train_timesteps = len(acp)
        if self.manifest["schedule"].get("prediction", "epsilon") != "epsilon":
            raise SystemExit("only epsilon prediction is ported")
        self.plan = SamplePlan(self.data.count, args.steps, args.batch, args.seed, self.train_timesteps, args.caption_dropout,
                               self.data.meta["latentShape"], args.stream)
        self.noise_all = None if self.plan.noise is None else self.plan.noise.to(self.device)
        self.example = self.plan.example.to(self.device)
        self.timestep = self.plan.timestep.to(self.device)
        self.dropped = self.plan.dropped.to(self.device)
        self.gen = torch.Generator(device=self.device).manual_seed(self.plan.noise_seed)
        self.graph = None

    def loss(self, x0, noise, t, context, cond):
        """withNetworkInputs + the objective: MSE of the prediction against the noise (epsilon)."""
        a = self.sqrt_ab[t].view(-1, 1, 1, 1)
        b = self.sqrt_1mab[t].view(-1, 1, 1, 1)
        noisy = x0 * a + noise * b
        out = self.tuner.forward_unet(self.unet, noisy, t.float(), context, cond)
        return torch.mean((out - noise) ** 2)

    def sample_loss(self, idx, t, dropped, noise):
        """The loss of the batch of examples `idx` at timesteps `t` with `noise` (dropped: empty prompt)."""
        ctx = torch.where(dropped.view(-1, 1, 1), self.empty[None], self.contexts[idx])
        return self.loss(self.x0[idx], noise, t, ctx, self.cond[idx])

    def noise(self, s):
        """The noise of step s's batch [B, C, H, W]."""
        if self.noise_all is not None:
            return self.noise_all[s]
        return torch.randn((self.args.batch, *self.x0.shape[1:]), generator=self.gen, device=self.device)

    def step(self, s):
        """Optimiser step s (0-based); returns the batch's loss as a device scalar."""
        if self.graph is not None:
            self.static_idx.copy_(self.example[s])
            self.static_t.copy_(self.timestep[s])
            self.static_dropped.copy_(self.dropped[s])
            self.static_noise.copy_(self.noise(s))
            self.graph.replay()
            return self.static_loss
        loss = self.sample_loss(self.example[s], self.timestep[s], self.dropped[s], self.noise(s))
        for group in self.opt.param_groups:
            group["lr"] = learning_rate_at(self.args, s)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return loss.detach()

    def capture(self, s):
        """Captures the whole step as a CUDA graph (PyTorch's whole-network capture: static inputs,
        grads allocated inside the capture, a capturable fused AdamW). Steps before s ran eagerly
        (the warm-up on a side stream). Checks the graph's loss against an eager forward of the same
        batch at step s. Returns False (and stays eager) when capture fails."""
        b = self.args.batch
        self.static_idx = self.example[s].clone()
        self.static_t = self.timestep[s].clone()
        self.static_dropped = self.dropped[s].clone()
        self.static_noise = torch.zeros((b, *self.x0.shape[1:]), device=self.device)
        try:
            torch.cuda.synchronize()
            graph = torch.cuda.CUDAGraph()
            self.opt.zero_grad(set_to_none=True)
            with torch.cuda.graph(graph):
                self.static_loss = self.sample_loss(self.static_idx, self.static_t, self.static_dropped, self.static_noise)
                self.static_loss.backward()
                self.opt.step()
            torch.cuda.synchronize()
        except Exception as e:  # noqa: BLE001 - any capture failure: go on eagerly
            print(f"CUDA graph capture failed ({type(e).__name__}: {e}); training eagerly", flush=True)
            torch.cuda.synchronize()
            self.opt.zero_grad(set_to_none=True)
            self.graph = None
            return False
        # The graph's forward must compute what eager does: the same batch, before its update.
        noise = self.noise(s)
        with torch.no_grad():
            eager = float(self.sample_loss(self.example[s], self.timestep[s], self.dropped[s], noise))
        self.static_idx.copy_(self.example[s])
        self.static_t.copy_(self.timestep[s])
        self.static_dropped.copy_(self.dropped[s])
        self.static_noise.copy_(noise)
        graph.replay()
        graphed = float(self.static_loss)
        print(f"CUDA graph check at step {s + 1}: eager loss {eager:.6f}, graph loss {graphed:.6f}", flush=True)
        if not abs(eager - graphed) <= 1e-4 * max(1.0, abs(eager)):
            raise SystemExit(f"CUDA graph loss {graphed} differs from eager {eager}: stop (rerun without --graph)")
        self.graph = graph
        return True

    def save(self, path, step, losses, seconds, dtype=None):
        args = self.args
        history = [{"step": k + 1, "loss": float(f"{v:.6g}")} for k, v in enumerate(losses[:step])]
        training = {
            "kind": args.method, "condition": self.condition, "trainer": "scripts/control-study/train.py (PyTorch port)",
            "device": str(self.device), "experiment": args.experiment, "steps": step, "batchSize": args.batch,
            "gradientAccumulation": 1, "lr": args.lr, "schedule": args.schedule, "warmupSteps": 0,
            "resolution": int(self.data.meta["imageSize"][0]), "flip": False, "seed": args.seed, "emaDecay": None,
            "captionDropout": args.caption_dropout, "images": self.data.count, "sampleStream": args.stream,
            "finalLoss": float(losses[step - 1]) if step else None, "trainSeconds": round(seconds, 2),
            "lossHistory": history,
        }
        if args.method == "csc":
            training["downRatio"] = self.tuner.config["downRatio"]  # 1 unless --csc-config overrides it
        name = f"{args.experiment}-{args.method}"
        if args.method == "csc":
            md = self.tuner.file_metadata(self.base_model, name=name, training=training)
        else:
            md = self.tuner.file_metadata(self.base_model, self.condition, name=name, training=training)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        write_safetensors(path, self.tuner.file_tensors(), dtype=dtype or args.dtype, metadata=md)


def learning_rate_at(args, step):
    """lr-schedule.ts's learningRateAt without warm-up: step is 0-based, cosine reaches 0 at --steps."""
    if args.schedule == "constant":
        return args.lr
    progress = min(1.0, step / max(1, args.steps))
    return 0.5 * args.lr * (1 + math.cos(math.pi * progress))


def smoothed(losses, upto):
    """The trainer's EMA (0.9, bias-corrected) of the loss after `upto` steps."""
    s = 0.0
    for v in losses[:upto]:
        s = 0.9 * s + 0.1 * float(v)
    return s / (1 - 0.9**upto) if upto else float("nan")


def main(argv=None):
    args = parse_args(argv)
    t_start = time.monotonic()
    save_at = sorted({int(x) for x in args.save_at.split(",") if x.strip()})
    if args.graph and args.schedule != "constant":
        raise SystemExit("--graph captures a constant rate: use --schedule constant, or drop --graph")
    if save_at and not args.snapshot:
        raise SystemExit("--save-at needs --snapshot DIR")
    tr = Trainer(args)
    tag = f"{args.experiment}-{args.method}"
    n_params = sum(p.numel() for p in tr.params)
    print(f"{tag}: {n_params} trainable parameters, {tr.data.count} examples, device {tr.device}, "
          f"text parity {tr.text_parity:.2e}, setup {time.monotonic() - t_start:.1f} s", flush=True)
    losses_dev = torch.zeros(args.steps, device=tr.device)
    losses = np.zeros(args.steps)
    fetched = 0
    t0 = time.monotonic()
    last_log = t0
    step = 0
    stopped_early = False
    warmup = 3 if args.graph and tr.device.type == "cuda" and args.steps > 4 else 0
    side = torch.cuda.Stream() if warmup else None
    if side is not None:
        side.wait_stream(torch.cuda.current_stream())
    while step < args.steps:
        if warmup and step < warmup:
            with torch.cuda.stream(side):
                losses_dev[step] = tr.step(step).detach()
        elif warmup and step == warmup:
            torch.cuda.current_stream().wait_stream(side)
            if tr.capture(step):
                # capture() replayed step `step` itself (its check): record it and go on.
                losses_dev[step] = tr.static_loss.detach()
            else:
                losses_dev[step] = tr.step(step).detach()
            t_graph = time.monotonic()
        else:
            losses_dev[step] = tr.step(step).detach()
        step += 1
        due_log = step % args.log_every == 0 or step == args.steps
        due_save = step in save_at
        late = args.deadline is not None and step % 20 == 0 and time.monotonic() - t_start > args.deadline
        if due_log or due_save or late:
            losses[fetched:step] = losses_dev[fetched:step].detach().cpu().numpy()
            fetched = step
            if not np.isfinite(losses[step - 1]):
                raise SystemExit(f"{tag}: loss is {losses[step - 1]} at step {step}")
        if due_log:
            now = time.monotonic()
            print(f"{tag}: step {step}/{args.steps} loss {losses[step - 1]:.4f} smoothed {smoothed(losses, step):.4f} "
                  f"({(now - last_log) / args.log_every * 1000 if step % args.log_every == 0 else 0:.1f} ms/step)", flush=True)
            last_log = now
        if due_save:
            path = os.path.join(args.snapshot, f"{tag}-{step}.safetensors")
            tr.save(path, step, losses, time.monotonic() - t0, args.snapshot_dtype)
            print(f"{tag}: saved {path}", flush=True)
        if late and step < args.steps:
            stopped_early = True
            break
    seconds = time.monotonic() - t0
    if warmup and step > warmup:
        print(f"{tag}: {'graph' if tr.graph is not None else 'eager'} steps after warm-up: "
              f"{(time.monotonic() - t_graph) / max(1, step - warmup - 1) * 1000:.2f} ms/step", flush=True)
    losses[fetched:step] = losses_dev[fetched:step].detach().cpu().numpy()
    out = args.out
    if stopped_early:
        root, ext = os.path.splitext(out)
        out = f"{root}-stopped-at-{step}{ext}"
        print(f"{tag}: deadline reached at step {step}", flush=True)
    tr.save(out, step, losses, seconds)
    print(json.dumps({"run": tag, "steps": step, "final_loss": float(losses[step - 1]), "smoothed_loss": smoothed(losses, step),
                      "train_seconds": round(seconds, 2), "ms_per_step": round(seconds / max(1, step) * 1000, 2),
                      "out": out, "text_parity": tr.text_parity}), flush=True)


if __name__ == "__main__":
    main()
