from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult
from {{ cookiecutter.package_name }}.registry.model_card import render_model_card


def test_the_card_is_filled_from_the_metadata(trained: tuple[Config, TrainingResult]) -> None:
    metadata = trained[1].metadata
    card = render_model_card(metadata)
    assert metadata["model_version"] in card
    assert f"| roc_auc | {metadata['metrics']['roc_auc']:.4f} |" in card
    assert str(metadata["metrics"]["n_test"]) in card
    assert "{" not in card.replace("{}", "")
