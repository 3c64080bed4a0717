"""The comparison pages: ``/compare/levels?from=cnc&to=eqf`` (two ladders side by side with a line per mapping,
drawn in SVG on the server, and the same as a table) and ``/compare/qualifications?a=&b=`` (two qualifications
side by side).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from api.deps import get_language, get_settings, get_store
from api.formatting import date_text, duration_text, percent
from api.i18n import message
from api.rendering import kept_per_generation, local_path, render_page
from cnc_graph.compare.levels import LevelRef, compare_levels, index_for
from cnc_graph.compare.qualifications import comparable_qualifications, compare_qualifications
from cnc_graph.errors import InputError, Location
from cnc_graph.labels import pick
from cnc_graph.settings import Settings
from cnc_graph.store.protocol import GraphStore

router = APIRouter(prefix="/compare", tags=["pages"])
HEADERS = {"Vary": "Accept-Language, Cookie"}
KEY = r"^[a-z0-9-]{1,20}$"
CODE = r"^[A-Z0-9][A-Z0-9-]{0,63}$"

# The drawing: two ladders of boxes, a line from a level on one side to each level it matches on the other.
WIDTH, BOX_W, BOX_H, ROW, TOP = 760, 240, 34, 46, 8
DASHES = {"exactMatch": "", "closeMatch": "", "broadMatch": "8 5", "narrowMatch": "2 4", "relatedMatch": "10 4 2 4"}
STROKES = {"exactMatch": 4, "closeMatch": 3, "broadMatch": 2.5, "narrowMatch": 2.5, "relatedMatch": 2}


def _ladder(levels: list[LevelRef], lang: str, x: float) -> list[dict[str, object]]:
    """The boxes of one ladder, highest level at the top."""
    boxes: list[dict[str, object]] = []
    for row, level in enumerate(sorted(levels, key=lambda lv: (lv.number or 0, lv.notation), reverse=True)):
        label, label_lang = pick(level.labels, lang)
        boxes.append(
            {
                "iri": level.iri,
                "notation": level.notation,
                "label": label or level.notation,
                "label_lang": label_lang,
                "x": x,
                "y": TOP + row * ROW,
                "href": f"/frameworks/{level.framework}/levels/{level.notation}",
            }
        )
    return boxes


@router.get("/levels", response_class=HTMLResponse, summary="Compare the levels of two frameworks")
@kept_per_generation
def compare_levels_page(
    request: Request,
    *,
    from_: Annotated[str, Query(alias="from", pattern=KEY, examples=["cnc"])] = "cnc",
    to: Annotated[str, Query(pattern=KEY, examples=["eqf"])] = "eqf",
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> HTMLResponse:
    """Return the two frameworks' ladders side by side with a line per mapping, and the same as a table."""
    index = index_for(store)
    for key, name in ((from_, "from"), (to, "to")):
        if key not in index.framework_iris:
            known = ", ".join(sorted(index.framework_iris))
            raise InputError(f"unknown framework « {key} »; use one of {known}", Location(field=name))
    if from_ == to:
        raise InputError("choose two different frameworks", Location(field="to"))
    rtl = lang == "ar"  # the first framework stands where reading starts
    left_x, right_x = (WIDTH - BOX_W - 10, 10) if rtl else (10, WIDTH - BOX_W - 10)
    sources = _ladder([lv for lv in index.levels.values() if lv.framework == from_], lang, left_x)
    targets = _ladder([lv for lv in index.levels.values() if lv.framework == to], lang, right_x)
    at = {box["iri"]: box for box in targets}
    lines, rows = [], []
    for box in sources:
        for match in compare_levels(store, str(box["iri"]), to)[1]:
            target = at.get(match.level.iri)
            if target is None:
                continue
            x1 = float(box["x"]) + (0 if rtl else BOX_W)  # type: ignore[arg-type]
            x2 = float(target["x"]) + (BOX_W if rtl else 0)  # type: ignore[arg-type]
            y1, y2 = float(box["y"]) + BOX_H / 2, float(target["y"]) + BOX_H / 2  # type: ignore[arg-type]
            first = match.path[0].record
            evidence = local_path(first, settings.base_iri) if not match.derived else f"{box['href']}#matches"
            line = {
                "x1": x1,
                "y1": y1,
                "x2": x2,
                "y2": y2,
                "lx": x1 + (x2 - x1) * 0.3,
                "ly": y1 + (y2 - y1) * 0.3 - 4,
                "relation": match.relation,
                "dash": DASHES.get(match.relation, ""),
                "stroke": STROKES.get(match.relation, 2),
                "confidence": percent(match.confidence),
                "derived": match.derived,
                "href": evidence,
                "from": box,
                "to": target,
                "records": ["/".join(e.record.rsplit("/", 2)[-2:]) for e in match.path],
            }
            lines.append(line)
            rows.append(line)
    names = {key: pick(index.frameworks.get(key, {}), lang) for key in index.framework_iris}
    choices = [(key, names[key][0] or key) for key in sorted(index.framework_iris)]
    title = message("compare.levels_title", lang).text
    body = render_page(
        request,
        "compare_levels.html",
        lang,
        section="compare",
        title=title,
        source=from_,
        target=to,
        names=names,
        choices=choices,
        sources=sources,
        targets=targets,
        lines=lines,
        rows=rows,
        width=WIDTH,
        height=TOP + max(len(sources), len(targets)) * ROW,
        box_w=BOX_W,
        box_h=BOX_H,
        rtl=rtl,
        swap=f"/compare/levels?from={to}&to={from_}",
    )
    return HTMLResponse(body, headers=HEADERS | {"Content-Language": lang})


@router.get("/qualifications", response_class=HTMLResponse, summary="Compare two qualifications")
@kept_per_generation
def compare_qualifications_page(
    request: Request,
    *,
    a: Annotated[str, Query(pattern=CODE, examples=["OFPPT-TS-TDI"])],
    b: Annotated[str | None, Query(pattern=CODE, examples=["BTS-DSI"])] = None,
    lang: Annotated[str, Depends(get_language)],
    store: Annotated[GraphStore, Depends(get_store)],
    settings: Annotated[Settings, Depends(get_settings)],
) -> HTMLResponse:
    """Return two qualifications side by side (pick the second from the first's comparable ones)."""
    comparable = comparable_qualifications(store, a, limit=10, lang=lang)
    if b is None:
        comparison = None
    else:
        comparison = compare_qualifications(store, a, b, lang)
        for side in ("a", "b"):
            profile = comparison[side]
            assert isinstance(profile, dict)
            profile["duration_text"] = duration_text(str(profile["duration"]), lang) if profile["duration"] else None
    body = render_page(
        request,
        "compare_qualifications.html",
        lang,
        section="compare",
        title=message("compare.qualifications_title", lang).text,
        a=a,
        b=b,
        comparison=comparison,
        comparable=comparable,
        frameworks=[
            (key, pick(index_for(store).frameworks.get(key, {}), lang)) for key in ("cnc", "eqf", "acqf", "isced-2011")
        ],
        percent=percent,
        date_text=date_text,
    )
    return HTMLResponse(body, headers=HEADERS | {"Content-Language": lang})
