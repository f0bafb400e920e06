#!/usr/bin/env python3
"""PyTorch peer of the losskit benchmark (bench/run.mjs): runs the bench's workloads in PyTorch
on the same input data and times them, so the tables can put PyTorch in the same interleaved
rounds as the JavaScript contenders.

Protocol: one JSON request per line in, one JSON reply per line out, on stdin/stdout, or on two
named pipes with `--fifo REQUESTS REPLIES` (what run.mjs uses: it can then wait for a reply
synchronously, between two of its own samples). Requests:

  {"cmd": "hello"}
      -> {"torch": version, "python": version, "threads": torch.get_num_threads()}
  {"cmd": "load", "workload": "mse", "fn": "mse_loss", "op": "value" | "valueAndGrad",
   "sets": k, "dims": {...}, "params": {...},
   "inputs": {name: {"path": raw file, "dtype": "float32" | "int32", "shape": [k, ...]}}}
      reads the k input sets (raw little-endian arrays, set after set), makes them the current
      job and returns {"values": [the loss of each set, computed by the timed code path]}
  {"cmd": "sample", "reps": r, "threads": n}
      -> {"ns": time of r calls, cycling through the sets, "value": the last call's loss}
  {"cmd": "job", ...the fields of "load"..., "threads": n, "rounds": R, "targetMs": T,
   "warmupMs": W}
      a whole measurement in one request (for use by hand): load, warm up, size the repeat count
      so a sample lasts >= T ms, then R samples -> {"values", "reps", "samplesNs"}
  {"cmd": "quit"}

The value+gradient path is autograd, as a PyTorch user gets it: the prediction (every input for
triplet) is a leaf with requires_grad, each call sets .grad to None, computes the loss and calls
backward(); the gradient lands in a fresh tensor (PyTorch 2's zero_grad default). `value` runs
under torch.no_grad().
"""

import json
import sys
import time

# Imported in main(), after the pipes are open: if the import fails, run.mjs sees the pipes
# close instead of waiting for them forever.
np = torch = F = None


def import_torch():
    global np, torch, F
    import numpy as np
    import torch
    import torch.nn.functional as F


def read_input(spec):
    dtype = {"float32": np.float32, "int32": np.int32}[spec["dtype"]]
    array = np.fromfile(spec["path"], dtype=dtype).reshape(spec["shape"])
    return torch.from_numpy(array)


def make_calls(request):
    """One zero-argument function per input set, each running one loss call (value or
    value+gradient) and returning the loss as a Python float."""
    fn = request["fn"]
    grad = request["op"] == "valueAndGrad"
    params = request.get("params", {})
    dims = request.get("dims", {})
    inputs = {name: read_input(spec) for name, spec in request["inputs"].items()}
    calls = []
    for k in range(request["sets"]):
        x = {name: tensor[k] for name, tensor in inputs.items()}
        if fn == "ctc_loss":
            # Full lengths, as in the bench's own inputs; targets as int64 (PyTorch's usual).
            batch = dims["B"]
            loss_inputs = [x["logProbs"], x["targets"].long(),
                           torch.full((batch,), dims["T"], dtype=torch.long),
                           torch.full((batch,), dims["S"], dtype=torch.long)]
            differentiable = [0]
            loss = lambda a, b, c, d: F.ctc_loss(a, b, c, d, blank=0, reduction="mean")
        elif fn == "triplet_margin_loss":
            loss_inputs = [x["anchor"], x["positive"], x["negative"]]
            differentiable = [0, 1, 2]
            margin = params["margin"]
            loss = lambda a, p, n: F.triplet_margin_loss(a, p, n, margin=margin, p=2, eps=1e-6)
        elif fn == "cross_entropy":
            # Integer class indices: int64 is what F.cross_entropy takes.
            loss_inputs = [x["yPred"], x["yTrue"].long()]
            differentiable = [0]
            loss = F.cross_entropy
        else:
            # Elementwise losses: (input, target) in PyTorch's argument order.
            loss_inputs = [x["yPred"], x["yTrue"]]
            differentiable = [0]
            extra = {"delta": params["delta"]} if fn == "huber_loss" else {}
            base = getattr(F, fn)
            loss = lambda p, t, base=base, extra=extra: base(p, t, **extra)
        calls.append(make_call(loss, loss_inputs, differentiable, grad))
    return calls


def make_call(loss, loss_inputs, differentiable, grad):
    if not grad:
        def value():
            with torch.no_grad():
                return loss(*loss_inputs).item()
        return value
    leaves = list(loss_inputs)
    for i in differentiable:
        leaves[i] = loss_inputs[i].clone().requires_grad_(True)

    def value_and_grad():
        for i in differentiable:
            leaves[i].grad = None
        out = loss(*leaves)
        out.backward()
        return out.item()
    return value_and_grad


class Job:
    def __init__(self, request):
        self.calls = make_calls(request)
        self.next = 0
        self.threads = None

    def values(self):
        return [call() for call in self.calls]

    def sample(self, reps, threads):
        if threads != self.threads:
            torch.set_num_threads(threads)
            self.threads = threads
        calls, count, k = self.calls, len(self.calls), self.next
        value = 0.0
        t0 = time.perf_counter_ns()
        for _ in range(reps):
            value = calls[k]()
            k += 1
            if k == count:
                k = 0
        t1 = time.perf_counter_ns()
        self.next = k
        return t1 - t0, value


def whole_job(request):
    """Load, warm up, calibrate and time in one request (the same method as run.mjs)."""
    job = Job(request)
    values = job.values()
    threads = request["threads"]
    target = request["targetMs"] * 1e6
    warmup = request.get("warmupMs", 60) * 1e6
    reps, spent, runs = 1, 0, 0
    while True:
        ns, _ = job.sample(reps, threads)
        spent += ns
        runs += 1
        if runs >= 2 and spent >= warmup and ns >= target / 4:
            break
        if ns < target / 4:
            reps *= 2
    while ns < target:
        reps = max(reps + 1, int(reps * target * 1.2 / max(ns, 1)) + 1)
        ns, _ = job.sample(reps, threads)
    samples = [job.sample(reps, threads)[0] for _ in range(request["rounds"])]
    return {"values": values, "reps": reps, "samplesNs": samples}


def serve(requests, replies):
    job = None
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        cmd = request["cmd"]
        try:
            if cmd == "quit":
                break
            if cmd == "hello":
                reply = {"torch": torch.__version__, "python": sys.version.split()[0],
                         "threads": torch.get_num_threads()}
            elif cmd == "load":
                job = None  # free the previous job's tensors first
                job = Job(request)
                reply = {"values": job.values()}
            elif cmd == "sample":
                ns, value = job.sample(request["reps"], request["threads"])
                reply = {"ns": ns, "value": value}
            elif cmd == "job":
                reply = whole_job(request)
            else:
                reply = {"error": f"unknown command {cmd!r}"}
        except Exception as error:  # reported to run.mjs, which fails the run with it
            reply = {"error": f"{type(error).__name__}: {error}"}
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--fifo":
        # Requests first, then replies: run.mjs opens them in the same order, so neither side
        # blocks on a pipe the other has not reached yet.
        with open(sys.argv[2], "r") as requests, open(sys.argv[3], "w") as replies:
            import_torch()
            serve(requests, replies)
    else:
        import_torch()
        serve(sys.stdin, sys.stdout)


if __name__ == "__main__":
    main()
