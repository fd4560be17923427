"""Count-based models of n binary pixels: the structures of Lecture 9, fitted to data.

Each is a Bayesian network of Bernoulli pixels: an order of the pixels and, for each
pixel, the probability that it is 1 given the values of its parents,

    p(x) = prod_i p(x_i | pa(x_i)),   p(x_i = 1 | pa(x_i) = c) = (N_1(c) + a) / (N(c) + 2a),

where N_1(c) and N(c) count the training images with the context c (and x_i = 1) and
a is the additive (Laplace) smoothing. The structures differ only in pa(x_i):

    independent   pa(x_i) = {}                          n parameters
    Markov k      pa(x_i) = {x_{i-k}, ..., x_{i-1}}     (2^k - 1) + (n - k) 2^k
    Chow–Liu tree pa(x_i) = {x_parent(i)}               2n - 1
    full joint    no factorization: a table of 2^n probabilities, 2^n - 1

Counts are kept only for the contexts that occur (sparse), so Markov k fits for any
k < n in time and memory linear in the data, never building a 2^k table.
"""

from __future__ import annotations

from abc import abstractmethod
from functools import cache

import numpy as np

from core.lectures.counting import full_joint_params, independent_params, markov_params, tree_params
from core.models.base import ExplicitModel, Seed, as_rng


def _as_bits(x) -> np.ndarray:
    """Binary images as a (B, D) uint8 array (accepts numpy arrays, lists, torch tensors)."""
    x = np.asarray(x)
    if x.ndim == 1:
        x = x[None, :]
    bits = x.astype(np.uint8)
    if x.size and (not (bits == x).all() or bits.max() > 1):
        raise ValueError("binary pixel models take images of 0s and 1s")
    return bits


def _smoothed(ones: np.ndarray, total: np.ndarray, alpha: float) -> np.ndarray:
    """(N_1 + a) / (N + 2a): the smoothed estimate of p(x_i = 1 | context)."""
    return (ones + alpha) / (total + 2 * alpha)


def bernoulli_log_prob(x: np.ndarray, p_one: np.ndarray) -> np.ndarray:
    """sum_i [x_i log p_i + (1 - x_i) log(1 - p_i)] over the last axis."""
    with np.errstate(divide="ignore"):
        return np.where(x == 1, np.log(p_one), np.log1p(-p_one)).sum(axis=-1)


class PixelBayesNet(ExplicitModel):
    """A Bernoulli Bayesian network: subclasses say only p(x_i = 1 | parents)."""

    order: list[int]  # a topological order of the pixels (parents first)

    @abstractmethod
    def prob_one(self, i: int, x: np.ndarray) -> np.ndarray:
        """p(x_i = 1 | pa(x_i)) for each image of x, reading only the parents: (B, D) -> (B,)."""

    def conditionals(self, x) -> np.ndarray:
        """The map of p(x_i = 1 | pa(x_i)) at every pixel: (B, D) -> (B, D)."""
        x = _as_bits(x)
        return np.stack([self.prob_one(i, x) for i in range(self.num_pixels)], axis=1)

    def log_prob(self, x) -> np.ndarray:
        x = _as_bits(x)
        return bernoulli_log_prob(x, self.conditionals(x))

    def sample(self, n: int, seed: Seed = 0) -> np.ndarray:
        """Ancestral sampling: draw each pixel after its parents, in `order`."""
        rng = as_rng(seed)
        x = np.zeros((n, self.num_pixels), dtype=np.uint8)
        for i in self.order:
            x[:, i] = rng.random(n) < self.prob_one(i, x)
        return x


class IndependentPixels(PixelBayesNet):
    """p(x) = prod_i p(x_i): one Bernoulli per pixel, n parameters."""

    def __init__(self, train, alpha: float = 0.1):
        train = _as_bits(train)
        self.num_pixels = train.shape[1]
        self.order = list(range(self.num_pixels))
        self.p = _smoothed(train.sum(axis=0), len(train), alpha)  # (D,)

    def prob_one(self, i, x):
        return np.full(len(x), self.p[i])

    def num_params(self) -> int:
        return independent_params(self.num_pixels)


def pack_bits(x: np.ndarray) -> np.ndarray:
    """Each binary image (B, D <= 64) as one integer sum_j x_j 2^j, (B,) uint64."""
    weights = np.uint64(1) << np.arange(x.shape[1], dtype=np.uint64)
    return (x.astype(np.uint64) * weights).sum(axis=1, dtype=np.uint64)


