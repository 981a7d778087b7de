from {{ cookiecutter.package_name }}.config import Config
from {{ cookiecutter.package_name }}.pipelines.training import TrainingResult
from {{ cookiecutter.package_name }}.registry.model_card import render_model_card


def test_the_hyper_parameters_nest_under_their_bullet(
    trained: tuple[Config, TrainingResult],
) -> None:
    card = render_model_card(trained[1].metadata)
    [line] = [line for line in card.splitlines() if "`C`" in line]
    assert line.startswith("  - ")  # a sub-list in Markdown, not a sibling of the bullet


def test_the_card_is_filled_from_the_metadata(trained: tuple[Config, TrainingResult]) -> None:
    metadata = trained[1].metadata
    card = render_model_card(metadata)
    assert metadata["model_version"] in card
    assert f"| roc_auc | {metadata['metrics']['roc_auc']:.4f} |" in card
    assert str(metadata["metrics"]["n_test"]) in card
    assert "{" not in card.replace("{}", "")
