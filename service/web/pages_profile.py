"""``/me/profile``: a signed-in participant keeps its own catalogue record (texts:
:mod:`service.web.texts.profiles`).

A buyer edits its needs (requirement, quantity, price ceiling, certificates, provinces, deadline); an IKM
user edits its IKM's profile and contact, and its products with their photos. Which record is edited comes
from the session alone, never from the form or the URL: a product or photo id in a form that is not the
IKM's own answers 404, a buyer posting to the product and photo forms 403. Every form carries the session's
CSRF token. Values are judged by the catalogue's import validation (:mod:`matching.app.profile_edits`); a
refused form comes back with what was typed and one sentence per refused field, and nothing is written.
A saved change is re-indexed in the background, so searches find it without a restart.

=================================  =====================================================================
``GET /me/profile``                the form(s)
``POST /me/profile``               the buyer's needs or the IKM's profile
``POST /me/profile/products``      add a product (no ``product_id``) or change one of the IKM's own
``POST /me/profile/products/delete``  remove one of the IKM's products (and its photos)
``POST /me/profile/photos``        upload a photo of one of the IKM's products (multipart, ``photo``)
``POST /me/profile/photos/delete`` delete one of the IKM's photos
=================================  =====================================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from matching.app.photos import MAX_BYTES, MAX_PER_PRODUCT
from matching.app.profile_edits import BUYER_FIELDS, IKM_FIELDS, PRODUCT_FIELDS
from matching.catalogue.schema import Entity
from matching.common.regions import provinces
from matching.errors import NotFoundError, PhotoRejected, ValidationFailed
from matching.store.accounts import SignedIn
from service.web.i18n import translator
from service.web.pages_search import certificate_options
from service.web.participant_auth import csrf_refusal, participant_or_response
from service.web.render import not_found, page_lang, render

router = APIRouter()
HERE = "/me/profile"
LIST_FIELDS = ("required_certifications", "preferred_provinces", "certifications", "export_markets")


def _why(message: str, t: Callable[..., str]) -> str:
    """Why the catalogue refused a value, in the page's language (the engine's words if not known)."""
    province = re.match(r"unknown province '(.*)'(?:; did you mean '(.*)'\?)?", message)
    if province:
        name, hint = province.groups()
        if hint:
            return t("myprofile_why_province_hint", name=name, hint=hint)
        return t("myprofile_why_province", name=name)
    for pattern, key in (
        (r"not a number|digit groups|separator stands|expected a number|unknown unit word", "number"),
        (r"must not be negative|greater than or equal", "negative"),
        (r"whole number", "whole"),
        (r"too large|less than or equal", "too_large"),
        (r"e-mail", "email"),
        (r"is empty|at least 1 character|cell is empty", "required"),
        (r"too long", "too_long"),
    ):
        if re.search(pattern, message):
            return t(f"myprofile_why_{key}")
    return message


def _problems(exc: ValidationFailed, t: Callable[..., str]) -> dict[str, str]:
    """field -> one sentence naming the field (by its label), why, and the value as typed."""
    found: dict[str, str] = {}
    for issue in exc.report.issues:
        if issue.severity != "error":
            continue
        field = issue.column or ""
        label = t(f"myprofile_field_{field}") if field else ""
        why = _why(issue.message, t)
        text = (
            t("myprofile_problem", field=label, why=why, value=issue.value)
            if issue.value
            else t("myprofile_problem_empty", field=label, why=why)
        )
        found.setdefault(field, text)
    return found


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _typed(form: FormData, names: tuple[str, ...]) -> dict[str, str]:
    """The form's values of ``names`` as typed (lists of checkboxes and selections joined by ``;``)."""
    values = {name: str(form.get(name, "")).strip() for name in names}
    if "required_certifications" in names:
        values["required_certifications"] = "; ".join(str(v) for v in form.getlist("cert") if str(v).strip())
    if "preferred_provinces" in names:
        values["preferred_provinces"] = "; ".join(str(v) for v in form.getlist("province") if str(v).strip())
    return values


