from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from matching.learning.training import TrainingSet, cross_validate
from matching.ranking.features import FEATURE_NAMES
from matching.ranking.model_registry import load_ranker, resolve_ranker, save_ranker
from matching.ranking.rankers import (
    DEFAULT_WEIGHTS,
    ColumnsRanker,
    LearnedRanker,
    WeightedRanker,
    compile_trees,
)

N = len(FEATURE_NAMES)


def _row(**values: float) -> np.ndarray:
    row = np.full(N, 0.5)
    for name, value in values.items():
        row[FEATURE_NAMES.index(name)] = value
    return row


def test_weighted_ranker_orders_the_grades_of_the_labelling_rule() -> None:
    ranker = WeightedRanker().fit(np.zeros((1, N)))
    grade3 = _row(joint_max=1, joint_exact=1, capacity_ok=1, certs_ok=1, province_ok=1, feasible=1)
    grade2 = _row(joint_max=1, joint_exact=1, capacity_ok=1, certs_ok=1, province_ok=0, feasible=1)
    near_miss = _row(joint_max=1, joint_exact=1, capacity_ok=0, certs_ok=1, province_ok=1, feasible=0)
    unrelated = _row(joint_max=0, joint_exact=0, capacity_ok=1, certs_ok=1, province_ok=1, feasible=1)
    scores = ranker.predict(np.vstack([grade3, grade2, near_miss, unrelated]))
    assert list(np.argsort(-scores)) == [0, 1, 2, 3]
    assert set(ranker.contributions(grade3)) == {n for n, w in DEFAULT_WEIGHTS.items() if w}


def test_the_lexicon_counts_as_far_as_it_is_trusted_and_the_text_carries_the_rest() -> None:
    ranker = WeightedRanker().fit(np.zeros((1, N)))
    # the lexicon likes the first IKM, BM25 and the encoder the second
    lexical = dict(joint_max=1, joint_exact=1, dense_gap=-0.02, text_score=0.1)
    textual = dict(joint_max=0, joint_exact=0, dense_gap=0.0, text_score=1.0)
    trusted = ranker.predict(np.vstack([_row(**lexical, lexicon_trust=1), _row(**textual, lexicon_trust=1)]))
    distrusted = ranker.predict(
        np.vstack([_row(**lexical, lexicon_trust=0), _row(**textual, lexicon_trust=0)])
    )
    assert trusted[0] > trusted[1] and distrusted[1] > distrusted[0]
    # the explanation's parts add up to the score, whatever the trust
    for trust in (0.0, 0.3, 1.0):
        row = _row(**lexical, lexicon_trust=trust)
        assert sum(ranker.contributions(row).values()) == pytest.approx(float(ranker.predict(row[None])[0]))
    # a plain linear score when the gate is off
    plain = WeightedRanker(gate=False).fit(np.zeros((1, N)))
    row = _row(**lexical, lexicon_trust=0)
    assert plain.predict(row[None])[0] == pytest.approx(row @ plain.coef_)


def test_a_model_of_fewer_features_is_fed_its_own_columns() -> None:
    names = FEATURE_NAMES[:5]
    inner = WeightedRanker({n: 1.0 for n in names}, feature_names=names).fit(np.zeros((1, len(names))))
    wrapped = ColumnsRanker(inner, names)
    X = np.random.default_rng(0).uniform(size=(4, N))
    np.testing.assert_allclose(wrapped.predict(X), X[:, :5].sum(axis=1))
    assert set(wrapped.contributions(X[0])) == set(names)
    with pytest.raises(ValueError, match="no longer computed"):
        ColumnsRanker(inner, ("gone_feature",))


