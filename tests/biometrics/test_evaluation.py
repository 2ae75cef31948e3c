"""`tuaton biometrics evaluate` on the small LFW-style set the project can make."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from tuaton.biometrics.evaluation import read_pairs
from tuaton.cli import app


def test_evaluate_reports_rates_on_the_sample_set(tmp_path):
    runner = CliRunner()
    made = runner.invoke(app, ["biometrics", "sample-set", str(tmp_path)])
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["biometrics", "evaluate", str(tmp_path / "pairs.txt"), "--images", str(tmp_path),
                                 "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["genuine"] == 10 and report["impostor"] == 6 and report["not_detected"] == 0
    assert report["false_accept_rate"] == 0 and report["false_reject_rate"] == 0
    strict = runner.invoke(app, ["biometrics", "evaluate", str(tmp_path / "pairs.txt"), "--images", str(tmp_path),
                                 "--threshold", "0.01", "--json"])
    assert json.loads(strict.stdout.strip().splitlines()[-1])["false_reject_rate"] == 1.0


def test_a_malformed_pairs_file_names_its_line(tmp_path):
    (tmp_path / "pairs.txt").write_text("10 300\nAlice 1 2\nBob one two\n")
    with pytest.raises(ValueError, match="pairs.txt:3"):
        read_pairs(tmp_path / "pairs.txt", tmp_path)
    result = CliRunner().invoke(app, ["biometrics", "evaluate", str(tmp_path / "pairs.txt"), "--images",
                                      str(tmp_path)])
    assert result.exit_code != 0 and "pairs.txt:3" in result.output


def test_missing_photos_count_as_not_detected(tmp_path):
    (tmp_path / "pairs.txt").write_text("Nobody 1 2\n")
    result = CliRunner().invoke(app, ["biometrics", "evaluate", str(tmp_path / "pairs.txt"), "--images",
                                      str(tmp_path)])
    assert result.exit_code != 0 and "both same-person and different-person" in result.output
