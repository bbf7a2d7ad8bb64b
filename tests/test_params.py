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


def test_misspelled_top_level_section_is_named_with_a_suggestion(tmp_path: Path) -> None:
    f = tmp_path / "params.yaml"
    f.write_text((REPO / "params.yaml").read_text() + "buidl:\n  name: ValAct-15k\n")
    with pytest.raises(ParamsError) as info:
        load_params(f)
    assert str(info.value).startswith(
        f"{f}: unknown top-level section 'buidl' (did you mean 'build'?); known: annotate,"
    )
    f.write_text("zzz: 1\nrewiev: {}\n")
    with pytest.raises(ParamsError, match=r"sections 'rewiev' \(did you mean 'review'\?\), 'zzz';"):
        load_params(f)


def test_unknown_key_in_a_section_suggests_the_closest(tmp_path: Path) -> None:
    f = tmp_path / "params.yaml"
    f.write_text("ingest:\n  sorce: dump\n")
    suggestion = r"^ingest: unknown key\(s\) sorce \(did you mean 'source'\?\); known: all"
    with pytest.raises(ParamsError, match=suggestion):
        load_params(f)


def _cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, params_text: str, *args: str):
    from typer.testing import CliRunner

    from pipeline.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "params.yaml").write_text(params_text)
    return CliRunner().invoke(app, list(args))


def test_stage_run_names_the_misspelled_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (REPO / "params.yaml").read_text().replace("\nbuild:\n", "\nbuidl:\n")
    result = _cli(tmp_path, monkeypatch, text, "ingest", "--no-progress")
    assert result.exit_code == 1
    assert (
        "valact ingest: params.yaml: unknown top-level section 'buidl' (did you mean 'build'?)"
        in result.output
    )
    assert "valact ingest: :" not in result.output
    assert not (tmp_path / "raw" / "posts.parquet").exists()


def test_every_stage_checks_every_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ingest reads no build key, yet a bad build key stops it before it reads anything."""
    text = (REPO / "params.yaml").read_text().replace(
        "rows_per_shard: 50000", "rows_per_shard: many"
    )
    result = _cli(tmp_path, monkeypatch, text, "ingest", "--no-progress")
    assert result.exit_code == 1
    assert "valact ingest: build.rows_per_shard: expected an integer, got 'many'" in result.output


def test_params_check_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _cli(tmp_path, monkeypatch, (REPO / "params.yaml").read_text(), "params", "check")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("params.yaml: OK (seed, ingest, clean,")
    result = _cli(tmp_path, monkeypatch, "seed: 13\nbuidl: {}\n", "params", "check")
    assert result.exit_code == 1
    assert result.output.startswith(
        "valact params check: params.yaml: unknown top-level section 'buidl' "
        "(did you mean 'build'?)"
    )



def _section_keys(section: str) -> set[str]:
    import dataclasses

    from pipeline.params import Params

    kind = type(getattr(Params(), section))
    return {f"{section}.{f.name}" for f in dataclasses.fields(kind)}


def test_dvc_yaml_declares_every_data_key_and_no_execution_setting() -> None:
    """A stage's section is declared key by key: every field that can change the data is
    declared (else DVC misses its change), no execution setting is (else changing the number
    of workers reruns minutes of work). A new field must be put on one side or the other."""
    import yaml

    from pipeline.params import EXECUTION_KEYS

    stages = yaml.safe_load(Path("dvc.yaml").read_text())["stages"]
    sections = ("ingest", "clean", "annotate")
    for section in sections:
        declared = {k for k in stages[section].get("params", [])
                    if k == section or k.startswith(f"{section}.")}
        keys = _section_keys(section)
        assert section not in declared, f"{section} declares its whole section"
        assert declared & EXECUTION_KEYS == set(), f"{section} declares execution settings"
        assert declared == keys - EXECUTION_KEYS, (
            f"{section}: undeclared data keys {sorted(keys - declared - EXECUTION_KEYS)}, "
            f"unknown keys {sorted(declared - keys)}")
    every = set().union(*(_section_keys(s) for s in sections))
    assert EXECUTION_KEYS.issubset(every)
    assert "seed" not in stages["ingest"].get("params", [])  # ingest never reads the seed


def test_no_stage_declares_the_execution_section() -> None:
    """Where the stages run (local pool or Dask) changes no output: dvc.yaml declares no key
    of the execution section, and every one of its keys is an execution setting."""
    import yaml

    from pipeline.params import EXECUTION_SECTION, is_execution_setting

    stages = yaml.safe_load(Path("dvc.yaml").read_text())["stages"]
    declared = [k for s in stages.values() for k in s.get("params", [])
                if isinstance(k, str) and k.split(".", 1)[0] == EXECUTION_SECTION]
    assert declared == []
    keys = _section_keys(EXECUTION_SECTION)
    assert keys == {"execution.engine", "execution.address"}
    assert all(is_execution_setting(k) for k in keys)
    assert not is_execution_setting("clean.min_words")