def test_estimators_follow_scikit_learn_conventions() -> None:
    for estimator in (WeightedRanker(), LearnedRanker(max_iter=20)):
        with pytest.raises(NotFittedError):
            estimator.predict(np.zeros((2, N)))
        assert clone(estimator).get_params() == estimator.get_params()
    with pytest.raises(ValueError, match="unknown features"):
        WeightedRanker(weights={"nonsense": 1.0}).fit(np.zeros((1, N)))
    with pytest.raises(ValueError, match="features"):
        LearnedRanker().fit(np.zeros((3, N - 1)), np.zeros(3))


def _synthetic(
    n_buyers: int = 12, per: int = 30, seed: int = 0
) -> tuple[TrainingSet, dict[str, dict[str, int]]]:
    rng = np.random.default_rng(seed)
    X = rng.random((n_buyers * per, N))
    joint = X[:, FEATURE_NAMES.index("joint_max")]
    y = np.where(joint > 0.8, 3, np.where(joint > 0.5, 1, 0)).astype(float)
    buyers = np.repeat([f"B{b}" for b in range(n_buyers)], per)
    ikms = np.array([f"I{i}" for i in range(len(y))])
    qrels = {b: {} for b in set(buyers)}
    for b, i, g in zip(buyers, ikms, y, strict=True):
        qrels[b][i] = int(g)
    return TrainingSet(X, y, buyers, ikms, {b: "en" for b in qrels}), qrels


def test_grouped_cross_validation_learns_a_signal() -> None:
    data, qrels = _synthetic()
    cv = cross_validate(LearnedRanker(max_iter=50, min_samples_leaf=5), data, qrels, n_splits=4)
    assert len(cv["folds_ndcg@10"]) == 4
    assert cv["all"]["ndcg@10"] > 0.9
    shuffled = TrainingSet(
        data.X, np.random.default_rng(1).permutation(data.y), data.buyers, data.ikms, data.languages
    )
    assert cross_validate(LearnedRanker(max_iter=50), shuffled, qrels, n_splits=4)["all"]["ndcg@10"] < 0.9


