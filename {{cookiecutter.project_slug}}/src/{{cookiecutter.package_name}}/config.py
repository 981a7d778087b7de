"""Project configuration: the settings file, overridden by ``CHURN_*`` variables, validated.

Every setting has one home, the settings file; an environment variable overrides it for
every command (``train`` and ``serve`` alike): ``CHURN_<SECTION>__<KEY>``, for example
``CHURN_PATHS__MODELS_DIR=/models`` or ``CHURN_SERVING__PORT=9000`` (pydantic-settings).
The wheel carries the project's settings file as package data, read where no file is found.
"""

from __future__ import annotations

import os
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .errors import ConfigError
from .monitoring.settings import MonitoringConfig

ENV_PREFIX = "CHURN_"
ENV_DELIMITER = "__"
#: Names the settings file when a command is given no ``--config`` (``serve``'s workers).
CONFIG_FILE_ENV = f"{ENV_PREFIX}CONFIG_FILE"
DEFAULT_CONFIG_PATH = Path("configs/config.yaml")
# The settings file is the first of these that exists (params.yaml: DVC's params file).
CONFIG_CANDIDATES = (Path("params.yaml"), DEFAULT_CONFIG_PATH)
#: The settings file inside the wheel: pyproject.toml packs the project's one at build time.
PACKAGED_CONFIG = "config.yaml"
EstimatorName = Literal["logistic_regression", "random_forest", "hist_gradient_boosting"]
ClassWeight = Literal["balanced"] | None
Probability = Annotated[float, Field(gt=0.0, lt=1.0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataConfig(_Section):
    """Where raw and derived data live."""

    raw_path: Path = Path("data/raw/telco_churn.csv")
    interim_dir: Path = Path("data/interim")
    processed_dir: Path = Path("data/processed")
    synthetic_rows: Annotated[int, Field(ge=10)] = 7043


class SplitConfig(_Section):
    """The stratified hold-out split."""

    test_size: Probability = 0.2


class LogisticRegressionConfig(_Section):
    """Hyper-parameters of ``sklearn.linear_model.LogisticRegression``."""

    C: Annotated[float, Field(gt=0.0)] = 1.0
    max_iter: Annotated[int, Field(ge=10)] = 1000
    class_weight: ClassWeight = None


class RandomForestConfig(_Section):
    """Hyper-parameters of ``sklearn.ensemble.RandomForestClassifier``."""

    n_estimators: Annotated[int, Field(ge=1)] = 300
    max_depth: Annotated[int, Field(ge=1)] | None = None
    min_samples_leaf: Annotated[int, Field(ge=1)] = 10
    max_features: Literal["sqrt", "log2"] | Probability = "sqrt"
    class_weight: ClassWeight = None
    n_jobs: int = -1


class HistGradientBoostingConfig(_Section):
    """Hyper-parameters of ``sklearn.ensemble.HistGradientBoostingClassifier``."""

    learning_rate: Annotated[float, Field(gt=0.0, le=1.0)] = 0.05
    max_iter: Annotated[int, Field(ge=1)] = 200
    max_leaf_nodes: Annotated[int, Field(ge=2)] = 15
    min_samples_leaf: Annotated[int, Field(ge=1)] = 40
    l2_regularization: Annotated[float, Field(ge=0.0)] = 1.0


class ModelConfig(_Section):
    """The estimator to train, its hyper-parameters and the decision threshold."""

    estimator: EstimatorName = "logistic_regression"
    #: log1p on every numeric column (tenure, the charges; 0/1 stays two values) before scaling.
    log_numbers: bool = True
    threshold: Probability = 0.5
    logistic_regression: LogisticRegressionConfig = LogisticRegressionConfig()
    random_forest: RandomForestConfig = RandomForestConfig()
    hist_gradient_boosting: HistGradientBoostingConfig = HistGradientBoostingConfig()

    def estimator_params(self) -> dict[str, Any]:
        """Return the hyper-parameters of the selected estimator."""
        section: BaseModel = getattr(self, self.estimator)
        return section.model_dump()


class TuningConfig(_Section):
    """The hyper-parameter search of ``tune``, and the file its best parameters go to."""

    trials: Annotated[int, Field(ge=1)] = 30
    #: Seconds after which no new trial starts (null: no limit).
    timeout: Annotated[float, Field(gt=0.0)] | None = None
    folds: Annotated[int, Field(ge=2, le=20)] = 5
    #: The Optuna study (SQLite): the next ``tune`` continues it.
    storage: Path = Path("models/tuning.db")
    #: The best hyper-parameters: laid over the settings file, under ``CHURN_*`` variables.
    params_file: Path = Path("configs/tuned.yaml")


class CampaignConfig(_Section):
    """A retention campaign: what a call costs and a saved customer is worth sets the threshold."""

    #: Pick the threshold of the largest expected profit (false: ``model.threshold``).
    set_threshold: bool = True
    contact_cost: Annotated[float, Field(ge=0.0)] = 10.0
    retained_value: Annotated[float, Field(gt=0.0)] = 200.0
    #: Share of the called churners the offer keeps.
    save_rate: Probability = 0.3
    #: Most customers to call: a share below 1, or a count from 1 up; null: no limit.
    budget: Annotated[float, Field(gt=0.0)] | None = None


class EvaluationConfig(_Section):
    """How the hold-out evaluation is reported."""

    permutation_repeats: Annotated[int, Field(ge=1, le=50)] = 5
    calibration_bins: Annotated[int, Field(ge=2, le=50)] = 10
    figures: bool = True


class PathsConfig(_Section):
    """Where models and reports are written."""

    models_dir: Path = Path("models")
    reports_dir: Path = Path("reports")


class PredictConfig(_Section):
    """Batch scoring settings."""

    chunk_size: Annotated[int, Field(ge=1)] = 50_000


GateMetric = Literal[
    "roc_auc", "pr_auc", "f1", "precision", "recall", "accuracy", "brier", "log_loss"
]


class PromotionConfig(_Section):
    """The promotion gate: refused if the candidate may trail production by over ``tolerance``.

    Both score the same labelled rows; the gate reads the 95% interval of their paired
    difference in ``metric`` and refuses when its worse end is beyond ``tolerance``.
    """

    metric: GateMetric = "roc_auc"
    tolerance: Annotated[float, Field(ge=0.0, le=1.0)] = 0.005
    #: Fewer labelled rows than this decide nothing: a metric on a handful of rows is chance.
    min_rows: Annotated[int, Field(ge=1)] = 100
    #: Paired bootstrap resamples of the rows both versions score (seeded by ``seed``).
    resamples: Annotated[int, Field(ge=100, le=100_000)] = 1000


LogLevel = Literal["critical", "error", "warning", "info", "debug"]


class ServingConfig(_Section):
    """The HTTP service: where it listens, what it accepts, and the server's own limits."""

    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=0, le=65535)] = 8000
    workers: Annotated[int, Field(ge=1)] = 1
    log_level: LogLevel = "info"
    access_log: bool = True
    #: Seconds between checks of the production pointer (0: load once, never follow it).
    reload_interval: Annotated[float, Field(ge=0.0, le=3600.0)] = 2.0
    #: Decision threshold; unset means the one saved with the model.
    threshold: Probability | None = None
    max_batch_size: Annotated[int, Field(ge=1, le=100_000)] = 1000
    max_body_bytes: Annotated[int, Field(ge=1024)] = 4 * 1024 * 1024
    #: GET /model also returns all the metadata saved with the model.
    expose_metadata: bool = False
    #: Granian's own limits: seconds to send a request's line and headers (then the
    #: connection closes), their largest size (431 above it), and requests in progress per
    #: worker before new ones wait (unset: Granian's default, its backlog over the workers).
    header_timeout: Annotated[float, Field(gt=0.0)] = 5.0
    max_header_bytes: Annotated[int, Field(ge=8192)] = 64 * 1024
    backpressure: Annotated[int, Field(ge=1)] | None = None
    #: Log each scored customer as JSON lines here (``monitor drift --current`` reads it).
    score_log_dir: Path | None = None
    score_log_ids: bool = False
    score_log_max_bytes: Annotated[int, Field(ge=1024)] = 10 * 1024 * 1024
    score_log_backups: Annotated[int, Field(ge=0)] = 5


