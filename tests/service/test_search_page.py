"""The search page is honest (TestClient, the real app on the demo data, hashing encoder): the green badge
only when every stated requirement holds, what fails in a sentence each, hard or soft filters, a
weak-match notice, certificates in words and no raw scores, feature names or comparison signs."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from itertools import product

import pytest
from fastapi.testclient import TestClient

from matching import Engine, Settings
from matching.ranking.features import FEATURE_NAMES
from service import create_app
from service.settings import ServiceSettings
from service.web.i18n import TEXTS
from service.web.pages_search import reason
from service.web.texts.search import CERTIFICATES

ASKED = {
    "q": "keranjang rotan",
    "quantity": "800",
    "cert": "SVLK",
    "max_price": "150000",
    "deadline": "30",
    "province": "Jawa Barat",
    "limit": "50",
}
CHECKS = ("capacity", "moq", "certifications", "province", "price", "lead_time")


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    engine = Engine(
        Settings(home=tmp_path_factory.mktemp("search-home"), encoder="hashing", ranker="weights")
    )
    engine.import_demo()
    app = create_app(engine=engine, service_settings=ServiceSettings(public_search=True))
    with TestClient(app) as c:
        yield c
    engine.close()


def results(page: str) -> list[str]:
    """The HTML of each result on the page."""
    return page.split('<li class="match card">')[1:]


def visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_green_badge_only_when_every_stated_requirement_holds(client: TestClient, lang: str) -> None:
    page = client.get("/", params={**ASKED, "lang": lang})
    assert page.status_code == 200
    shown = results(page.text)
    assert len(shown) == 50
    texts = TEXTS[lang]
    good = bad = 0
    for result in shown:
        assert result.count('<li class="status-') == len(CHECKS)  # every stated requirement is checked
        misses = result.count('class="status-unmet"')
        unknown = result.count('class="status-unknown"')
        if misses == 0 and unknown == 0:
            assert f'<span class="badge good">{texts["search_meets_all"]}</span>' in result
            good += 1
        else:
            assert "badge good" not in result.split('<details class="why">')[0]
        if misses:
            bad += 1
            assert texts["search_fails_n"].format(n=misses) in result
            head = result.split('<details class="why">')[0]
            assert texts["search_what_fails"] in head and head.count("<li>") == misses  # one sentence each
    assert good and bad  # both kinds on the page


def test_what_fails_is_said_in_sentences_with_the_numbers(client: TestClient) -> None:
    text = visible_text(client.get("/", params={**ASKED, "lang": "en"}).text)
    assert re.search(r"Capacity [\d,]+ pieces a month, (enough for|less than) the 800 requested\.", text)
    assert re.search(r"Price from IDR [\d,]+ a piece, (within|above) the IDR 150,000 limit\.", text)
    assert re.search(r"Lead time \d+ days, (within|past) the 30-day deadline\.", text)
    assert "Located in Jawa Barat, a chosen province." in text
    indonesian = visible_text(client.get("/", params={**ASKED, "lang": "id"}).text)
    assert re.search(r"Kapasitas [\d.]+ buah/bulan, (cukup untuk|kurang dari) 800 yang diminta\.", indonesian)
    assert "SVLK (legalitas kayu)" in indonesian


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_raw_scores_feature_names_or_signs_on_the_page(client: TestClient, lang: str) -> None:
    page = client.get("/", params={**ASKED, "lang": lang}).text
    text = visible_text(page.split('id="results-heading"')[1])
    for sign in (">=", "<=", "≥", "≤", " > ", " < "):
        assert sign not in text, sign
    assert not [name for name in FEATURE_NAMES if re.search(rf"\b{name}\b", text)]
    if lang == "en":  # English numbers have no decimal point here: no score like 3.517
        assert not re.search(r"\d\.\d", text)
    assert "<meter" in page  # the breakdown draws relative bars


def test_hard_filters_hide_what_soft_filters_rank_lower(client: TestClient) -> None:
    soft = client.get("/", params={**ASKED, "lang": "en"}).text
    hard = client.get("/", params={**ASKED, "lang": "en", "strict": "1"}).text
    assert 'name="strict" value="1" checked' in hard and 'name="strict" value="0" checked' in soft
    assert any('class="status-unmet"' in r for r in results(soft))
    kept = results(hard)
    assert kept and not any('class="status-unmet"' in r for r in kept)
    assert len(kept) < len(results(soft))
    nothing = client.get("/", params={**ASKED, "quantity": "900000000", "lang": "en", "strict": "1"})
    assert TEXTS["en"]["search_none_pass"] in html.unescape(nothing.text)


def test_weak_match_notice_when_the_query_names_nothing_known(client: TestClient) -> None:
    notice = TEXTS["en"]["search_weak_match"]
    weak = client.get("/", params={"q": "asdfgh qwerty zxcvb", "lang": "en"})
    assert notice in weak.text and results(weak.text)  # the results are still shown, with the warning
    assert notice not in client.get("/", params={"q": "keranjang rotan", "lang": "en"}).text


def test_certificates_are_named_in_words_on_the_form(client: TestClient) -> None:
    form = client.get("/", params={"lang": "id"}).text
    for words in ("SVLK (legalitas kayu)", "Indikasi Geografis", "Fair Trade (perdagangan adil)"):
        assert words in html.unescape(form)
    english = visible_text(client.get("/", params={"lang": "en"}).text)
    assert "SVLK (timber legality)" in english and "Fair Trade" in english
    assert "FAIR_TRADE" not in english and "INDIKASI_GEOGRAFIS" not in english  # codes only as values


def test_every_lexicon_certificate_has_words_in_the_table() -> None:
    assert set(CERTIFICATES) >= {c.id for c in Engine.concepts("certification")}


@pytest.mark.parametrize(
    ("name", "status", "lang"), list(product(CHECKS, ("met", "unmet", "unknown"), ("id", "en")))
)
def test_every_check_reads_as_a_sentence(name: str, status: str, lang: str) -> None:
    wanted: object = {"certifications": ["SVLK", "FAIR_TRADE"], "province": ["Bali", "NTB"]}.get(name, 1200)
    actual: object = {"certifications": ["SVLK"], "province": "Jawa Barat"}.get(name, 800)
    sentence = reason({"name": name, "status": status, "wanted": wanted, "actual": actual}, lang)
    assert sentence.endswith(".") and sentence[0].isupper()
    assert not re.search(r"[<>{}=]|_", sentence), sentence
    if name == "certifications":
        assert ("SVLK (legalitas kayu)" if lang == "id" else "SVLK (timber legality)") in sentence


def test_a_bad_number_names_its_field_in_the_page_language(client: TestClient) -> None:
    page = client.get("/", params={"q": "keranjang", "quantity": "banyak", "lang": "id"})
    assert page.status_code == 422
    assert f"{TEXTS['id']['quantity']}: “banyak” bukan angka bulat." in html.unescape(page.text)


def test_the_breakdown_leaves_out_requirements_not_stated() -> None:
    from service.web.pages_search import breakdown

    parts = {"joint_max": 2.0, "province_ok": 0.5, "certs_ok": 1.0, "dense_gap": -0.4}
    rows = breakdown(parts, "en", stated={"certifications"})
    assert [r["label"] for r in rows] == [
        "Material and product type match",
        "Certificates",
        "Gap to the top result",
    ]
    assert [r["share"] for r in rows] == [100, 50, 20] and [r["raises"] for r in rows] == [True, True, False]
