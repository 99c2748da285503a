"""Results as bar charts drawn on the server (readable without JavaScript), for the child's results page and
the guardian's page of a closed consultation. Small groups arrive already suppressed from `results.results`."""

from __future__ import annotations

from dataclasses import dataclass

from app.consultations import results
from app.consultations.models import SCALE_FACES, Question, QuestionKind
from app.core.i18n import gettext, localised


@dataclass
class Chart:
    """One question's result as a bar chart: rows of (words, count, bar length in the SVG)."""

    question: Question
    prompt: str
    kind: str
    rows: list[tuple[str, int | str, int, str | None]]  # a hidden count reads "< 5"
    answered: int
    suppressed: bool
    comments: int


CHART_WIDTH = 300  # the longest bar, in SVG units
BAND_WORDS = {"6-9": "6–9", "10-13": "10–13", "14-17": "14–17"}  # age bands as shown to people (MOD-12 labels)


def charts_of(results: list[results.QuestionResult]) -> list[Chart]:
    faces = {face: words for _value, face, words in SCALE_FACES}
    charts = []
    for result in results:
        kind = QuestionKind(result.question.kind)
        rows = []
        for bar in result.bars:
            if kind == QuestionKind.SCALE:
                words, picture = gettext(faces[bar.label["key"]]), f"/static/img/faces/{bar.label['key']}.svg"
            else:
                words, picture = localised(bar.label), f"/static/img/pictograms/{bar.pictogram}.svg" if bar.pictogram else None
            if bar.shown is not None and bar.shown.hidden:  # a small cell: "< 5", and no bar to measure it by
                rows.append((words, str(bar.shown), 0, picture))
            else:
                rows.append((words, bar.count, round(bar.share * CHART_WIDTH), picture))
        charts.append(Chart(result.question, localised(result.question.prompt), kind.value, rows, result.answered, result.suppressed, result.comments))
    return charts