def _page(
    request: Request,
    who: SignedIn,
    *,
    typed: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    product: dict[str, Any] | None = None,
    photo_problem: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The profile page; ``typed``/``problems``: the profile form as sent and refused; ``product``: one
    product form as sent and refused (``product_id`` "" for a new one); ``photo_problem``: a refused
    upload (``product_id``, ``text``)."""
    engine = request.app.state.engine
    account = who.account
    lang = page_lang(request)
    entity = Entity.BUYERS if account.kind == "buyer" else Entity.IKMS
    try:
        record = engine.store.get(entity, account.participant_id)
    except NotFoundError:
        t = translator(lang)
        return not_found(
            request, t("myprofile_no_record", kind=t(f"pubprofile_{account.kind}"), id=account.participant_id)
        )
    names = BUYER_FIELDS if account.kind == "buyer" else IKM_FIELDS
    values = typed if typed is not None else {n: _cell(getattr(record, n)) for n in names}
    context: dict[str, Any] = {
        "account": account,
        "record": record,
        "values": values,
        "problems": problems or {},
        "product_form": product,
        "photo_problem": photo_problem,
        "max_photos": MAX_PER_PRODUCT,
        "events": engine.participation.events_of(account.kind, account.participant_id),
    }
    if account.kind == "buyer":
        chosen_certs = [c.strip() for c in values["required_certifications"].split(";") if c.strip()]
        options = certificate_options(lang)
        known = {o["value"] for o in options}
        context |= {
            "certificate_options": options
            + [{"value": c, "label": c} for c in chosen_certs if c not in known],
            "chosen_certs": chosen_certs,
            "chosen_provinces": [p.strip() for p in values["preferred_provinces"].split(";") if p.strip()],
            "province_options": provinces().names(),
        }
    else:
        edits = engine.profile_edits
        context |= {
            "products": edits.products(account.participant_id),
            "photos": engine.photos.of_products(account.participant_id),
            "product_fields": PRODUCT_FIELDS,
        }
    return render(request, "my_profile.html", context, status_code=status_code)


async def _posted(request: Request) -> tuple[SignedIn, FormData] | Response:
    """The signed-in participant and its form, or the response to send (sign-in, CSRF refusal)."""
    who = participant_or_response(request)
    if isinstance(who, Response):
        return who
    form = await request.form()
    refusal = csrf_refusal(request, who, str(form.get("csrf_token") or ""))
    return refusal if refusal is not None else (who, form)


def _back(msg: str, product_id: str | None = None) -> Response:
    """Back to the page with a message, at the product's card if one is named."""
    anchor = f"#product-{quote(product_id, safe='')}" if product_id else ""
    return RedirectResponse(f"{HERE}?{urlencode({'msg': msg})}{anchor}", status_code=303)


def _ikm_only() -> Response:
    return PlainTextResponse(
        "403 Forbidden: only an IKM's users keep products and photos.\n", status_code=403
    )


@router.get(HERE)
def my_profile(request: Request) -> Response:
    who = participant_or_response(request)
    if isinstance(who, Response):
        return who
    return _page(request, who)


@router.post(HERE)
async def save_profile(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    edits = request.app.state.engine.profile_edits
    account = who.account
    if account.kind == "buyer":
        typed, save = _typed(form, BUYER_FIELDS), edits.update_buyer
    else:
        typed, save = _typed(form, IKM_FIELDS), edits.update_ikm
    try:
        await run_in_threadpool(save, account.participant_id, typed)
    except ValidationFailed as exc:
        problems = _problems(exc, translator(page_lang(request)))
        return _page(request, who, typed=typed, problems=problems, status_code=422)
    return _back("profile_saved")


@router.post(f"{HERE}/products")
async def save_product(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    if who.account.kind != "ikm":
        return _ikm_only()
    product_id = str(form.get("product_id") or "").strip() or None
    typed = _typed(form, PRODUCT_FIELDS)
    edits = request.app.state.engine.profile_edits
    try:
        saved = await run_in_threadpool(edits.save_product, who.account.participant_id, typed, product_id)
    except NotFoundError as exc:
        return not_found(request, exc)
    except ValidationFailed as exc:
        product = {"product_id": product_id or "", "values": typed}
        product["problems"] = _problems(exc, translator(page_lang(request)))
        return _page(request, who, product=product, status_code=422)
    return _back("product_saved" if product_id else "product_added", saved.product_id)


@router.post(f"{HERE}/products/delete")
async def remove_product(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    if who.account.kind != "ikm":
        return _ikm_only()
    edits = request.app.state.engine.profile_edits
    try:
        await run_in_threadpool(
            edits.remove_product, who.account.participant_id, str(form.get("product_id") or "")
        )
    except NotFoundError as exc:
        return not_found(request, exc)
    return _back("product_removed")


def _refusal_text(exc: PhotoRejected, t: Callable[..., str], size: int) -> str:
    message = str(exc)
    wide = re.search(r"(\d+) x (\d+) pixels", message)
    if "not a JPEG" in message:
        why = t("myprofile_photo_not_image")
    elif "empty" in message:
        why = t("myprofile_photo_empty")
    elif "MB" in message:
        why = t("myprofile_photo_too_big", size=f"{size / (1024 * 1024):.1f} MB")
    elif wide:
        why = t("myprofile_photo_too_wide", width=wide.group(1), height=wide.group(2))
    elif "damaged" in message:
        why = t("myprofile_photo_damaged")
    elif "delete one first" in message:
        why = t("myprofile_photo_too_many", n=MAX_PER_PRODUCT)
    else:
        why = message
    return t("myprofile_photo_refused", why=why)


@router.post(f"{HERE}/photos")
async def upload_photo(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    if who.account.kind != "ikm":
        return _ikm_only()
    product_id = str(form.get("product_id") or "")
    upload = form.get("photo")
    data = b""
    if isinstance(upload, UploadFile):
        data = await upload.read(MAX_BYTES + 1)  # one byte more than allowed is enough to refuse it
        size = len(data) if len(data) <= MAX_BYTES else int(upload.size or len(data))
    else:
        size = 0
    photos = request.app.state.engine.photos
    try:
        await run_in_threadpool(
            lambda: photos.upload(
                who.account.participant_id, product_id, data, uploaded_by=who.account.user_id
            )
        )
    except NotFoundError as exc:
        return not_found(request, exc)
    except PhotoRejected as exc:
        text = _refusal_text(exc, translator(page_lang(request)), size)
        return _page(request, who, photo_problem={"product_id": product_id, "text": text}, status_code=422)
    return _back("photo_added", product_id)


@router.post(f"{HERE}/photos/delete")
async def delete_photo(request: Request) -> Response:
    posted = await _posted(request)
    if isinstance(posted, Response):
        return posted
    who, form = posted
    if who.account.kind != "ikm":
        return _ikm_only()
    photos = request.app.state.engine.photos
    try:
        await run_in_threadpool(photos.delete, who.account.participant_id, str(form.get("photo_id") or ""))
    except NotFoundError as exc:
        return not_found(request, exc)
    return _back("photo_removed")
