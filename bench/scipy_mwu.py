"""Time scipy.stats.mannwhitneyu on the samples written by bench/stats.mjs.

Usage: /usr/bin/python3 bench/scipy_mwu.py FILE N_X N_Y REPEATS
FILE holds N_X then N_Y little-endian float64 values. Prints one JSON line.
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy.stats import mannwhitneyu


def main() -> None:
    path, n_x, n_y, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    data = np.fromfile(path, dtype="<f8")
    x, y = data[:n_x], data[n_x:n_x + n_y]
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = mannwhitneyu(x, y, alternative="two-sided", method="auto")
        times.append(time.perf_counter() - start)
    print(json.dumps({"scipy": scipy.__version__, "seconds": sorted(times), "statistic": float(result.statistic), "pValue": float(result.pvalue)}))


if __name__ == "__main__":
    main()
