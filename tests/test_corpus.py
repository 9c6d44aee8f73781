"""The bad-input corpus (reliability.md §6 A–C, F; issue 7 "Bad inputs"): every file of tests/fixtures/bad_uploads
is rejected with its specific Chinese message at its row and column, and the warehouse is exactly as before
(table signatures, CURRENT, snapshot files, upload archive); the few accepted hazards are stored literally."""
from __future__ import annotations

import collections
import json
import shutil

import pytest

from etl import publish, warehouse
from etl.problems import ValidationFailed
from tests.conftest import FIXTURES
from tests.fixtures import make_fixtures

BAD = FIXTURES / "bad_uploads"
EXPECTED = json.loads((BAD / "expected.json").read_text(encoding="utf-8"))
CLASSES = ("encoding", "structure", "excel", "business", "malicious")
REJECTED = sorted(n for n, e in EXPECTED.items() if not e.get("accepted"))
ACCEPTED = sorted(n for n, e in EXPECTED.items() if e.get("accepted"))


def payload(name: str) -> tuple[str, bytes]:
    """(name the file is uploaded under, its bytes)."""
    exp = EXPECTED[name]
    data = make_fixtures.generate(name) if exp.get("generated") else (BAD / name).read_bytes()
    return exp.get("upload_name", name), data


def state(p: publish.Paths) -> dict:
    """Everything a rejected upload must leave alone: the current version's table signatures, the CURRENT
    pointer, the snapshot files and the upload archive."""
    version, con = publish.open_snapshot(p)
    try:
        sig = warehouse.signature(con, lineage=True)
    finally:
        con.close()
    return dict(version=version, current=p.current.read_bytes(), signature=sig,
                snapshots=sorted(f.name for f in p.warehouse.iterdir()),
                uploads=sorted(f.name for f in p.uploads.iterdir()) if p.uploads.exists() else [])


@pytest.fixture(scope="module")
def shared_wh(mini_city_template, tmp_path_factory) -> publish.Paths:
    """One warehouse for every rejected file: each must leave it exactly as it found it, so sharing is a
    stronger check than a fresh copy (a leak from one case would show up in the next)."""
    root = tmp_path_factory.mktemp("corpus") / "data"
    shutil.copytree(mini_city_template, root)
    return publish.data_paths(root)


def test_corpus_covers_every_hazard_class():
    counts = collections.Counter(e["class"] for e in EXPECTED.values())
    assert set(counts) == set(CLASSES), counts
    assert all(counts[c] >= 8 for c in CLASSES), counts
    assert len(REJECTED) >= 70


def test_committed_fixtures_are_exactly_what_the_generator_writes():
    cases = {**make_fixtures.CASES, **make_fixtures.MORE}
    on_disk = {f.name for f in BAD.iterdir()} - {"expected.json"}
    assert on_disk == set(cases), "run: python -m tests.fixtures.make_fixtures"
    assert set(EXPECTED) == set(cases) | set(make_fixtures.GENERATED)
    for name, (content, encoding, _) in cases.items():
        assert (BAD / name).read_bytes() == make_fixtures._bytes(content, encoding), name


@pytest.mark.parametrize("name", REJECTED)
def test_bad_file_is_rejected_with_its_message_and_changes_nothing(shared_wh, name):
    exp = EXPECTED[name]
    upload, data = payload(name)
    before = state(shared_wh)
    batch = publish.validate(shared_wh, [(upload, data)])
    try:
        assert not batch.ok
        hits = [p for p in batch.problems if p.code == exp["code"]]
        assert hits, f"expected {exp['code']}, got {[(p.code, p.message) for p in batch.problems]}"
        hit = hits[0]
        assert hit.severity == "error" and hit.file == upload
        assert exp["message"] and exp["message"] in hit.message, hit.message
        assert any("\u4e00" <= ch <= "\u9fff" for ch in hit.message)
        if "row" in exp:
            assert hit.row == exp["row"]
        if "column" in exp:
            assert hit.column == exp["column"]
        if "rows" in exp:  # e.g. both rows of a duplicate key are reported
            assert sorted(p.row for p in hits) == exp["rows"]
        if exp.get("table"):
            assert batch.files[0].table in (exp["table"], None)
        with pytest.raises(ValidationFailed):
            publish.publish(shared_wh, batch, "测试")
    finally:
        batch.close()
    assert state(shared_wh) == before, "a rejected file must change nothing"


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_hazard_passes_and_is_staged_verbatim(shared_wh, name):
    """Encodings, BOMs, odd line endings, emoji, quotes, formula and SQL text: accepted, value for value."""
    exp = EXPECTED[name]
    upload, data = payload(name)
    batch = publish.validate(shared_wh, [(upload, data)])
    try:
        assert batch.ok, [p.format() for p in batch.problems]
        if "warn" in exp:
            assert exp["warn"] in {p.code for p in batch.problems if p.severity == "warning"}
        assert batch.files[0].table == exp["table"]
        for column, value in exp.get("stored", {}).items():  # the staged rows are what publish inserts
            assert batch.con.execute(f"SELECT {column} FROM stg_{exp['table']}").fetchall() == [(value,)]
    finally:
        batch.close()


def test_literal_payloads_are_published_verbatim_and_drop_nothing(wh):
    """Formula, SQL-injection, quote and markup text in one real publish: stored as typed, every table intact."""
    stored = [n for n in ACCEPTED if "stored" in EXPECTED[n]]
    before = state(wh)
    batch = publish.validate(wh, [payload(n) for n in stored])
    try:
        assert batch.ok, [p.format() for p in batch.problems]
        version = publish.publish(wh, batch, "测试")
    finally:
        batch.close()
    assert version == before["version"] + 1
    _, con = publish.open_snapshot(wh)
    try:
        for name in stored:
            table = EXPECTED[name]["table"]
            for column, value in EXPECTED[name]["stored"].items():
                rows = con.execute(f"SELECT {column} FROM {table} WHERE {column} = ?", [value]).fetchall()
                assert rows == [(value,)], f"{name}: {column} must hold {value!r} exactly"
        tables = {r[0] for r in con.execute("SHOW TABLES").fetchall()}
    finally:
        con.close()
    assert set(before["signature"]) <= tables, "injected SQL must not drop any table"
    after = state(wh)["signature"]
    assert after["dim_county"] == before["signature"]["dim_county"]
    added = sum(EXPECTED[n]["table"] == "fact_suggestion" for n in stored)
    assert after["fact_suggestion"][0] == before["signature"]["fact_suggestion"][0] + added
