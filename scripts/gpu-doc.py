#!/usr/bin/env python3
"""gpu-doc.py DIR: docs/gpu.md's text, on stdout, from a scripts/gpu-check.sh
folder (its OUT, or gpu-check.tgz unpacked), so that what a lent GPU machine
measured goes into the docs whole and with what the figures need: the date,
the gbench commit, the device and driver, the host, each step's exit and
time, issue 14's and 15's targets (targets.txt), the kernel
tables, the vendor's figures, the config step and the host CPU's GEMM.

Every file is quoted in a fenced block, as it was written: the tables are
fixed-width text, and a device or workload name inside a fence is text, not
Markdown. A missing file is said ("not in this folder"), never filled in.
The prose above the tables (what the figures mean, what was chosen from
them) is the session's to write; this makes the part that is measured.

Exit: 0, or 2 when DIR is not a gpu-check folder (no header.txt).
"""
import os
import re
import sys


def read(d, name):
    try:
        with open(os.path.join(d, name), errors="replace") as f:
            return f.read()
    except OSError:
        return None


def fence(text):
    """text in a fenced block whose fence no run of backticks in it matches"""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    tick = "`" * max(3, longest + 1)
    return "%s\n%s\n%s\n" % (tick, text.rstrip("\n"), tick)


def section(out, title, d, name, what):
    text = read(d, name)
    if text and name in ("ci.txt", "config.txt") and "\n# Tuning tables" in text:
        # the tables go into docs/tables-<tier>.md (make docs-tables DOCS_FROM=...)
        cut = text.index("\n# Tuning tables")
        tier = re.search(r"^# Tuning tables: (\S+)", text[cut + 1:], re.M).group(1)
        text = text[:cut + 1]
        what += ("; its tuning tables, left out here, go into docs/tables-%s.md "
                 "(`make docs-tables DOCS_TIERS=%s DOCS_FROM=DIR/%s`)"
                 % (tier, tier, name[:-4]))
    out.append("## %s\n" % title)
    out.append("%s (`%s`):\n" % (what, name))
    out.append(fence(text) if text else "not in this folder: the step did not run or wrote nothing.\n")


def main():
    if len(sys.argv) != 2:
        print("usage: gpu-doc.py DIR  (a scripts/gpu-check.sh folder)", file=sys.stderr)
        return 2
    d = sys.argv[1]
    header = read(d, "header.txt")
    if not header:
        print("gpu-doc: %s: no header.txt: not a gpu-check folder" % d, file=sys.stderr)
        return 2
    first = header.splitlines()[0]
    m = re.match(r"gpu-check: (\S+) on (\S+),.*\(commit ([0-9a-f]+(?:-dirty)?)\)", first)
    when, host, commit = m.groups() if m else ("unknown", "unknown", "unknown")
    info = read(d, "info.txt") or ""
    vk = re.search(r"^\s+vulkan\s+(\S.*)$", info, re.M)
    cpu = re.search(r"^\s+cpu\s+(\S.*)$", info, re.M)
    cores = re.search(r"^\s+cores\s+(\S.*)$", info, re.M)
    out = ["# gbench on a GPU\n",
           "Measured by `scripts/gpu-check.sh` (docs/vulkan.md) on %s, gbench commit "
           "`%s`, host `%s`.\n" % (when, commit, host),
           "- device: %s\n" % (vk.group(1) if vk else "not known (no info.txt)")
           + "- host CPU: %s, %s\n" % (cpu.group(1) if cpu else "not known",
                                        cores.group(1) if cores else "cores not known"),
           "Each step's exit and seconds (`steps.txt`):\n",
           fence(read(d, "steps.txt") or "no steps.txt")]
    for title, name, what in (
            ("Targets", "targets.txt",
             "Issue 14's and 15's bounds against what was measured "
             "(`scripts/gpu-targets.py`, written after every step)"),
            ("Kernels", "kernels/kernels.txt",
             "Single-op traces of the issue's shapes, batch 1, every quant level"),
            ("Tiled GEMM with vec4 reads", "tiled4/kernels.txt",
             "The GEMM rows again with `GB_VK_TILED=v4`"),
            ("Cooperative matrices: the test", "coopmat.txt",
             "`test-vk-matmul` with `GB_VK_COOPMAT=1`"),
            ("Cooperative matrices, f16 pairs", "coopmat/kernels.txt",
             "The GEMM rows with the path on"),
            ("Cooperative matrices, one f16 a value", "coopmat1/kernels.txt",
             "The GEMM rows with `GB_VK_COOPMAT_PAIRS=0`"),
            ("The vendor's figures", "vendor.txt",
             "PyTorch on the same card: the copy, cuBLAS FP32 without TF32 and FP16, "
             "torch.topk"),
            ("The ci config", "ci.txt", "Its time and its report's"),
            ("The config step", "config.txt",
             "The tier's config: its time and its report's"),
            ("The host CPU's GEMM", "cpu.txt", "gemm-bench against OpenBLAS")):
        section(out, title, d, name, what)
    sys.stdout.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