class MarkovChain(PixelBayesNet):
    """Markov assumption of order k in raster order: x_i is independent of the pixels
    before x_{i-k} given the k pixels just before it. k = 0 is independent pixels and
    k = n - 1 is the full chain rule.

    Parameter j of the (never built) table is p(x_i = 1 | context c), with
    j = offset_i + c: c reads the min(i, k) pixels before x_i as a binary number and
    offset_i = sum_{i' < i} 2^min(i', k) counts the parameters of the earlier pixels.
    Only the indices that occur in training are stored (sorted), so any k < n <= 64 fits
    in time and memory linear in the data; j < 2^64 always fits in a uint64.
    """

    def __init__(self, train, k: int, alpha: float = 0.1):
        train = _as_bits(train)
        self.num_pixels = d = train.shape[1]
        if not 0 <= k < max(d, 1) or d > 64:
            raise ValueError(f"Markov order k must be in 0..{d - 1} (and n <= 64), got k={k}, n={d}")
        self.k, self.alpha = k, alpha
        self.order = list(range(d))
        width = np.minimum(np.arange(d), k)  # how many parents each pixel has
        sizes = np.uint64(1) << width.astype(np.uint64)  # 2^width parameters per pixel
        self._shift = (np.arange(d) - width).astype(np.uint64)  # the context starts at bit i - width
        self._mask = sizes - np.uint64(1)
        self._offset = np.concatenate([[0], np.cumsum(sizes[:-1], dtype=np.uint64)]).astype(np.uint64)
        index = self._parameter_index(train).ravel()  # (B*D,)
        self.seen, inverse = np.unique(index, return_inverse=True)
        ones = np.bincount(inverse, weights=train.ravel(), minlength=len(self.seen))
        total = np.bincount(inverse, minlength=len(self.seen))
        self.p_seen = _smoothed(ones, total, alpha)  # p(x_i = 1 | context) for each seen index

    def _parameter_index(self, x: np.ndarray) -> np.ndarray:
        """Index j of the parameter each pixel of x uses: (B, D) uint64."""
        context = (pack_bits(x)[:, None] >> self._shift[None, :]) & self._mask[None, :]
        return self._offset[None, :] + context

    def _lookup(self, index: np.ndarray) -> np.ndarray:
        pos = np.minimum(np.searchsorted(self.seen, index), len(self.seen) - 1)
        # a context never seen in training has N = N_1 = 0, so its estimate is a / 2a = 1/2
        return np.where(self.seen[pos] == index, self.p_seen[pos], 0.5)

    def prob_one(self, i, x):
        return self._lookup(self._parameter_index(x)[:, i])

    def conditionals(self, x) -> np.ndarray:
        return self._lookup(self._parameter_index(_as_bits(x)))  # all pixels at once

    def contexts_seen(self) -> int:
        """How many (pixel, context) pairs occurred in training: the parameters actually
        estimated from data; the others stay at their prior value 1/2."""
        return len(self.seen)

    def num_params(self) -> int:
        return markov_params(self.num_pixels, self.k)


def mutual_information(train: np.ndarray, alpha: float = 0.1) -> np.ndarray:
    """I(X_i; X_j) = sum_{a,b} p(a, b) log p(a, b) / (p(a) p(b)) for every pair, from
    smoothed pair counts: (D, D), zero on the diagonal."""
    x = _as_bits(train).astype(np.float64)
    n = len(x)
    ones_ones = x.T @ x  # (D, D) counts of x_i = 1, x_j = 1
    ones = np.diag(ones_ones)
    counts = {
        (1, 1): ones_ones,
        (1, 0): ones[:, None] - ones_ones,
        (0, 1): ones[None, :] - ones_ones,
        (0, 0): n - ones[:, None] - ones[None, :] + ones_ones,
    }
    joint = {ab: (c + alpha) / (n + 4 * alpha) for ab, c in counts.items()}
    marginal_one = joint[(1, 1)] + joint[(1, 0)]  # p(x_i = 1), constant along j
    other_one = joint[(1, 1)] + joint[(0, 1)]  # p(x_j = 1)
    mi = np.zeros_like(ones_ones)
    for (a, b), p_ab in joint.items():
        p_a = marginal_one if a else 1 - marginal_one
        p_b = other_one if b else 1 - other_one
        mi += p_ab * np.log(p_ab / (p_a * p_b))
    np.fill_diagonal(mi, 0.0)
    return np.maximum(mi, 0.0)


