"""The course's datasets: real, small, and already on the student's disk.

Every dataset here ships inside scikit-learn (its bundled `sklearn/datasets/data/` files), so a
lesson never downloads anything at run time and works offline, from any folder, on any machine
that has the course installed. Notebooks reach the data only through this module::

    from labcloud import datasets
    df = datasets.load_diabetes()                    # a pandas DataFrame, target last
    train, validation, test = datasets.split(df)     # seeded, documented sizes

Each loader returns a fresh DataFrame with clean snake_case column names and the target as a
named column (the last one). `data/make_datasets.py` in the repository writes the same frames as
CSV with these very loaders, so the CSV files and the notebooks can never disagree.

Licences: scikit-learn's packaging of the data is BSD-3-Clause. The original data keep their own
terms, given in each loader's docstring and in data/README.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

__all__ = ["DATASETS", "Dataset", "load", "load_breast_cancer", "load_diabetes", "load_wine",
           "split", "SEED", "TEST_FRACTION", "VALIDATION_FRACTION"]

SEED = 42
TEST_FRACTION = 0.2
VALIDATION_FRACTION = 0.2


# ---- the loaders ------------------------------------------------------------------------------
DIABETES_COLUMNS = {
    "age": "age", "sex": "sex", "bmi": "bmi", "bp": "bp",
    "s1": "tc", "s2": "ldl", "s3": "hdl", "s4": "tch", "s5": "ltg", "s6": "glu",
}


def load_diabetes() -> pd.DataFrame:
    """Diabetes progression (regression): 442 patients, 10 baseline measurements, 1 target.

    Columns: age (years), sex (coded 1 or 2; the source does not say which is which),
    bmi (body mass index, kg/m^2), bp (average blood pressure, mm Hg), tc (total serum
    cholesterol), ldl and hdl (low- and high-density lipoproteins), tch (total cholesterol / HDL),
    ltg (possibly the log of the serum triglycerides level), glu (blood sugar level), and the
    target `progression`: a quantitative measure of disease progression one year after baseline
    (25 to 346, no unit).

    These are the *raw* values (scikit-learn's `scaled=False`), not the mean-centred, scaled
    features that `sklearn.datasets.load_diabetes()` returns by default: a model in production
    sees raw measurements, so the course trains on them.

    Source: B. Efron, T. Hastie, I. Johnstone and R. Tibshirani (2004), "Least Angle
    Regression", Annals of Statistics 32(2), 407-499; data page
    https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html. The original authors state no
    licence; the data are redistributed by scikit-learn (BSD-3-Clause packaging). Cite the paper.
    """
    from sklearn.datasets import load_diabetes as sk_load

    bunch = sk_load(as_frame=True, scaled=False)
    df = bunch.frame.rename(columns={**DIABETES_COLUMNS, "target": "progression"})
    for column in ("age", "sex", "tc", "glu", "progression"):  # integral in the source file
        df[column] = df[column].round().astype("int64")
    return df


def _wdbc_name(sklearn_name: str) -> str:
    """'mean radius' -> 'radius_mean', 'radius error' -> 'radius_se', 'worst radius' ->
    'radius_worst': the names of the original WDBC documentation."""
    words = sklearn_name.split()
    if words[0] in ("mean", "worst"):
        stat, feature = words[0], words[1:]
    else:
        stat, feature = "se", words[:-1]  # '<feature> error'
    return "_".join(feature + [stat])


def load_breast_cancer() -> pd.DataFrame:
    """Breast Cancer Wisconsin (Diagnostic), binary classification: 569 tumours, 30 features.

    Ten properties of the cell nuclei in a digitised image of a fine-needle aspirate (radius,
    texture, perimeter, area, smoothness, compactness, concavity, concave_points, symmetry,
    fractal_dimension), each as `<name>_mean`, `<name>_se` (standard error) and `<name>_worst`
    (mean of the three largest values). Sizes are in image units (pixels); the source gives no
    physical units. Target `diagnosis`: 1 = malignant (212), 0 = benign (357).

    Note: scikit-learn codes the target the other way round (0 = malignant). Here the positive
    class is the disease, as the original file's M/B labels read, which is what precision and
    recall are usually reported for.

    Source: W. H. Wolberg, W. N. Street, O. L. Mangasarian (1995), UCI Machine Learning
    Repository, dataset 17, https://doi.org/10.24432/C5DW2B, licensed CC BY 4.0; packaged by
    scikit-learn (BSD-3-Clause).
    """
    from sklearn.datasets import load_breast_cancer as sk_load

    bunch = sk_load(as_frame=True)
    df = bunch.frame.rename(columns={c: _wdbc_name(c) for c in bunch.feature_names})
    df["diagnosis"] = (1 - df.pop("target")).astype("int64")
    return df


WINE_COLUMNS = {"od280/od315_of_diluted_wines": "od280_od315"}


def load_wine() -> pd.DataFrame:
    """Wine recognition, multiclass classification: 178 wines, 13 chemical measurements.

    Columns: alcohol, malic_acid, ash, alcalinity_of_ash, magnesium, total_phenols, flavanoids,
    nonflavanoid_phenols, proanthocyanins, color_intensity, hue, od280_od315 (OD280/OD315 of
    diluted wines) and proline. The source documents no units. Target `cultivar`: 0, 1 or 2
    (59, 71 and 48 wines), the grape cultivar of three grown in the same region of Italy
    (the original file numbers them 1 to 3; XGBoost's multi:softmax needs 0..num_class-1).

    Source: S. Aeberhard and M. Forina (1991), UCI Machine Learning Repository, dataset 109,
    https://doi.org/10.24432/C5PC7J, licensed CC BY 4.0; original owners M. Forina et al.,
    PARVUS, Genoa. Packaged by scikit-learn (BSD-3-Clause).
    """
    from sklearn.datasets import load_wine as sk_load

    bunch = sk_load(as_frame=True)
    df = bunch.frame.rename(columns={**WINE_COLUMNS, "target": "cultivar"})
    df["cultivar"] = df["cultivar"].astype("int64")
    return df


# ---- the catalogue ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Dataset:
    """What a lesson needs to know about a dataset without loading it."""
    name: str
    loader: Callable[[], pd.DataFrame]
    target: str
    task: str          # "regression", "binary" or "multiclass"
    rows: int
    features: int

    def load(self) -> pd.DataFrame:
        return self.loader()


DATASETS: dict[str, Dataset] = {
    "diabetes": Dataset("diabetes", load_diabetes, "progression", "regression", 442, 10),
    "breast_cancer": Dataset("breast_cancer", load_breast_cancer, "diagnosis", "binary", 569, 30),
    "wine": Dataset("wine", load_wine, "cultivar", "multiclass", 178, 13),
}


def load(name: str) -> pd.DataFrame:
    """Load a dataset by name: one of DATASETS ('diabetes', 'breast_cancer', 'wine')."""
    try:
        return DATASETS[name].load()
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}") from None


# ---- splitting ---------------------------------------------------------------------------------
def split(df: pd.DataFrame, *, test_fraction: float = TEST_FRACTION,
          validation_fraction: float = VALIDATION_FRACTION, seed: int = SEED,
          stratify: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Shuffle and split into (train, validation, test) frames, the same way every time.

    Both fractions are of the whole frame. The test rows are taken first, then the validation
    rows from what is left, with scikit-learn's `train_test_split` and `random_state=seed`
    (scikit-learn rounds the test part up). With the defaults the diabetes data (442 rows)
    splits into 264 train, 89 validation and 89 test rows.

    Why three parts: the validation set steers training (early stopping, tuning), so it is no
    longer an unbiased judge; the test set is looked at once, at the end.

    `stratify` names a column (e.g. the target of a classification set) whose class
    proportions each part keeps. Rows keep their original index, so any part can be traced
    back to the full frame.
    """
    from sklearn.model_selection import train_test_split

    if not (0 < test_fraction < 1 and 0 < validation_fraction < 1
            and test_fraction + validation_fraction < 1):
        raise ValueError("test_fraction and validation_fraction must be in (0, 1) and sum to "
                         "less than 1")
    labels = df[stratify] if stratify else None
    rest, test = train_test_split(df, test_size=test_fraction, random_state=seed,
                                  stratify=labels)
    labels = rest[stratify] if stratify else None
    train, validation = train_test_split(
        rest, test_size=validation_fraction / (1 - test_fraction), random_state=seed,
        stratify=labels)
    return train, validation, test
