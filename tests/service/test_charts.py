"""The server-drawn SVG charts: valid SVG, named for screen readers, bars proportional to the numbers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from service.web.charts import WIDTH, bar_chart, funnel_chart, histogram

SVG = "{http://www.w3.org/2000/svg}"


def _bars(svg: str) -> list[ET.Element]:
    return ET.fromstring(svg).findall(f"{SVG}rect")


def test_bars_are_as_long_as_their_values() -> None:
    svg = bar_chart([("Nusa Tenggara Barat", 200), ("Bali", 50), ("Jawa Barat", 0)], title="Per provinsi")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("viewBox", "").startswith("0 0 360 ")
    assert root.get("width") is None  # scales with its container
    assert root.findtext(f"{SVG}title") == "Per provinsi"
    widths = [float(r.get("width", "")) for r in _bars(svg)]
    assert widths[0] == pytest.approx(WIDTH - 48)  # the longest fills the plotting width
    assert widths[1] == pytest.approx(widths[0] / 4, abs=0.01)
    assert widths[2] == 0
    assert [r.get("data-value") for r in _bars(svg)] == ["200", "50", "0"]
    assert [t.text for t in root.findall(f"{SVG}text")][:2] == ["Nusa Tenggara Barat", "200"]


def test_histogram_heights_follow_the_counts_and_mark_the_floor() -> None:
    svg = histogram([("0", 1), ("1", 0), ("2", 21), ("3", 7)], title="Sebaran", warn=["0", "1"], x_label="x")
    bars = _bars(svg)
    heights = [float(b.get("height", "")) for b in bars]
    assert heights[2] == max(heights) and heights[1] == 0
    assert heights[3] == pytest.approx(heights[2] * 7 / 21, abs=0.01)
    assert heights[0] == pytest.approx(heights[2] / 21, abs=0.01)
    # bars stand on one baseline
    assert len({round(float(b.get("y", "")) + float(b.get("height", "")), 6) for b in bars}) == 1
    assert [b.get("class") for b in bars] == ["bar warn", "bar warn", "bar", "bar"]


def test_funnel_bars_shrink_with_each_stage_and_say_their_share() -> None:
    svg = funnel_chart([("Terjadwal", 200), ("Berlangsung", 150), ("Kesepakatan", 10)], title="Corong")
    widths = [float(b.get("width", "")) for b in _bars(svg)]
    assert widths == pytest.approx([WIDTH, WIDTH * 0.75, WIDTH * 0.05], abs=0.01)
    texts = [t.text for t in ET.fromstring(svg).findall(f"{SVG}text")]
    assert texts == ["Terjadwal: 200 (100%)", "Berlangsung: 150 (75%)", "Kesepakatan: 10 (5%)"]
    centres = {round(float(b.get("x", "")) + float(b.get("width", "")) / 2, 6) for b in _bars(svg)}
    assert centres == {WIDTH / 2}


def test_text_is_escaped_and_empty_charts_say_so() -> None:
    svg = bar_chart([("<script>alert(1)</script> & Co", 3)], title='"Judul" <b>', desc="a & b")
    root = ET.fromstring(svg)  # well-formed: nothing unescaped
    assert "<script>" not in svg and "<b>" not in svg
    assert root.findtext(f"{SVG}desc") == "a & b"
    assert root.get("aria-labelledby", "").split() == [
        root.find(f"{SVG}title").get("id"),  # type: ignore[union-attr]
        root.find(f"{SVG}desc").get("id"),  # type: ignore[union-attr]
    ]
    empty = ET.fromstring(bar_chart([], title="Kesepakatan", empty="Belum ada kesepakatan."))
    assert empty.findall(f"{SVG}rect") == []
    assert "Belum ada kesepakatan." in "".join(empty.itertext())
    assert ET.fromstring(funnel_chart([("Terjadwal", 0), ("Kesepakatan", 0)], title="c")) is not None


def test_each_chart_has_its_own_ids() -> None:
    first, second = (ET.fromstring(bar_chart([("a", 1)], title=t)) for t in ("A", "B"))
    assert first.find(f"{SVG}title").get("id") != second.find(f"{SVG}title").get("id")  # type: ignore[union-attr]