class Config(BaseSettings):
    """The whole configuration; every section has working defaults."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter=ENV_DELIMITER, extra="forbid", frozen=True
    )

    seed: int = 42
    data: DataConfig = DataConfig()
    split: SplitConfig = SplitConfig()
    model: ModelConfig = ModelConfig()
    tuning: TuningConfig = TuningConfig()
    campaign: CampaignConfig = CampaignConfig()
    evaluation: EvaluationConfig = EvaluationConfig()
    paths: PathsConfig = PathsConfig()
    predict: PredictConfig = PredictConfig()
    promotion: PromotionConfig = PromotionConfig()
    monitoring: MonitoringConfig = MonitoringConfig()
    serving: ServingConfig = ServingConfig()
    _tuned_from: Path | None = PrivateAttr(default=None)

    @property
    def tuned_from(self) -> Path | None:
        """Return the tuned file when it sets the chosen estimator's hyper-parameters."""
        return self._tuned_from

    def with_tuned(self) -> Config:
        """Return this configuration with ``tuning.params_file`` laid over it, if it exists.

        The ``CHURN_*`` variables apply again on top: settings file < tuned file < variables.
        """
        path = self.tuning.params_file
        if not path.is_file():
            return self
        payload = _read_yaml(path)
        if not isinstance(payload, dict) or set(payload) != {"model"}:
            raise ConfigError(f"{path}: a tuned file holds one `model` section; delete it to reset")
        tuned = parse_config(_overlay(self.model_dump(), payload), path)
        if isinstance(payload["model"], dict) and self.model.estimator in payload["model"]:
            tuned._tuned_from = path
        return tuned

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Let the environment override the settings file (given as init values)."""
        return env_settings, init_settings


def env_name(location: tuple[Any, ...]) -> str:
    """Return the variable that overrides a setting: ("serving", "port") -> CHURN_SERVING__PORT."""
    return ENV_PREFIX + ENV_DELIMITER.join(str(part) for part in location).upper()


def _describe(error: ValidationError, source: Path | Traversable) -> str:
    first = error.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "<top level>"
    if first["type"] == "extra_forbidden":
        return f"{source}: unknown key '{location}'"
    variable = env_name(first["loc"])
    if variable in os.environ:
        source = Path(variable)
    more = len(error.errors()) - 1
    suffix = f" (+{more} more)" if more else ""
    return f"{source}: {location}: {first['msg']} (got {first['input']!r}){suffix}"


def _overlay(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``top``'s values, merging the mappings both have."""
    merged = dict(base)
    for key, value in top.items():
        both = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _overlay(merged[key], value) if both else value
    return merged


