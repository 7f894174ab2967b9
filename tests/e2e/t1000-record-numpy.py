"""t1000-record-numpy.py - the Python program t1000-record-numpy.sh records.

Float32 matrix products with numpy (Debian's python3-numpy calls OpenBLAS's
cblas_sgemm and cblas_sgemv for them): a 3-layer MLP over a few batches,
one thread per batch size in turn, a matrix-vector product with a weight
transposed, and products gbench does not map (float64, a dot product). It
prints the FLOPs of its float32 matrix products (2 m n k each), which the
recorded trace must hold exactly.
"""
import threading

import numpy as np

rng = np.random.default_rng(17)
layers = [(64, 128), (128, 96), (96, 32)]
w = [rng.standard_normal(shape, dtype=np.float32) for shape in layers]
flops = 0


def forward(rows):
    global flops
    x = rng.standard_normal((rows, 64), dtype=np.float32)
    for wi in w:
        flops += 2 * x.shape[0] * wi.shape[0] * wi.shape[1]
        x = x @ wi
    return x


for rows in (2, 5, 16):
    forward(rows)
t = threading.Thread(target=forward, args=(3,))
t.start()
t.join()
v = rng.standard_normal(64, dtype=np.float32)
w[0].T @ v                     # cblas_sgemv, the weight w[0]
flops += 2 * 64 * 128
np.ones((8, 8)) @ np.ones((8, 8))                      # float64: cblas_dgemm
np.dot(np.ones(32, np.float32), np.ones(32, np.float32))  # cblas_sdot
print(flops)
