"""Rankers over the named features of :mod:`matching.ranking.features`: scikit-learn estimators.

- :class:`WeightedRanker` — hand-set weights, the fallback that needs no training. Its default weights put
  a right-product-in-right-material IKM that meets the buyer's quantity and certificates first, one outside
  the preferred province next, near misses after, unrelated IKMs last. How much the lexicon's reading counts
  is itself read from the query (``lexicon_trust``): the lexicon and relevance features are weighed by it,
  and the text evidence that needs no lexicon (``text_score``, BM25 and the encoder together) by the rest,
  so a query or catalogue the lexicon knows little of is ranked by its text; constraints always count.
- :class:`LearnedRanker` — gradient-boosted trees fitted on graded labels (qrels, meeting outcomes). With
  ``prior=True`` it starts from the fallback: the grade is first regressed on the hand-set score (a slope
  and an intercept), and the trees only learn the correction. Labels from meetings cover the pairs the
  fallback proposed, not the whole candidate list; the prior keeps the fallback's order where the labels
  say nothing, and the correction moves pairs where they disagree with it.

Both follow scikit-learn's conventions: ``__init__`` only stores hyperparameters, ``fit`` returns ``self``
and sets attributes ending in ``_``, ``predict`` starts with ``check_is_fitted``. So ``clone``,
``GridSearchCV`` and ``GroupKFold`` work on them in notebooks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.utils.validation import check_array, check_is_fitted, check_X_y

from matching.ranking.features import FEATURE_NAMES

__all__ = ["DEFAULT_WEIGHTS", "GATED", "ColumnsRanker", "LearnedRanker", "WeightedRanker", "compile_trees"]

log = logging.getLogger(__name__)
_COMPILING = threading.Lock()

DEFAULT_WEIGHTS: dict[str, float] = {
    "joint_max": 1.0,
    "joint_exact": 0.5,
    "dense_gap": 2.0,
    "dense_top3": 0.2,
    "bm25_max": 0.3,
    "coverage": 0.1,
    "capacity_ok": 0.6,
    "certs_ok": 0.6,
    "province_ok": 0.3,
    "price_ok": 0.15,
    "moq_ok": 0.1,
    "lead_time_ok": 0.1,
    "ovop_stars": 0.05,
    "exporter": 0.03,
    "text_score": 0.75,  # weighed by 1 - lexicon_trust (see GATED)
}
# weighed by lexicon_trust: what rests on the lexicon's reading of the query and the IKM's relevance
GATED = frozenset({"joint_max", "joint_exact", "dense_gap", "dense_top3", "bm25_max", "coverage"})
GATE = "lexicon_trust"


class WeightedRanker(RegressorMixin, BaseEstimator):
    """Linear score with hand-set weights per feature name (unnamed features weigh 0).

    With ``gate`` (the default) and features that include ``lexicon_trust`` and ``text_score``, the features
    of :data:`GATED` are weighed by ``lexicon_trust`` and ``text_score`` by ``1 - lexicon_trust``."""

    def __init__(
        self,
        weights: Mapping[str, float] | None = None,
        feature_names: tuple[str, ...] = FEATURE_NAMES,
        gate: bool = True,
    ):
        self.weights = weights
        self.feature_names = feature_names
        self.gate = gate

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> WeightedRanker:
        X = check_array(X)
        if X.shape[1] != len(self.feature_names):
            raise ValueError(f"expected {len(self.feature_names)} features, got {X.shape[1]}")
        weights = dict(DEFAULT_WEIGHTS if self.weights is None else self.weights)
        unknown = set(weights) - set(self.feature_names)
        if unknown:
            raise ValueError(f"weights for unknown features: {sorted(unknown)}")
        self.coef_ = np.array([weights.get(n, 0.0) for n in self.feature_names], dtype=np.float64)
        gated = self.gate and GATE in self.feature_names and "text_score" in self.feature_names
        self.gate_ = self.feature_names.index(GATE) if gated else -1
        self.gated_ = np.array([gated and n in GATED for n in self.feature_names], dtype=bool)
        self.text_ = self.feature_names.index("text_score") if gated else -1
        self.n_features_in_ = X.shape[1]
        return self

    def _parts(self, X: np.ndarray) -> np.ndarray:
        """Each feature's part of each row's score: ``(n, features)``."""
        parts: np.ndarray = X * self.coef_
        if getattr(self, "gate_", -1) >= 0:
            trust = X[:, self.gate_ : self.gate_ + 1]
            parts[:, self.gated_] *= trust
            parts[:, self.text_] *= 1.0 - trust[:, 0]
        return parts

    def predict(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "coef_")
        # not sklearn's check_array: it costs ~0.4 ms a call (dataframe detection), and a learned ranker
        # over this prior calls it for every row it explains
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.coef_.shape[0]:
            raise ValueError(f"expected rows of {self.coef_.shape[0]} features, got shape {X.shape}")
        scores: np.ndarray = self._parts(X).sum(axis=1)
        return scores

    def contributions(self, row: np.ndarray, score: float | None = None) -> dict[str, float]:
        """Each feature's share of the score of one row (for explanations); ``score`` is not needed."""
        check_is_fitted(self, "coef_")
        parts = self._parts(np.asarray(row, dtype=np.float64).reshape(1, -1))[0]
        return {n: float(p) for n, p in zip(self.feature_names, parts, strict=True) if p}