class ChowLiuTree(PixelBayesNet):
    """The best tree-shaped dependence (Chow & Liu, 1968): the maximum spanning tree of
    the pairwise mutual information, rooted at pixel `root`; each pixel depends on its
    parent only. It maximizes the training likelihood among all trees."""

    def __init__(self, train, alpha: float = 0.1, root: int = 0):
        from scipy.sparse.csgraph import breadth_first_order, minimum_spanning_tree

        train = _as_bits(train)
        self.num_pixels = d = train.shape[1]
        self.mi = mi = mutual_information(train, alpha)
        # a maximum spanning tree is a minimum one of (max - I); +1 keeps every edge present
        cost = mi.max() + 1.0 - mi
        np.fill_diagonal(cost, 0.0)
        tree = minimum_spanning_tree(cost)
        order, predecessors = breadth_first_order(tree, root, directed=False)
        self.order = [int(i) for i in order]
        self.parent = np.where(predecessors < 0, -1, predecessors).astype(np.int64)  # (D,)
        self.parent[root] = -1
        # p(x_i = 1 | x_parent = v) for v = 0, 1; the root uses its marginal in both columns
        self.p = np.empty((d, 2))
        for i in range(d):
            if self.parent[i] < 0:
                self.p[i] = _smoothed(train[:, i].sum(), len(train), alpha)
                continue
            parent_value = train[:, self.parent[i]]
            for v in (0, 1):
                rows = parent_value == v
                self.p[i, v] = _smoothed(train[rows, i].sum(), rows.sum(), alpha)

    def edges(self, min_information: float = 0.0) -> list[tuple[int, int, float]]:
        """(parent, child, I(parent; child)) of the tree edges carrying more than
        `min_information` nats (pixels that are always 0 join the tree with I = 0)."""
        return [(int(p), i, float(self.mi[p, i])) for i, p in enumerate(self.parent)
                if p >= 0 and self.mi[p, i] > min_information]

    def prob_one(self, i, x):
        if self.parent[i] < 0:
            return np.full(len(x), self.p[i, 0])
        return self.p[i, x[:, self.parent[i]]]

    def num_params(self) -> int:
        return tree_params(self.num_pixels)


class FullJoint(ExplicitModel):
    """The full joint table p(x) over all 2^n images, estimated from counts and mixed
    with a little uniform mass so unseen images keep a non-zero probability:

        p(x) = (1 - eps) N(x) / N + eps 2^-n.

    With 2^64 cells and 1,437 images it is a memorizer: nearly all its mass sits on
    the training images, and its samples are copies of them."""

    def __init__(self, train, eps: float = 1e-3):
        train = _as_bits(train)
        self.num_pixels = train.shape[1]
        self.eps = eps
        self.images, self.counts = np.unique(train, axis=0, return_counts=True)
        self._index = {row.tobytes(): c for row, c in zip(self.images, self.counts)}
        self.total = int(self.counts.sum())

    def count(self, x) -> np.ndarray:
        """How many training images equal each image of x."""
        return np.array([self._index.get(row.tobytes(), 0) for row in _as_bits(x)])

    def log_prob(self, x) -> np.ndarray:
        empirical = self.count(x) / self.total
        return np.log((1 - self.eps) * empirical + self.eps * 2.0**-self.num_pixels)

    def sample(self, n: int, seed: Seed = 0) -> np.ndarray:
        """With probability 1 - eps a training image (by its count), else uniform bits."""
        rng = as_rng(seed)
        copies = self.images[rng.choice(len(self.images), size=n, p=self.counts / self.total)]
        uniform = rng.integers(0, 2, size=(n, self.num_pixels), dtype=np.uint8)
        return np.where((rng.random(n) < self.eps)[:, None], uniform, copies)

    def num_params(self) -> int:
        return full_joint_params(self.num_pixels)


STRUCTURES = ("independent", "markov", "tree", "full_joint")


def fit_structure(structure: str, train, k: int = 1, alpha: float = 0.1) -> ExplicitModel:
    """Fit one of STRUCTURES to binary training images (k is used by "markov" only)."""
    builders = {
        "independent": lambda: IndependentPixels(train, alpha),
        "markov": lambda: MarkovChain(train, k, alpha),
        "tree": lambda: ChowLiuTree(train, alpha),
        "full_joint": lambda: FullJoint(train),
    }
    if structure not in builders:
        raise ValueError(f"unknown structure {structure!r}; expected one of {STRUCTURES}")
    return builders[structure]()


