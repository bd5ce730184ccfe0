"""Reference values pinned in test/unit/stats/*.test.ts.

Run once with Debian's SciPy 1.10.1 / statsmodels 0.13.5:  /usr/bin/python3 generate-reference.py
The printed literals were copied into the tests; this script documents where they came from.
"""
import json
import numpy as np
import scipy
import statsmodels
from scipy import stats
from scipy.stats.contingency import relative_risk
from statsmodels.stats.proportion import proportions_ztest, confint_proportions_2indep
from statsmodels.stats.multitest import multipletests

out = {"versions": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__}}

# Mann-Whitney U
males, females = [19, 22, 16, 29, 24], [20, 11, 17, 12]
hw_x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
hw_y = [1.15, 0.88, 0.90, 0.74, 1.21]
ties_x = [1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 7, 8]
ties_y = [2, 3, 4, 4, 5, 6, 6, 7, 8, 8, 9, 9, 10, 11]
rng = np.random.default_rng(20240601)
big_x = np.round(rng.normal(100, 15, 200), 1)
big_y = np.round(rng.normal(104, 15, 150), 1)
small_x = [1.5, 3.2, 0.4, 2.2]
small_y = [2.9, 4.1, 5.5, 3.3, 6.0, 2.8]
mwu = []
for name, x, y in [("scipy-doc", males, females), ("hollander-wolfe", hw_x, hw_y), ("ties", ties_x, ties_y),
                   ("normal-200-150", big_x.tolist(), big_y.tolist()), ("small-exact", small_x, small_y)]:
    for alt in ["two-sided", "greater", "less"]:
        r = stats.mannwhitneyu(x, y, alternative=alt, method="auto")
        mwu.append({"case": name, "alternative": alt, "U": float(r.statistic), "p": float(r.pvalue)})
    r = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
    mwu.append({"case": name, "alternative": "two-sided", "method": "asymptotic", "U": float(r.statistic), "p": float(r.pvalue)})
    r = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=False)
    mwu.append({"case": name, "alternative": "two-sided", "method": "asymptotic-nocc", "U": float(r.statistic), "p": float(r.pvalue)})
out["mwu"] = mwu
out["bigSamples"] = {"x": big_x.tolist(), "y": big_y.tolist()}

# Fisher exact: [[canary events, canary non-events], [baseline events, baseline non-events]]
fisher = []
for table in [[[3, 1], [1, 3]], [[6, 2], [1, 4]], [[1, 999], [0, 1000]], [[7, 993], [1, 999]], [[12, 4988], [3, 4997]], [[0, 120], [4, 116]]]:
    for alt in ["two-sided", "greater", "less"]:
        odds, p = stats.fisher_exact(table, alternative=alt)
        fisher.append({"table": table, "alternative": alt, "p": float(p)})
out["fisher"] = fisher

# Pooled score z test (statsmodels proportions_ztest, count = [canary, baseline])
score = []
for c, nc, b, nb in [(130, 5000, 100, 5000), (300, 10000, 200, 10000), (45, 1000, 52, 1000), (2500, 100000, 2400, 100000)]:
    for alt, sm_alt in [("two-sided", "two-sided"), ("greater", "larger"), ("less", "smaller")]:
        z, p = proportions_ztest([c, b], [nc, nb], alternative=sm_alt)
        score.append({"canary": [c, nc], "baseline": [b, nb], "alternative": alt, "z": float(z), "p": float(p)})
out["score"] = score

# Newcombe hybrid score (statsmodels method='newcomb') and Katz log (SciPy relative_risk), 95 %
cis = []
for x1, n1, x2, n2 in [(56, 70, 48, 80), (9, 10, 3, 10), (6, 7, 2, 7), (5, 56, 0, 29), (0, 10, 0, 20), (0, 10, 0, 10), (10, 10, 0, 20), (10, 10, 0, 10),
                       (130, 5000, 100, 5000), (7, 1000, 1, 1000)]:
    lo, hi = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb", compare="diff", alpha=0.05)
    entry = {"x1": x1, "n1": n1, "x2": x2, "n2": n2, "newcombe": [float(lo), float(hi)]}
    if x1 > 0 and x2 > 0:
        ci = relative_risk(x1, n1, x2, n2).confidence_interval(0.95)
        entry["katz"] = [float(ci.low), float(ci.high)]
    cis.append(entry)
out["intervals"] = cis

# Holm
pv = [0.01, 0.04, 0.03, 0.005, 0.2, 0.0001]
rej, adj, _, _ = multipletests(pv, alpha=0.05, method="holm")
out["holm"] = {"p": pv, "adjusted": adj.tolist(), "rejected": rej.tolist()}

# Power / sample size: R power.prop.test formula (strict = FALSE) evaluated with scipy.stats.norm
def n_needed(p1, p2, alpha, power, sides):
    qa = stats.norm.isf(alpha / sides); qb = stats.norm.ppf(power); pbar = (p1 + p2) / 2
    return (qa * np.sqrt(2 * pbar * (1 - pbar)) + qb * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p1 - p2) ** 2
def pow_(p1, p2, alpha, n, sides):
    qa = stats.norm.isf(alpha / sides); pbar = (p1 + p2) / 2
    return stats.norm.cdf((np.sqrt(n) * abs(p1 - p2) - qa * np.sqrt(2 * pbar * (1 - pbar))) / np.sqrt(p1 * (1 - p1) + p2 * (1 - p2)))
out["power"] = {
    "n_50_75": float(n_needed(0.5, 0.75, 0.05, 0.9, 2)), "power_50_75_n50": float(pow_(0.5, 0.75, 0.05, 50, 2)),
    "n_02_03_one": float(n_needed(0.02, 0.03, 0.01, 0.9, 1)), "power_02_03_10k_one": float(pow_(0.02, 0.03, 0.01, 10000, 1)),
}
# Normal distribution spot values
out["normal"] = {"sf": {str(z): float(stats.norm.sf(z)) for z in [-3, 0.5, 1.96, 4, 8.5, 20]},
                 "ppf": {str(p): float(stats.norm.ppf(p)) for p in [1e-12, 0.001, 0.025, 0.5, 0.9, 0.999999]}}
print(json.dumps(out))