class LearnedRanker(RegressorMixin, BaseEstimator):
    """Pointwise gradient-boosted regression of the relevance grade on the named features."""

    def __init__(
        self,
        learning_rate: float = 0.05,
        max_iter: int = 300,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 20,
        l2_regularization: float = 1.0,
        random_state: int | None = 0,
        feature_names: tuple[str, ...] = FEATURE_NAMES,
        prior: bool = False,
        prior_weights: Mapping[str, float] | None = None,
    ):
        self.prior = prior
        self.prior_weights = prior_weights
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.random_state = random_state
        self.feature_names = feature_names

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None) -> LearnedRanker:
        X, y = check_X_y(X, y, y_numeric=True)
        if X.shape[1] != len(self.feature_names):
            raise ValueError(f"expected {len(self.feature_names)} features, got {X.shape[1]}")
        target = y
        if self.prior:
            self.prior_ = WeightedRanker(self.prior_weights, self.feature_names).fit(X)
            base = self.prior_.predict(X)
            design = np.column_stack([base, np.ones_like(base)])
            weights = None if sample_weight is None else np.sqrt(np.asarray(sample_weight, dtype=float))
            if weights is not None:
                design, target = design * weights[:, None], y * weights
            slope, intercept = np.linalg.lstsq(design, target, rcond=None)[0]
            # a fallback the labels contradict (slope <= 0) is not a prior worth keeping
            self.prior_coef_ = (max(float(slope), 0.0), float(intercept if slope > 0 else y.mean()))
            target = y - self._prior_score(X)
        self.model_ = HistGradientBoostingRegressor(
            learning_rate=self.learning_rate,
            max_iter=self.max_iter,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            random_state=self.random_state,
        ).fit(X, target, sample_weight=sample_weight)
        self.n_features_in_ = X.shape[1]
        return self

    def _prior_score(self, X: np.ndarray) -> np.ndarray:
        slope, intercept = self.prior_coef_
        return slope * self.prior_.predict(X) + intercept

    def predict(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "model_")
        X = check_array(X)
        score: np.ndarray = self._trees()(X)
        return score + self._prior_score(X) if getattr(self, "prior", False) else score

    def predict_top(self, X: np.ndarray, n: int) -> np.ndarray:
        """:meth:`predict` for the ``n`` rows the prior scores best; the other rows keep the calibrated prior
        (the learned correction left out). Without a prior, :meth:`predict` of every row.

        The trees cost ~30 us per tree per call whatever the rows, then grow with the rows: event
        planning scores every IKM for every buyer, and the rows far down the prior's order are not the
        ones a correction reorders into a match list."""
        if not getattr(self, "prior", False) or len(X) <= n:
            return self.predict(X)
        check_is_fitted(self, "model_")
        X = check_array(X)
        score: np.ndarray = self._prior_score(X)
        top = np.argpartition(-score, n - 1)[:n]
        score[top] += self._trees()(X[top])
        return score

    def _trees(self) -> Callable[[np.ndarray], np.ndarray]:
        """The fitted trees' predict, compiled once per loaded ranker (:func:`compile_trees`)."""
        compiled: Callable[[np.ndarray], np.ndarray] | None = self.__dict__.get("_compiled")
        if compiled is None:
            with _COMPILING:
                compiled = self.__dict__.get("_compiled")
                if compiled is None:
                    compiled = self.__dict__["_compiled"] = compile_trees(self.model_)
        return compiled

    def __getstate__(self) -> dict[str, Any]:
        state: dict[str, Any] = dict(super().__getstate__())
        state.pop("_compiled", None)  # an ONNX Runtime session: rebuilt after loading
        return state

    def contributions(self, row: np.ndarray, score: float | None = None) -> dict[str, float]:
        """The predicted grade: trees have no additive per-feature split (that would need SHAP).

        ``score``, when the caller already has it, saves a second predict.
        """
        check_is_fitted(self, "model_")
        if score is None:
            score = float(self.predict(row.reshape(1, -1))[0])
        if not getattr(self, "prior", False):
            return {"learned_score": float(score)}
        base = float(self._prior_score(row.reshape(1, -1))[0])
        return {"fallback_score": base, "learned_correction": float(score) - base}


