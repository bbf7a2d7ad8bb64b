from pathlib import Path

import pytest

from pipeline.params import ParamsError, load_params

REPO = Path(__file__).resolve().parents[1]


def test_shipped_params_load_with_contract_keys() -> None:
    p = load_params(REPO / "params.yaml")
    assert p.ingest.source == "sample"
    assert p.annotate.provider == "offline"
    assert p.annotate.concurrency == 16
    assert p.assemble.scenarios == 3000
    assert p.assemble.options_per_scenario == 5
    assert isinstance(p.ingest.paths, tuple)
    assert p.ingest.allow_damaged_files is False  # a damaged dump file fails ingest


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "params.yaml"
    f.write_text("annotate:\n  provdier: openai\n")
    with pytest.raises(ParamsError, match="annotate: unknown key.*provdier"):
        load_params(f)


def test_wrong_type_and_literal_are_errors(tmp_path: Path) -> None:
    f = tmp_path / "params.yaml"
    f.write_text("assemble:\n  scenarios: many\n")
    with pytest.raises(ParamsError, match="assemble.scenarios: expected an integer"):
        load_params(f)
    f.write_text("ingest:\n  source: twitter\n")
    with pytest.raises(ParamsError, match="ingest.source"):
        load_params(f)


def test_response_format_param(tmp_path: Path) -> None:
    assert load_params(REPO / "params.yaml").annotate.response_format == "auto"
    f = tmp_path / "params.yaml"
    f.write_text("annotate:\n  response_format: json_object_schema\n")
    assert load_params(f).annotate.response_format == "json_object_schema"
    f.write_text("annotate:\n  response_format: json\n")
    with pytest.raises(ParamsError, match="annotate.response_format: 'json' is not one of"):
        load_params(f)
