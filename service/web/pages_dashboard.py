"""``/events/{id}/dashboard``: the event's figures as charts, and the whole report as PDF and XLSX.

Organisers only. The figures are :meth:`matching.Engine.event_report` of the newest plan; the charts are
SVG drawn here by :mod:`service.web.charts`, each followed by a table of its numbers. Before any plan the
page says how to get one. ``/events/{id}/dashboard/report.pdf`` and ``report.xlsx`` (``?lang=id|en``,
the page language by default) download the report (:mod:`matching.app.report_files`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response

from matching.app.report import EventReport
from matching.app.report_files import write_report_pdf, write_report_xlsx
from matching.errors import NotFoundError
from service.web.charts import bar_chart, funnel_chart, histogram
from service.web.i18n import LANGS, translator
from service.web.render import not_found, organiser_or_response, page_lang, render

router = APIRouter()
_MEDIA = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _percent(rate: float | None) -> str | None:
    return None if rate is None else f"{rate:.0%}"


def dashboard_view(report: EventReport, t: Callable[..., str]) -> dict[str, Any]:
    """What the template shows: key figures, then sections each with a chart and the table of its numbers."""
    province = {p: p or t("dashboard_unknown_province") for p, _ in report.per_province}
    everyone = report.attendance[-1]
    deals = report.funnel[-1][1]
    floor_labels = [str(k) for k, _ in report.distribution if k <= report.floor]
    title_ikm = t("dashboard_per_ikm")
    sections = [
        {
            "key": "per-ikm",
            "title": title_ikm,
            "intro": t("dashboard_per_ikm_intro", floor=report.floor),
            "chart": histogram(
                [(str(k), n) for k, n in report.distribution],
                title=title_ikm,
                warn=floor_labels,
                x_label=t("dashboard_meetings_axis"),
                empty=t("dashboard_nothing"),
            ),
            "columns": [t("dashboard_meetings"), t("dashboard_ikm_count")],
            "rows": [[k, n] for k, n in report.distribution],
        },
        {
            "key": "per-province",
            "title": t("dashboard_per_province"),
            "chart": bar_chart(
                [(province[p], n) for p, n in report.per_province],
                title=t("dashboard_per_province"),
                empty=t("dashboard_nothing"),
            ),
            "columns": [t("dashboard_province"), t("dashboard_meetings")],
            "rows": [[province[p], n] for p, n in report.per_province],
        },
        {
            "key": "per-material",
            "title": t("dashboard_per_material"),
            "intro": t("dashboard_per_material_intro"),
            "chart": bar_chart(
                [(m or t("dashboard_no_material"), n) for m, n in report.per_material],
                title=t("dashboard_per_material"),
                empty=t("dashboard_nothing"),
            ),
            "columns": [t("dashboard_material"), t("dashboard_meetings")],
            "rows": [[m or t("dashboard_no_material"), n] for m, n in report.per_material],
        },
    ]
    known = everyone.check_ins_known
    if known:
        attendance_rows = [
            (t("dashboard_arrived"), everyone.arrived),
            (t("dashboard_late"), everyone.late),
            (t("dashboard_absent"), everyone.absent),
            (t("dashboard_not_recorded"), everyone.not_recorded),
        ]
    else:  # only the no-shows are known
        attendance_rows = [
            (t("dashboard_participants"), everyone.participants),
            (t("dashboard_absent"), everyone.absent),
        ]
    columns = ["participants", "arrived", "late", "absent", "not_recorded", "rate_check_in", "rate_no_show"]
    if not known:
        columns = ["participants", "absent", "rate_no_show"]
    attendance = {
        "chart": bar_chart(attendance_rows, title=t("dashboard_attendance"), warn=[t("dashboard_absent")]),
        "columns": [t("dashboard_side"), *(t(f"dashboard_{c}") for c in columns)],
        "rows": [
            [
                t(f"dashboard_side_{a.side}"),
                *(
                    {
                        "participants": a.participants,
                        "arrived": a.arrived,
                        "late": a.late,
                        "absent": a.absent,
                        "not_recorded": a.not_recorded,
                        "rate_check_in": _percent(a.check_in_rate) or "\u2014",
                        "rate_no_show": _percent(a.no_show_rate) or "\u2014",
                    }[c]
                    for c in columns
                ),
            ]
            for a in report.attendance
        ],
    }
    scheduled = report.scheduled
    stages = [(t(f"dashboard_stage_{s}"), n) for s, n in report.funnel]
    funnel = {  # drawn from the rated meetings down: the scheduled ones not rated yet say nothing
        "chart": funnel_chart(stages[1:], title=t("dashboard_funnel"), empty=t("dashboard_nothing")),
        "rows": [[label, n, _percent(n / scheduled) if scheduled else "\u2014"] for label, n in stages],
    }
    deal_rows = [(p or t("dashboard_unknown_province"), n) for p, n in report.deals_by_province]
    deals_section = {
        "chart": bar_chart(deal_rows, title=t("dashboard_deals_by_province"), empty=t("dashboard_no_deals")),
        "rows": [list(r) for r in deal_rows],
    }
    return {
        "figures": [
            (t("dashboard_scheduled"), scheduled),
            (t("dashboard_ikms"), len(report.per_ikm)),
            (t("dashboard_at_floor"), len(report.at_floor)),
            (t("dashboard_no_show_rate"), _percent(everyone.no_show_rate) or "\u2014"),
            (t("dashboard_check_in_rate"), _percent(everyone.check_in_rate) or t("dashboard_unknown")),
            (t("dashboard_rated"), report.rated),
            (t("dashboard_deals"), deals),
        ],
        "sections": sections,
        "below_floor": [i for i in report.at_floor if i.below_floor],
        "at_floor": [i for i in report.at_floor if not i.below_floor],
        "attendance": attendance,
        "funnel": funnel,
        "deals": deals_section,
    }


@router.get("/events/{event_id}/dashboard")
def dashboard_page(request: Request, event_id: str) -> Response:
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    engine = request.app.state.engine
    try:
        record = engine.events.get(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    values: dict[str, Any] = {"record": record, "report": None}
    if engine.events.plans(event_id):
        report = engine.event_report(event_id)
        values |= {"report": report, **dashboard_view(report, translator(page_lang(request)))}
    return render(request, "dashboard.html", values)


@router.get("/events/{event_id}/dashboard/report.{kind}")
def download_report(request: Request, event_id: str, kind: str, lang: str | None = None) -> Response:
    """The whole event report as PDF or XLSX, in ``lang`` (the page language when not given)."""
    who = organiser_or_response(request)
    if isinstance(who, Response):
        return who
    if kind not in _MEDIA:
        message = f"no report of kind {kind!r}; choose report.pdf or report.xlsx"
        return not_found(request, message)
    language = lang if lang in LANGS else page_lang(request)
    try:
        report = request.app.state.engine.event_report(event_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    write = write_report_pdf if kind == "pdf" else write_report_xlsx
    with tempfile.TemporaryDirectory() as folder:
        content = write(report, Path(folder) / f"report.{kind}", language).read_bytes()
    name = f"{event_id}-{'laporan' if language == 'id' else 'report'}.{kind}"
    return Response(
        content,
        media_type=_MEDIA[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