def test_saved_ranker_round_trips_and_newest_picks_the_newest(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data, _ = _synthetic()
    ranker = LearnedRanker(max_iter=10).fit(data.X, data.y)
    config = {"features": list(FEATURE_NAMES)}
    for name in ("ranker-v1", "ranker-v2"):
        save_ranker(ranker, tmp_path / name, config=config, metrics={}, card="# card\n")
    loaded, _ = load_ranker(tmp_path / "ranker-v2")
    np.testing.assert_allclose(loaded.predict(data.X[:5]), ranker.predict(data.X[:5]))
    assert resolve_ranker("newest", tmp_path)[1] == "ranker-v2"
    assert resolve_ranker("auto", tmp_path)[1] == "weights"  # trained models rank only once chosen
    assert resolve_ranker("newest", tmp_path / "empty", bundled=None)[1] == "weights"
    (tmp_path / "ranker-v3").mkdir()
    (tmp_path / "ranker-v3" / "ranker.joblib").write_bytes(b"not a model")
    (tmp_path / "ranker-v3" / "config.json").write_text('{"features": []}')
    with pytest.warns(UserWarning, match="hand-set weights"):
        assert resolve_ranker("newest", tmp_path)[1] == "weights"


def test_prior_starts_from_the_fallback_and_learns_only_the_correction() -> None:
    data, _ = _synthetic()
    fallback = WeightedRanker().fit(data.X).predict(data.X)
    # trees that cannot move anything: the prediction is the fallback's score, rescaled to the grades
    frozen = LearnedRanker(prior=True, max_iter=1, learning_rate=1e-9).fit(data.X, data.y)
    predicted = frozen.predict(data.X)
    assert list(np.argsort(-predicted, kind="stable")) == list(np.argsort(-fallback, kind="stable"))
    slope, intercept = frozen.prior_coef_
    assert slope > 0
    np.testing.assert_allclose(predicted, slope * fallback + intercept, atol=1e-6)
    # a full model: its explanation splits the score into the fallback's part and the learned correction
    model = LearnedRanker(prior=True, max_iter=30).fit(data.X, data.y)
    parts = model.contributions(data.X[0])
    assert set(parts) == {"fallback_score", "learned_correction"}
    assert sum(parts.values()) == pytest.approx(float(model.predict(data.X[:1])[0]))
    assert set(LearnedRanker(max_iter=5).fit(data.X, data.y).contributions(data.X[0])) == {"learned_score"}


def test_prior_is_dropped_when_the_labels_contradict_the_fallback() -> None:
    data, _ = _synthetic()
    fallback = WeightedRanker().fit(data.X).predict(data.X)
    model = LearnedRanker(prior=True, max_iter=1, learning_rate=1e-9).fit(data.X, -fallback)
    assert model.prior_coef_ == (0.0, pytest.approx(float(np.mean(-fallback))))


def test_predict_top_corrects_the_priors_best_rows_and_leaves_the_rest_at_the_calibrated_prior() -> None:
    data, _ = _synthetic()
    model = LearnedRanker(prior=True, max_iter=30).fit(data.X, data.y)
    full = model.predict(data.X)
    prior = model._prior_score(data.X)
    top = model.predict_top(data.X, 50)
    best = np.argsort(-prior, kind="stable")[:50]
    rest = np.setdiff1d(np.arange(len(prior)), best)
    np.testing.assert_allclose(top[best], full[best])  # the prior's 50 best: the full prediction
    np.testing.assert_allclose(top[rest], prior[rest])  # the others: the calibrated prior alone
    assert not np.allclose(full[rest], prior[rest])  # so the correction was really left out there
    np.testing.assert_allclose(model.predict_top(data.X, len(data.X)), full)  # n >= rows: predict
    plain = LearnedRanker(max_iter=5).fit(data.X, data.y)  # no prior to order by: predict every row
    np.testing.assert_allclose(plain.predict_top(data.X, 10), plain.predict(data.X))
    columns = ColumnsRanker(model, FEATURE_NAMES)
    np.testing.assert_allclose(columns.predict_top(data.X, 50), top)


def test_the_compiled_trees_answer_as_scikit_learn_and_are_not_pickled(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data, _ = _synthetic()
    model = LearnedRanker(max_iter=60, max_leaf_nodes=15).fit(data.X, data.y)
    rows = np.vstack([data.X, np.random.default_rng(3).random((200, N))])
    sklearn_scores = model.model_.predict(rows)
    compiled = model.predict(rows)
    assert "_compiled" in model.__dict__  # the ONNX Runtime session, built on the first predict
    assert compiled is not sklearn_scores
    np.testing.assert_allclose(compiled, sklearn_scores, atol=1e-5)
    assert np.corrcoef(compiled, sklearn_scores)[0, 1] > 0.999999
    assert compile_trees(model.model_)(rows[:0]).shape == (0,)
    missing = rows.copy()
    missing[::7, 4] = np.nan  # a missing value takes the branch scikit-learn learned for it
    np.testing.assert_allclose(compile_trees(model.model_)(missing), model.model_.predict(missing), atol=1e-5)
    save_ranker(
        model, tmp_path / "ranker-v1", config={"features": list(FEATURE_NAMES)}, metrics={}, card="#\n"
    )
    loaded, _ = load_ranker(tmp_path / "ranker-v1")
    assert "_compiled" not in loaded.__dict__  # the session is not saved; the loaded ranker builds its own
    np.testing.assert_allclose(loaded.predict(rows), compiled)


def test_trees_that_cannot_be_compiled_run_in_scikit_learn(monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    import skl2onnx

    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("no converter")

    monkeypatch.setattr(skl2onnx, "to_onnx", refuse)
    data, _ = _synthetic()
    model = LearnedRanker(max_iter=20).fit(data.X, data.y)
    with caplog.at_level("WARNING"):
        scores = model.predict(data.X)
    assert "ONNX conversion failed: no converter" in caplog.text
    np.testing.assert_array_equal(scores, model.model_.predict(data.X))
