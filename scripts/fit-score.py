#!/usr/bin/env python3
"""Fits the notes draft quality score (logistic regression, JUNK vs the rest) to graded drafts
and prints a score-weights.toml; the report (AUC in-sample and leaving one notes file out,
the 90 %-precision threshold) goes to stderr. Pure Python: no numpy on a fresh machine.
usage: scripts/fit-score.py BINARY REPO_DIR LABELS.tsv... > src/notes/draft/score-weights.toml"""
import json, math, subprocess, sys, collections, random
binary, repo, labels = sys.argv[1], sys.argv[2], sys.argv[3:]
lab = {}
for f in labels:
    for line in open(f, encoding='utf-8'):
        if not line.strip() or line.startswith('#'): continue
        p = line.rstrip('\n').split('\t')
        lab[(p[0], p[1])] = p[2]
files = sorted({k[0] for k in lab})
rows = []
for nf in files:
    out = subprocess.run([binary, 'notes', 'drafts', '--format', 'json', nf], cwd=repo, capture_output=True, text=True).stdout
    for line in out.splitlines():
        d = json.loads(line)
        g = lab.get((nf, d['fingerprint']))
        if g is None: continue
        feats = {}
        for tok in d['features'].split():
            k, v = tok.split('=')
            feats[k] = float(v)
        rows.append((nf, feats, 0 if g == 'JUNK' else 1, g))
names = sorted({k for _, f, _, _ in rows for k in f})
print(f"matched {len(rows)} of {len(lab)} labels; features {names}", file=sys.stderr)
def vec(f): return [f.get(n, 0.0) for n in names]
def fit(data, lam=1.0, iters=4000, lr=0.05):
    w = [0.0]*len(names); b = 0.0
    # standardise for stable descent, map back at the end
    X = [vec(f) for _, f, _, _ in data]; Y = [y for _, _, y, _ in data]
    mu = [sum(c)/len(c) for c in zip(*X)]; sd = [max(1e-6, math.sqrt(sum((v-m)**2 for v in c)/len(c))) for c, m in zip(zip(*X), mu)]
    Z = [[(v-m)/s for v, m, s in zip(x, mu, sd)] for x in X]
    n = len(Z)
    for _ in range(iters):
        gw = [lam*wi/n for wi in w]; gb = 0.0
        for z, y in zip(Z, Y):
            p = 1/(1+math.exp(-(b+sum(wi*zi for wi, zi in zip(w, z)))))
            e = p-y
            gb += e/n
            for i, zi in enumerate(z): gw[i] += e*zi/n
        w = [wi-lr*g for wi, g in zip(w, gw)]; b -= lr*gb
        lr = lr
    W = [wi/s for wi, s in zip(w, sd)]; B = b - sum(wi*m/s for wi, m, s in zip(w, mu, sd))
    return W, B
def score(W, B, f): return 100/(1+math.exp(-(B+sum(wi*xi for wi, xi in zip(W, vec(f))))))
def auc(pairs):  # pairs (score, y) ; AUC of y=1 ranked above y=0
    pos = [s for s, y in pairs if y == 1]; neg = [s for s, y in pairs if y == 0]
    if not pos or not neg: return float('nan')
    c = sum((p > q) + 0.5*(p == q) for p in pos for q in neg)
    return c/len(pos)/len(neg)
lam = float(__import__('os').environ.get('LAMBDA', '2'))
W, B = fit(rows, lam)
ins = [(score(W, B, f), y) for _, f, y, _ in rows]
print(f"in-sample AUC {auc(ins):.3f}", file=sys.stderr)
cv = []
for nf in files:
    tr = [r for r in rows if r[0] != nf]; te = [r for r in rows if r[0] == nf]
    if not te: continue
    w2, b2 = fit(tr, lam, iters=1500)
    cv += [(score(w2, b2, f), y) for _, f, y, _ in te]
print(f"leave-one-notes-file-out AUC {auc(cv):.3f}", file=sys.stderr)
def threshold(pairs):
    for t in range(0, 101):
        sel = [y for s, y in pairs if s >= t]
        if sel and sum(sel)/len(sel) >= 0.9: return t, len(sel)
    return 101, 0
t, n = threshold(ins)
print(f"threshold with >=90% precision in-sample: {t} ({n} drafts)", file=sys.stderr)
tc, nc = threshold(cv)
print(f"threshold with >=90% precision cross-validated: {tc} ({nc} drafts)", file=sys.stderr)
print("# Weights of the draft quality score (src/notes/draft/score.rs): the score is")
print("# 100 / (1 + e^-(intercept + Σ weight × feature)). Fitted by scripts/fit-score.py:")
print("# L2 logistic regression (JUNK = 0, USABLE/EDIT = 1) to tests/fixtures/notes-labels;")
print(f"# {len(rows)} graded drafts, in-sample AUC {auc(ins):.3f}, leave-one-notes-file-out AUC {auc(cv):.3f}.")
print(f"intercept = {B:.4f}")
print("# Lowest score with >= 90 % USABLE-or-EDIT precision on the labelled set.")
print(f"approve_at = {max(t, tc)}")
print()
print("[weights]")
for nme, wi in zip(names, W):
    print(f'"{nme}" = {wi:.4f}')