class IndependentLevels(ExplicitModel):
    """Independent pixels over L gray levels: p(x) = prod_i Cat(x_i; p_i1 .. p_iL), each
    estimated by smoothed counts. (L - 1) n parameters: the baseline of continuous NADE."""

    def __init__(self, train, levels: int = 17, alpha: float = 1.0):
        train = np.asarray(train, dtype=np.int64)
        self.num_pixels, self.levels = train.shape[1], levels
        counts = np.stack([np.bincount(column, minlength=levels) for column in train.T])  # (D, L)
        self.p = (counts + alpha) / (counts.sum(axis=1, keepdims=True) + levels * alpha)

    def log_prob(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.int64)
        return np.log(self.p[np.arange(self.num_pixels), x]).sum(axis=1)

    def sample(self, n: int, seed: Seed = 0) -> np.ndarray:
        rng = as_rng(seed)
        cumulative = self.p.cumsum(axis=1)  # (D, L)
        u = rng.random((n, self.num_pixels, 1))
        return (u > cumulative[None]).sum(axis=2).astype(np.uint8)

    def num_params(self) -> int:
        return (self.levels - 1) * self.num_pixels


# ----------------------------------------------------------------------------
# Fitting and measuring the structures: the independence page's sweeps and tables


def markov_sweep(train: np.ndarray, test: np.ndarray, orders, alpha: float) -> dict[str, np.ndarray]:
    """Fit a Markov chain of each order k on `train`; return k, the parameter count, the
    contexts seen, and the NLL on `train` and on `test` (held-out images): the
    over-fitting U-curve of held-out NLL against k."""
    rows = []
    for k in orders:
        model = MarkovChain(train, k, alpha)
        rows.append((k, float(model.num_params()), model.contexts_seen(), model.nll(train), model.nll(test)))
    k, params, seen, train_nll, test_nll = map(np.array, zip(*rows))
    return {"k": k, "params": params, "contexts_seen": seen, "train_nll": train_nll, "test_nll": test_nll}


def structure_table(train: np.ndarray, test: np.ndarray, orders, alpha: float) -> list[dict]:
    """Train and test NLL of every structure of the independence page on one split."""
    models: list[tuple[str, ExplicitModel]] = [("independent", IndependentPixels(train, alpha))]
    models += [(f"markov_{k}", MarkovChain(train, k, alpha)) for k in orders]
    models += [("chow_liu_tree", ChowLiuTree(train, alpha)), ("full_joint", FullJoint(train))]
    return [
        {"model": name, "params": model.num_params(), "train_nll": model.nll(train), "test_nll": model.nll(test)}
        for name, model in models
    ]


def choose_markov_order(fit: np.ndarray, val: np.ndarray, orders, alpha: float) -> int:
    """The Markov order with the lowest NLL on the validation carve (never the test part)."""
    sweep = markov_sweep(fit, val, orders, alpha)
    return int(sweep["k"][np.argmin(sweep["test_nll"])])


MARKOV_ORDERS = range(25)  # k = 0..24 for the app's model choice: held-out NLL rises steadily past k = 12
# validated_markov_order's result for the smoothing the app uses, stored so that a cold start does
# not fit 25 chains before Home's first paint (0.2-0.4 s); tests/unit/test_evaluate.py recomputes it
STORED_ORDERS = {0.1: 9}


@cache
def validated_markov_order(alpha: float, stored: bool = True) -> int:
    """The app's one Markov order (Home, the leaderboard, the practice questions): the k of
    MARKOV_ORDERS with the lowest NLL on the validation carve, fitted on the fit part."""
    from core.data import digits

    if stored and alpha in STORED_ORDERS:
        return STORED_ORDERS[alpha]
    return choose_markov_order(digits("fit").binary, digits("val").binary, MARKOV_ORDERS, alpha)


def count_model_rows(train: np.ndarray, test: np.ndarray, markov_k: int, alpha: float) -> list[dict]:
    """Test NLL and parameters of the count-based structures of Lecture 9 (the baselines
    of the autoregressive leaderboard)."""
    models = {"independent": IndependentPixels(train, alpha), "markov": MarkovChain(train, markov_k, alpha),
              "chow_liu": ChowLiuTree(train, alpha)}
    return [{"model": name, "params": model.num_params(), "test_nll": model.nll(test)} for name, model in models.items()]


def main() -> None:
    """`python -m core.models.counted`: the test-NLL table of the independence page."""
    from core.data import digits

    train, test = digits("train").binary, digits("test").binary
    print("| model | parameters | train NLL | test NLL |\n|---|---:|---:|---:|")
    for row in structure_table(train, test, orders=range(1, 13), alpha=0.1):
        print(f"| {row['model']} | {row['params']:,} | {row['train_nll']:.2f} | {row['test_nll']:.2f} |")


if __name__ == "__main__":
    main()
