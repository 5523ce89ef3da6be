"""The handbook's benchmark and partition charts: the shared result format, byte-stable SVG, alt
text, and the drift check catching a result edited without `schema docs`.

No database: the charts are drawn from committed JSON. Fixtures are written to tmp directories,
never into docs/ (the committed results belong to the scripts that measured them).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from schema import bench_json, database
from schema.docs import charts, generate
from schema.docs import markdown as md
from schema.seed import partition_counts

DOCS = database.project_root() / "docs"
MACHINE = {"cpu": "Test CPU", "cores": "2", "memory": "1.0 GiB", "postgres server_version": "16.2"}


def result(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Quote creation: counter vs sequence",
        "script": "scripts/bench_x.py",
        "command": "python scripts/bench_x.py --json out.json",
        "measured_at": "2026-12-02",
        "machine": MACHINE,
        "unit": "quotes/s",
        "scale": "linear",
        "groups": [
            {"label": "1 connection", "values": {"counter": 622.0, "sequence": 804.0}},
            {"label": "32 connections", "values": {"counter": 158.0, "sequence": 602.0}},
        ],
        "notes": "A fixture of the tests.",
    }
    data.update(changes)
    return data


def write_json(path: Path, data: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"unit": ""}, "'unit' must be a non-empty string"),
        ({"scale": "cubic"}, "'scale' must be one of"),
        ({"measured_at": "2 Dec 2026"}, "'measured_at' must be YYYY-MM-DD"),
        ({"machine": {}}, "'machine' must be"),
        ({"groups": []}, "'groups' must be a non-empty list"),
        ({"groups": [{"label": "a", "values": {"x": "fast"}}]}, "(a) 'x' must be a finite number"),
        ({"groups": [{"label": "a", "values": {"x": True}}]}, "(a) 'x' must be a finite number"),
        ({"groups": [{"label": "a", "values": {"x": -1.0}}]}, "is negative"),
        ({"scale": "log", "groups": [{"label": "a", "values": {"x": 0}}]}, "a log scale has no place"),
        ({"groups": [{"label": "a", "values": {"x": 1}}, {"label": "a", "values": {"x": 2}}]}, "group labels repeat"),
        ({"extra": 1}, "unknown fields ['extra']"),
    ],
)
def test_the_loader_refuses_a_malformed_result_naming_the_file(tmp_path: Path, change: dict[str, object], says: str) -> None:
    path = write_json(tmp_path / "broken.json", result(**change))
    with pytest.raises(charts.ChartError) as refused:
        charts.load_benchmark(path)
    assert str(path) in str(refused.value) and says in str(refused.value)


def test_the_loader_refuses_a_missing_field_and_a_file_that_is_not_json(tmp_path: Path) -> None:
    data = result()
    del data["notes"]
    missing = write_json(tmp_path / "missing.json", data)
    with pytest.raises(charts.ChartError, match=r"missing\.json: missing fields \['notes'\]"):
        charts.load_benchmark(missing)
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    with pytest.raises(charts.ChartError, match=r"garbage\.json is not JSON"):
        charts.load_benchmark(garbage)


def test_the_writer_writes_what_the_loader_reads_and_names_the_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [str(database.project_root() / "scripts" / "bench_uuid.py"), "--rows", "10"])
    path = tmp_path / "uuid.json"
    groups = [bench_json.Group("10 rows", {"v4": 98057.91, "v7": 83857.2})]
    written = bench_json.write(path, title="UUID keys", unit="rows/s", scale="linear", groups=groups, notes="A note.", machine=MACHINE)
    loaded = charts.load_benchmark(path)
    assert loaded == written
    assert loaded.script == "scripts/bench_uuid.py"
    assert loaded.command == "python scripts/bench_uuid.py --rows 10"
    assert loaded.groups[0].values == {"v4": 98060.0, "v7": 83860.0}  # four significant digits


def test_the_writer_refuses_what_the_handbook_would_refuse(tmp_path: Path) -> None:
    with pytest.raises(bench_json.BenchmarkFileError, match="a log scale has no place"):
        bench_json.write(
            tmp_path / "x.json", title="t", unit="s", scale="log", groups=[bench_json.Group("g", {"a": 0.0})], notes="n", machine=MACHINE
        )
    assert not (tmp_path / "x.json").exists()


def test_a_benchmark_chart_is_byte_stable_and_carries_its_alt_text(tmp_path: Path) -> None:
    loaded = charts.load_benchmark(write_json(tmp_path / "x.json", result()))
    svg = charts.benchmark_svg(loaded)
    assert svg == charts.benchmark_svg(charts.load_benchmark(tmp_path / "x.json"))
    assert svg.splitlines()[1] == md.MD_MARKER_LINE
    alt = charts.benchmark_alt(loaded)
    assert "1 connection: counter 622, sequence 804" in alt and "32 connections: counter 158, sequence 602" in alt
    assert "<title>Quote creation: counter vs sequence</title>" in svg and "sequence 804" in svg
    # every series in the legend and every group on the axis, kept as text (svg.fonttype none)
    for text in ("counter", "sequence", "1 connection", "32 connections"):
        assert f"{text}</text>" in svg, text


def docs_copy(tmp_path: Path) -> Path:
    """A docs/ with the committed inputs of the report pages and one fixture result of its own."""
    docs = tmp_path / "docs"
    (docs / "reports").mkdir(parents=True)
    for rel in (charts.PERFORMANCE_JSON, partition_counts.PARTITIONS_JSON, charts.BENCHMARKS_PAGE):
        shutil.copy(DOCS / rel, docs / rel)
    write_json(docs / bench_json.BENCHMARKS_DIR / "fixture.json", result())
    return docs


def report_pages(docs: Path) -> dict[str, str]:
    return charts.render(docs) | generate.filled_pages(docs)


def test_drift_check_catches_a_result_edited_without_schema_docs(tmp_path: Path) -> None:
    docs = docs_copy(tmp_path)
    pages = report_pages(docs)
    generate.write(pages, docs)
    assert generate.drift(report_pages(docs), docs) == []
    assert "charts/benchmark_fixture.svg" in (docs / charts.BENCHMARKS_PAGE).read_text(encoding="utf-8")

    edited = result()
    edited["groups"][0]["values"]["sequence"] = 900.0  # type: ignore[index]
    write_json(docs / bench_json.BENCHMARKS_DIR / "fixture.json", edited)
    assert generate.drift(report_pages(docs), docs) == ["reports/benchmarks.md: differs", "reports/charts/benchmark_fixture.svg: differs"]


def test_a_deleted_result_leaves_its_chart_stale_and_the_hand_written_page_stays(tmp_path: Path) -> None:
    docs = docs_copy(tmp_path)
    generate.write(report_pages(docs), docs)
    (docs / bench_json.BENCHMARKS_DIR / "fixture.json").unlink()
    pages = report_pages(docs)
    assert "reports/charts/benchmark_fixture.svg: generated page of something no longer in the schema" in generate.drift(pages, docs)
    generate.write(pages, docs)
    assert not (docs / "reports/charts/benchmark_fixture.svg").exists()
    assert (docs / charts.BENCHMARKS_PAGE).is_file()  # filled, never deleted as if generated


def test_the_benchmarks_page_must_keep_its_markers(tmp_path: Path) -> None:
    docs = docs_copy(tmp_path)
    page = docs / charts.BENCHMARKS_PAGE
    page.write_text(page.read_text(encoding="utf-8").replace(generate.FILL_END, ""), encoding="utf-8")
    with pytest.raises(generate.HandbookError, match=r"benchmarks\.md must hold, once each and in this order"):
        generate.filled_pages(docs)


def test_every_committed_result_has_its_chart_on_the_benchmarks_page() -> None:
    page = (DOCS / charts.BENCHMARKS_PAGE).read_text(encoding="utf-8")
    stems = sorted(p.stem for p in (DOCS / bench_json.BENCHMARKS_DIR).glob("*.json"))
    assert {"insert_paths", "restore", "uuid", "indexes"} <= set(stems)
    for stem in stems:
        loaded = charts.load_benchmark(DOCS / bench_json.BENCHMARKS_DIR / f"{stem}.json")
        assert f"![{charts.benchmark_alt(loaded)}](charts/benchmark_{stem}.svg)" in page


def test_the_partitions_loader_refuses_months_that_do_not_add_up(tmp_path: Path) -> None:
    data = json.loads((DOCS / partition_counts.PARTITIONS_JSON).read_text(encoding="utf-8"))
    data["tables"]["audit_logs"]["rows"] += 1
    path = write_json(tmp_path / "partitions.json", data)
    with pytest.raises(charts.ChartError, match=r"partitions\.json: the months of audit_logs add up to"):
        charts.load_partitions(path)
    del data["scale"]
    with pytest.raises(charts.ChartError, match=r"partitions\.json is not what `schema seed partitions --json` writes"):
        charts.load_partitions(write_json(path, data))


def test_the_partitions_page_says_the_counts_are_computed_not_counted() -> None:
    report = charts.load_partitions(DOCS / partition_counts.PARTITIONS_JSON)
    page = charts.partitions_page(report)
    assert "not counted in a seeded database" in page and "No full-scale database was seeded" in page
    assert report.scale == "full" and report.command.startswith("schema seed partitions --scale full")
    for stream in report.streams:
        assert f"**{stream.rows:,}**" in page
    assert "charts/partitions.svg" in page and "machine" in page
