#!/usr/bin/python3
"""Reference values for nas::GaussianProcess from scikit-learn's GaussianProcessRegressor.

Writes testdata/nas/gp_fixtures.json: for a product and a sum kernel, training inputs
(continuous in [0, 1] and categorical), outputs, our log hyperparameters, test inputs, and
scikit-learn's predictive mean, latent variance and log marginal likelihood.

The mapping to scikit-learn (see nas/gp.h):
- Matern 5/2 ARD on the continuous columns: Matern(nu=2.5, length_scale=[l_d ..., HUGE ...]),
  applied to [continuous | one-hot] with HUGE length-scales on the one-hot columns, whose
  contributions then underflow to exactly zero.
- Hamming exp(-sum_k w_k [z_k != z'_k]): RBF on the one-hot columns of entry k with
  length-scale 1 / sqrt(w_k) (two one-hot columns differ, each adds 1 / (2 l^2)).
- Signal variances: ConstantKernel. Noise: alpha (added to the diagonal, not predicted), with
  normalize_y=True, which standardises y by its mean and population std as nas does.

Run once with Debian's python3-sklearn: /usr/bin/python3 tools/make_gp_fixtures.py
"""
import json
import os

import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern

HUGE = 1e300
DC, DK, CATS = 4, 3, 4


def one_hot(z):
    out = np.zeros((z.shape[0], DK * CATS))
    for k in range(DK):
        out[np.arange(z.shape[0]), k * CATS + z[:, k]] = 1.0
    return out


def case(rng, combination, n, m):
    xc = rng.uniform(0, 1, size=(n, DC))
    z = rng.integers(0, CATS, size=(n, DK))
    y = (np.sin(3 * xc[:, 0]) + xc[:, 1] ** 2 - 0.5 * xc[:, 2] + 0.3 * (z[:, 0] == 1)
         - 0.2 * z[:, 1] + 0.05 * rng.standard_normal(n)) * 7.0 + 3.0
    tc = rng.uniform(0, 1, size=(m, DC))
    tz = rng.integers(0, CATS, size=(m, DK))
    lengths = rng.uniform(0.3, 2.0, size=DC)
    weights = rng.uniform(0.2, 2.0, size=DK)
    s2m, s2h, noise = 1.3, 0.7, 0.02
    ham_lengths = np.repeat(1.0 / np.sqrt(weights), CATS)
    matern = Matern(length_scale=np.concatenate([lengths, np.full(DK * CATS, HUGE)]), nu=2.5,
                    length_scale_bounds="fixed")
    rbf = RBF(length_scale=np.concatenate([np.full(DC, HUGE), ham_lengths]),
              length_scale_bounds="fixed")
    if combination == "product":
        kernel = ConstantKernel(s2m, "fixed") * matern * rbf
        theta = [np.log(s2m)] + list(np.log(lengths)) + list(np.log(weights)) + [np.log(noise)]
    else:
        kernel = ConstantKernel(s2m, "fixed") * matern + ConstantKernel(s2h, "fixed") * rbf
        theta = ([np.log(s2m)] + list(np.log(lengths)) + [np.log(s2h)] + list(np.log(weights))
                 + [np.log(noise)])
    x = np.hstack([xc, one_hot(z)])
    t = np.hstack([tc, one_hot(tz)])
    gpr = GaussianProcessRegressor(kernel=kernel, alpha=noise, optimizer=None, normalize_y=True)
    gpr.fit(x, y)
    mean, std = gpr.predict(t, return_std=True)
    # Predict at a training point too (small variance, large cancellation).
    return {
        "combination": combination,
        "train_continuous": xc.tolist(),
        "train_categorical": z.tolist(),
        "y": y.tolist(),
        "log_hyperparameters": [float(v) for v in theta],
        "test_continuous": tc.tolist(),
        "test_categorical": tz.tolist(),
        "mean": mean.tolist(),
        "variance": (std ** 2).tolist(),
        "log_marginal_likelihood": float(gpr.log_marginal_likelihood_value_),
    }


def main():
    rng = np.random.default_rng(20240601)
    fixtures = {
        "generator": "tools/make_gp_fixtures.py with scikit-learn " +
                     __import__("sklearn").__version__,
        "cases": [case(rng, "product", 30, 12), case(rng, "sum", 25, 10)],
    }
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = os.path.join(root, "testdata", "nas", "gp_fixtures.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(fixtures, f, indent=1)
        f.write("\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