def compile_trees(model: HistGradientBoostingRegressor) -> Callable[[np.ndarray], np.ndarray]:
    """``model.predict`` through ONNX Runtime's tree ensemble (the trees converted by skl2onnx), one thread.

    scikit-learn's predict makes one call per tree (~10-30 us each, so ~3-9 ms for 300 trees on a search's
    200 rows); the whole ensemble in one native call takes ~1 ms. Inputs go in as float32, as the ONNX
    operator takes them: a prediction differs from scikit-learn's by float32 rounding (~1e-6) and only a
    value within that of a split threshold can take the other branch. Where the conversion fails, the
    returned function is scikit-learn's predict (logged once)."""
    try:
        import onnxruntime as ort
        from skl2onnx import to_onnx

        graph = to_onnx(
            model,
            np.zeros((1, model.n_features_in_), dtype=np.float32),
            target_opset={"": 17, "ai.onnx.ml": 3},
        )
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(graph.SerializeToString(), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # whatever fails, scikit-learn's own predict gives the same answers
        log.warning("the learned ranker's trees run in scikit-learn (ONNX conversion failed: %s)", exc)
        fallback: Callable[[np.ndarray], np.ndarray] = model.predict
        return fallback
    name = session.get_inputs()[0].name

    def predict(X: np.ndarray) -> np.ndarray:
        if len(X) == 0:
            return np.zeros(0, dtype=np.float64)
        out = session.run(None, {name: np.asarray(X, dtype=np.float32)})[0]
        return np.asarray(out, dtype=np.float64).reshape(-1)

    return predict


class ColumnsRanker:
    """A ranker fitted on some of today's features, fed those columns only (a model trained before features
    were added keeps working: its features are still computed, in today's order)."""

    def __init__(
        self, ranker: object, feature_names: tuple[str, ...], all_names: tuple[str, ...] = FEATURE_NAMES
    ):
        missing = [n for n in feature_names if n not in all_names]
        if missing:
            raise ValueError(f"features no longer computed: {missing}")
        self.ranker = ranker
        self.feature_names = tuple(feature_names)
        self.columns = np.array([all_names.index(n) for n in feature_names], dtype=np.int64)

    def predict(self, X: np.ndarray) -> np.ndarray:
        scores: np.ndarray = self.ranker.predict(np.asarray(X)[:, self.columns])  # type: ignore[attr-defined]
        return scores

    def predict_top(self, X: np.ndarray, n: int) -> np.ndarray:
        """The wrapped ranker's ``predict_top`` on these columns, or its ``predict``."""
        columns = np.asarray(X)[:, self.columns]
        top = getattr(self.ranker, "predict_top", None)
        scores: np.ndarray = top(columns, n) if top is not None else self.ranker.predict(columns)  # type: ignore[attr-defined]
        return scores

    def contributions(self, row: np.ndarray, score: float | None = None) -> dict[str, float]:
        shares: dict[str, float] = self.ranker.contributions(np.asarray(row)[self.columns], score)  # type: ignore[attr-defined]
        return shares