def parse_config(payload: Any, source: Path | Traversable = DEFAULT_CONFIG_PATH) -> Config:
    """Validate a mapping as a ``Config``; raise ``ConfigError`` naming the bad key or value."""
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise ConfigError(f"{source}: expected a mapping of settings, got {type(payload).__name__}")
    try:
        return Config(**payload)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None


def packaged_config() -> Traversable | None:
    """Return the settings file packaged in the wheel; None in a source checkout."""
    resource = resources.files(__package__).joinpath(PACKAGED_CONFIG)
    return resource if resource.is_file() else None


def default_config_path() -> Path | Traversable:
    """Return ``$CHURN_CONFIG_FILE``, else the first of ``params.yaml``, ``configs/config.yaml``.

    Where neither exists, the settings file packaged in the wheel.
    """
    if os.environ.get(CONFIG_FILE_ENV):
        return Path(os.environ[CONFIG_FILE_ENV])
    for path in CONFIG_CANDIDATES:
        if path.is_file():
            return path
    packaged = packaged_config()
    if packaged is not None:
        return packaged
    names = " nor ".join(str(path) for path in CONFIG_CANDIDATES)
    raise ConfigError(
        f"no settings file: neither {names} exists in {Path.cwd()}; "
        "run from the project root or pass --config"
    )


def _read_yaml(path: Path | Traversable) -> Any:
    """Return the parsed YAML of a file; ``ConfigError`` naming the line where it is broken."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}: not valid YAML{where}") from None
    except UnicodeDecodeError as exc:  # saved in another encoding, or not a text file
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None


def load_config(path: Path | Traversable | None = None) -> Config:
    """Read and validate a YAML settings file (default: ``default_config_path()``).

    The hyper-parameters that ``tune`` wrote to ``tuning.params_file`` are laid over it.
    """
    if path is None:
        path = default_config_path()
    if not path.is_file():
        raise ConfigError(f"config file not found: {path}")
    return parse_config(_read_yaml(path), path).with_tuned()
