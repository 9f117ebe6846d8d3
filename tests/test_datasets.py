"""The course datasets: documented shapes and columns, a reproducible split, and CSV files in
data/ that are exactly what data/make_datasets.py writes now."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from labcloud import datasets

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"

EXPECTED = {
    # name: (rows, columns, target, first feature, target values or range)
    "diabetes": (442, 11, "progression", "age", (25, 346)),
    "breast_cancer": (569, 31, "diagnosis", "radius_mean", {0: 357, 1: 212}),
    "wine": (178, 14, "cultivar", "alcohol", {0: 59, 1: 71, 2: 48}),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_loader_shape_columns_and_target(name):
    rows, cols, target, first, values = EXPECTED[name]
    spec = datasets.DATASETS[name]
    df = datasets.load(name)
    assert df.shape == (rows, cols) == (spec.rows, spec.features + 1)
    assert spec.target == target and df.columns[-1] == target and df.columns[0] == first
    assert df.isna().sum().sum() == 0
    assert all(c == c.strip().lower() and " " not in c and "/" not in c for c in df.columns)
    assert all(pd.api.types.is_numeric_dtype(t) for t in df.dtypes)
    if isinstance(values, dict):
        assert df[target].value_counts().to_dict() == values
    else:
        assert (df[target].min(), df[target].max()) == values


def test_diabetes_is_raw_not_scaled():
    df = datasets.load_diabetes()
    assert list(df.columns) == ["age", "sex", "bmi", "bp", "tc", "ldl", "hdl", "tch", "ltg",
                                "glu", "progression"]
    assert set(df["sex"]) == {1, 2}
    assert df["age"].between(19, 79).all() and df["bmi"].between(18, 43).all()
    assert df.iloc[0].tolist() == [59, 2, 32.1, 101.0, 157, 93.2, 38.0, 4.0, 4.8598, 87, 151]


def test_breast_cancer_positive_class_is_malignant():
    from sklearn.datasets import load_breast_cancer

    ours = datasets.load_breast_cancer()
    sk = load_breast_cancer()
    assert list(sk.target_names) == ["malignant", "benign"]  # sklearn: 0 = malignant
    assert (ours["diagnosis"].to_numpy() == (sk.target == 0)).all()
    assert {"radius_mean", "radius_se", "radius_worst", "concave_points_worst"} <= set(ours)


def test_loaders_return_fresh_frames():
    a = datasets.load_wine()
    a.loc[0, "alcohol"] = -1
    assert datasets.load_wine().loc[0, "alcohol"] != -1


def test_unknown_name_is_a_clear_error():
    with pytest.raises(ValueError, match="breast_cancer"):
        datasets.load("boston")


@pytest.mark.parametrize("name,stratify,sizes", [
    ("diabetes", None, (264, 89, 89)),
    ("breast_cancer", "diagnosis", (341, 114, 114)),
    ("wine", "cultivar", (106, 36, 36)),
])
def test_split_documented_sizes_disjoint_and_seeded(name, stratify, sizes):
    df = datasets.load(name)
    parts = datasets.split(df, stratify=stratify)
    assert tuple(len(p) for p in parts) == sizes
    indexes = [set(p.index) for p in parts]
    assert not (indexes[0] & indexes[1] or indexes[0] & indexes[2] or indexes[1] & indexes[2])
    assert set().union(*indexes) == set(df.index)
    again = datasets.split(df, stratify=stratify)
    assert all(p.equals(q) for p, q in zip(parts, again))
    other = datasets.split(df, stratify=stratify, seed=7)
    assert not parts[2].index.equals(other[2].index)
    if stratify:
        whole = df[stratify].value_counts(normalize=True)
        for part in parts:
            share = part[stratify].value_counts(normalize=True)
            assert (share - whole).abs().max() < 0.05


def test_split_rejects_impossible_fractions():
    df = datasets.load_wine()
    with pytest.raises(ValueError):
        datasets.split(df, test_fraction=0.6, validation_fraction=0.5)


def test_committed_csvs_equal_a_fresh_build(tmp_path):
    result = subprocess.run([sys.executable, str(DATA / "make_datasets.py"), "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    built = sorted(p.name for p in tmp_path.glob("*.csv"))
    assert built == sorted(f"{name}.csv" for name in datasets.DATASETS)
    assert sorted(p.name for p in DATA.glob("*.csv")) == built, "stray or missing CSV in data/"
    for name in built:
        assert (DATA / name).read_bytes() == (tmp_path / name).read_bytes(), (
            f"data/{name} differs from what data/make_datasets.py writes now; rebuild it")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_csv_reads_back_to_the_loader_frame(name):
    from_csv = pd.read_csv(DATA / f"{name}.csv")
    pd.testing.assert_frame_equal(from_csv, datasets.load(name), check_dtype=True)
