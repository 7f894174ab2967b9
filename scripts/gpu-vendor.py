#!/usr/bin/env python3
"""gpu-vendor.py - the vendor's own libraries on this GPU, on issue 14's shapes.

Issue 14 sets the vulkan executor's targets against what the vendor reaches
on the same card: its copy bandwidth, its BLAS's FP32 GEMM without TF32 and
its FP16 GEMM. Where PyTorch with CUDA is installed (the lent GPU machines
have it), this times those with cuBLAS and the CUDA copy, plus the gemv and
top-k shapes of scripts/gpu-kernels.sh, and prints one table beside
gpu-kernels.sh's (scripts/gpu-check.sh's `vendor` step). Without PyTorch or
a CUDA device it says so and exits 0: nothing to compare with is not a
failure of gbench.

Each figure is the median of 20 timed calls (CUDA events around each) after
3 untimed ones. GB/s counts the bytes a call must move at least (weights,
x and y; a copy's read and write, as `gbench peak` counts its copy);
GFLOP/s counts 2mnk.

GPU_VENDOR_DEVICE=cpu runs the same code on PyTorch's CPU device with small
shapes and wall-clock timing: a dry run of the script itself where there
is no GPU (its figures say nothing about a GPU).
"""
import os
import statistics
import sys
import time


def main():
    try:
        import torch
    except ImportError:
        print("gpu-vendor: skipped: no PyTorch here (python3 -c 'import torch' fails)")
        return 0
    dry = os.environ.get("GPU_VENDOR_DEVICE") == "cpu"
    if not dry and not torch.cuda.is_available():
        print("gpu-vendor: skipped: PyTorch sees no CUDA device")
        return 0
    # FP32 means FP32: no TF32 in matmuls, no reduced-precision f16 sums
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = False
    dev = torch.device("cpu" if dry else "cuda")
    gen = torch.Generator(device=dev).manual_seed(42)
    if dry:
        print(f"gpu-vendor: DRY RUN on the CPU (GPU_VENDOR_DEVICE=cpu), small shapes, "
              f"PyTorch {torch.__version__}: not a GPU's figures")
    else:
        print(f"gpu-vendor: {torch.cuda.get_device_name(dev)}, PyTorch {torch.__version__}, "
              f"CUDA {torch.version.cuda}, cuBLAS through torch.matmul (allow_tf32 False)")

    def timed(fn, reps=20, warm=3):
        for _ in range(warm):
            fn()
        times = []
        if dry:
            for _ in range(reps):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1e6)
            return statistics.median(times)
        torch.cuda.synchronize()
        for _ in range(reps):
            a = torch.cuda.Event(enable_timing=True)
            b = torch.cuda.Event(enable_timing=True)
            a.record()
            fn()
            b.record()
            b.synchronize()
            times.append(a.elapsed_time(b) * 1e3)  # ms to us
        return statistics.median(times)

    def randn(*shape, dtype=torch.float32):
        return torch.randn(*shape, generator=gen, device=dev, dtype=torch.float32).to(dtype)

    rows = []

    def row(name, what, fn, nbytes=0.0, flops=0.0):
        try:
            us = timed(fn)
        except Exception as e:  # one shape failing leaves the others
            rows.append((name, what, None, str(e).splitlines()[0][:60]))
            return
        gbs = nbytes / us / 1e3 if nbytes else None
        gfl = flops / us / 1e3 if flops else None
        rows.append((name, what, us, (gbs, gfl)))

    # the copy: 1 GiB each way, as gbench peak's vulkan copy on a GPU
    n = 1 << (22 if dry else 28)
    shapes = ((1, 512, 512), (8, 256, 256), (64, 256, 256)) if dry else \
        ((1, 4096, 4096), (1, 11008, 4096), (32, 4096, 4096), (2048, 4096, 4096))
    vectors = 1 << (12 if dry else 20)
    src = torch.empty(n, device=dev, dtype=torch.float32).fill_(1.0)
    dst = torch.empty_like(src)
    row(f"copy-{4 * n >> 20}MiB", "f32", lambda: dst.copy_(src), nbytes=2.0 * 4 * n)
    src = dst = None  # freed before the next shapes

    for m, nn, k in shapes:
        kind = "gemv" if m <= 8 else "gemm"
        for dtype, name, wbytes in ((torch.float32, "f32", 4), (torch.float16, "f16", 2)):
            x = randn(m, k, dtype=dtype)
            w = randn(nn, k, dtype=dtype)
            row(f"{kind}-{m}x{nn}x{k}", name, lambda x=x, w=w: torch.matmul(x, w.t()),
                nbytes=float(nn * k * wbytes + m * k * wbytes + m * nn * wbytes),
                flops=2.0 * m * nn * k)
            x = w = None

    # top-k: scores of 1,048,576 vectors of 64 against one query, then the best 10
    db = randn(vectors, 64)
    q = randn(64)
    row(f"topk-1x{vectors}x64-p10", "f32", lambda: torch.topk(torch.mv(db, q), 10),
        nbytes=float(db.numel() * 4))
    db = q = None

    print(f"{'op (m x n x k)':<24} {'dtype':<5} {'device us':>12} {'GB/s':>12} {'GFLOP/s':>12}")
    for name, what, us, fig in rows:
        if us is None:
            print(f"{name:<24} {what:<5} {'failed: ' + fig:>12}")
            continue
        gbs, gfl = (f"{v:12.1f}" if v else f"{'-':>12}" for v in fig)
        print(f"{name:<24} {what:<5} {us:12.1f} {gbs} {gfl}")
    print(f"device us: median of 20 calls ({'wall clock' if dry else 'CUDA events'}); "
          "GB/s: bytes the call must move "
          "(weights + x + y; a copy's read and write) over that time; GFLOP/s: 2mnk over it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
