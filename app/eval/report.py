"""Console tables (rich) and a self-contained HTML report (Jinja2, inline CSS and SVG, no JavaScript).

Jinja2 with autoescaping instead of string concatenation because answers and questions are untrusted text
(a prompt-injection question ends up in the page). Charts are hand-built SVG rather than matplotlib/plotly:
plotly embeds megabytes of JS and matplotlib would add a heavy dependency for a few bars.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape
from markupsafe import Markup
from rich.console import Console
from rich.table import Table

from app.eval.runner import RunResult

# (summary key, column label) shown in tables; scores are fractions in [0, 1].
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("pass_rate", "pass"),
    ("hit@k", "hit@k"),
    ("mrr", "MRR"),
    ("fact_recall", "facts"),
    ("token_f1", "F1"),
    ("semantic_similarity", "sim"),
    ("citation_validity", "cite ok"),
    ("citation_precision", "cite P"),
    ("citation_recall", "cite R"),
    ("abstention_correct", "abst ok"),
)
CHART_METRICS: tuple[tuple[str, str], ...] = (
    ("pass_rate", "Pass rate"),
    ("fact_recall", "Required-fact recall"),
    ("hit@k", "Retrieval hit@k"),
    ("citation_validity", "Citation validity"),
    ("abstention_correct", "Abstention correctness"),
)
COMPARE_METRICS: tuple[tuple[str, str], ...] = (
    ("pass_rate", "pass"), ("fact_recall", "facts"), ("hit@k", "hit@k"), ("citation_validity", "cite ok"),
    ("abstention_correct", "abst ok"),
)
_PALETTE = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860")


def fmt(value: Any, digits: int = 2) -> str:
    """A score for display; '-' when the metric did not apply."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def fmt_ms(stats: dict[str, Any] | None, key: str = "p50") -> str:
    value = (stats or {}).get(key)
    return "-" if value is None else f"{value:.0f}"


# --------------------------------------------------------------------------- console


def summary_table(run: RunResult) -> Table:
    """Per-type table of a run: counts, mean scores, wrong abstentions/false answers and median latency."""
    m = run.meta
    table = Table(title=f"Chronicle eval - mode {m.mode} - {m.n_questions} questions - {m.model}")
    table.add_column("type")
    table.add_column("n", justify="right")
    for _, label in TABLE_COLUMNS:
        table.add_column(label, justify="right")
    table.add_column("wrong abst", justify="right")
    table.add_column("false ans", justify="right")
    table.add_column("1st tok ms", justify="right")
    table.add_column("total ms", justify="right")
    for name, row in run.summary.items():
        out = row.get("outcomes", {})
        style = "bold" if name == "overall" else None
        table.add_row(
            name, str(row["n"]), *(fmt(row.get(key)) for key, _ in TABLE_COLUMNS),
            str(out.get("wrong_abstention", 0)), str(out.get("false_answer", 0)),
            fmt_ms(row.get("first_token_ms")), fmt_ms(row.get("total_ms")), style=style,
        )
    return table


def _delta(values: Sequence[float | None]) -> str:
    if len(values) == 2 and None not in values:
        d = values[1] - values[0]  # type: ignore[operator]
        return f" ({d:+.2f})"
    return ""


def compare_rows(runs: Sequence[RunResult]) -> list[tuple[str, list[str]]]:
    """Rows of the side-by-side table: per type, each metric as "a -> b (delta)" (or "a | b | c")."""
    types = list(dict.fromkeys(t for run in runs for t in run.summary))
    types = [t for t in types if t != "overall"] + ["overall"]
    rows = []
    for t in types:
        cells = []
        for key, _ in COMPARE_METRICS:
            values = [run.summary.get(t, {}).get(key) for run in runs]
            joiner = " -> " if len(runs) == 2 else " | "
            cells.append(joiner.join(fmt(v) for v in values) + _delta(values))
        latencies = [fmt_ms(run.summary.get(t, {}).get("total_ms")) for run in runs]
        cells.append((" -> " if len(runs) == 2 else " | ").join(latencies))
        rows.append((t, cells))
    return rows


def run_label(run: RunResult, index: int) -> str:
    commit = (run.meta.git_commit or "nogit")[:8]
    return f"{chr(65 + index)}: {run.meta.mode} @ {commit} ({run.meta.timestamp})"


def compare_table(runs: Sequence[RunResult]) -> Table:
    """Console side-by-side (before -> after) table of several runs."""
    table = Table(title="Comparison  " + "   ".join(run_label(r, i) for i, r in enumerate(runs)))
    table.add_column("type")
    for _, label in COMPARE_METRICS:
        table.add_column(label, justify="right")
    table.add_column("total ms p50", justify="right")
    for name, cells in compare_rows(runs):
        table.add_row(name, *cells, style="bold" if name == "overall" else None)
    return table


def print_summary(run: RunResult, console: Console | None = None) -> None:
    (console or Console()).print(summary_table(run))


def print_comparison(runs: Sequence[RunResult], console: Console | None = None) -> None:
    (console or Console()).print(compare_table(runs))


# --------------------------------------------------------------------------- SVG charts


def bar_chart_svg(title: str, series: dict[str, dict[str, float | None]], width: int = 560) -> Markup:
    """Horizontal grouped bar chart of fractions in [0, 1]: ``series`` maps series name -> {category: value}."""
    names = list(series)
    categories = list(dict.fromkeys(c for values in series.values() for c in values))
    bar_h, gap, label_w, top = 12, 8, 130, 28
    plot_w = width - label_w - 50
    group_h = bar_h * len(names) + gap
    height = top + group_h * len(categories) + (16 * len(names) if len(names) > 1 else 0) + 10
    e = html.escape
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{e(title)}" font-family="sans-serif" font-size="11">',
        f'<text x="0" y="14" font-size="13" font-weight="bold">{e(title)}</text>',
        f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{top + group_h * len(categories)}" stroke="#999"/>',
    ]
    for ci, cat in enumerate(categories):
        y0 = top + ci * group_h
        parts.append(f'<text x="{label_w - 6}" y="{y0 + group_h / 2}" text-anchor="end">{e(cat)}</text>')
        for si, name in enumerate(names):
            value = series[name].get(cat)
            y = y0 + si * bar_h
            w = 0 if value is None else max(0.0, min(1.0, value)) * plot_w
            color = _PALETTE[si % len(_PALETTE)]
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h - 2}" fill="{color}">'
                         f'<title>{e(name)} {e(cat)}: {fmt(value)}</title></rect>')
            parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 3}">{fmt(value)}</text>')
    if len(names) > 1:
        y = top + group_h * len(categories) + 12
        for si, name in enumerate(names):
            parts.append(f'<rect x="{label_w}" y="{y + si * 16 - 9}" width="10" height="10" '
                         f'fill="{_PALETTE[si % len(_PALETTE)]}"/>')
            parts.append(f'<text x="{label_w + 14}" y="{y + si * 16}">{e(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _type_series(run: RunResult, key: str) -> dict[str, float | None]:
    return {t: row.get(key) for t, row in run.summary.items()}


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em auto;max-width:1200px;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:.6em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
tr.overall td{font-weight:bold;background:#f3f3f3}
.charts{display:flex;flex-wrap:wrap;gap:16px}
.fail{border:1px solid #e0b4b4;background:#fff6f6;padding:.6em .9em;margin:.8em 0;border-radius:4px}
.ok{color:#2a7a2a}.bad{color:#b02a2a}
.q{font-weight:bold}.small{font-size:12px;color:#555}
blockquote{margin:.3em 0 .3em 1em;padding-left:.6em;border-left:3px solid #bbb;white-space:pre-wrap}
td.text{text-align:left;max-width:520px}
code{background:#f2f2f2;padding:0 3px}
"""

_RUN_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title><style>{{ css }}</style></head><body>
<h1>{{ title }}</h1>
<p class="small">mode <b>{{ m.mode }}</b> &middot; model <code>{{ m.model }}</code> &middot; embeddings
<code>{{ m.embedding_model or "-" }}</code> &middot; test set <code>{{ m.testset }}</code> &middot; k={{ m.k }} &middot;
commit <code>{{ m.git_commit or "-" }}</code> &middot; {{ m.timestamp }} &middot; {{ m.machine.get("node") }}
({{ m.machine.get("cpu_count") }} CPUs, {{ m.machine.get("platform") }}) &middot; {{ "%.1f"|format(m.duration_s) }} s</p>
<h2>Summary by question type</h2>
<table><tr><th>type</th><th>n</th>{% for _, label in columns %}<th>{{ label }}</th>{% endfor %}
<th>wrong abst</th><th>false ans</th><th>errors</th><th>1st tok p50 ms</th><th>total p50 ms</th><th>total p95 ms</th></tr>
{% for name, row in run.summary.items() %}<tr class="{{ 'overall' if name == 'overall' else '' }}"><td>{{ name }}</td>
<td>{{ row.n }}</td>{% for key, _ in columns %}<td>{{ fmt(row.get(key)) }}</td>{% endfor %}
<td>{{ row.outcomes.wrong_abstention }}</td><td>{{ row.outcomes.false_answer }}</td><td>{{ row.errors }}</td>
<td>{{ fmt_ms(row.first_token_ms) }}</td><td>{{ fmt_ms(row.total_ms) }}</td><td>{{ fmt_ms(row.total_ms, 'p95') }}</td></tr>
{% endfor %}</table>
<div class="charts">{% for chart in charts %}{{ chart }}{% endfor %}</div>
{% if rows %}<h2 id="compare">Compared with the previous run</h2>
<p class="small">{% if previous %}previous run: {{ previous.meta.timestamp }}, commit <code>{{ previous.meta.git_commit or "-" }}</code>{% else %}no previous run of this test set in this mode{% endif %}
&middot; {{ tally["pass"] }} pass &middot; {{ tally["fail"] }} fail ({{ tally["newly failing"] }} newly failing) &middot; {{ tally["stale"] }} stale &middot; {{ tally["changed"] }} changed by a new article</p>
<table><tr><th>id</th><th>question</th><th>before</th><th>now</th><th>what changed</th></tr>
{% for row in rows %}<tr><td>{{ row.result.id }}</td><td class="text">{{ row.result.question }}</td><td>{{ row.previous or "-" }}</td>
<td class="{{ 'ok' if row.status == 'pass' else ('bad' if row.status == 'fail' else '') }}">{{ row.status }}</td>
<td class="text">{{ row.change }}{% if row.result.stale %}: article(s) removed: {{ row.result.stale|join(", ") }}{% endif %}{% if row.result.changed_by %} (answer changed by article(s) ingested after it was judged: {{ row.result.changed_by|join(", ") }}){% endif %}</td></tr>
{% endfor %}</table>{% endif %}
<h2>Failures ({{ failures|length }} of {{ run.results|length }})</h2>
{% for r in failures %}<div class="fail" id="q-{{ r.id }}">
<div class="q">[{{ r.type }}] {{ r.id }}: {{ r.question }}</div>
{% if r.history %}<div class="small">history:{% for u, a in r.history %} <b>Q:</b> {{ u }} <b>A:</b> {{ a }}{% endfor %}</div>{% endif %}
<div class="bad">{% for f in r.failures %}{{ f }}{% if not loop.last %}; {% endif %}{% endfor %}</div>
<div><b>Answer</b> ({{ r.answer_mode or r.mode }}{% if r.route %}, route {{ r.route }}{% endif %}, {{ "abstained" if r.abstained else "answered" }}){% if r.standalone_question and r.standalone_question != r.question %} <span class="small">as: {{ r.standalone_question }}</span>{% endif %}:</div>
<blockquote>{{ r.answer or "(empty)" }}</blockquote>
{% if r.reference %}<div><b>Reference:</b> {{ r.reference }}</div>{% endif %}
<div><b>Expected facts:</b> {% for g in r.required_facts %}<span class="{{ 'bad' if g in r.missing_facts else 'ok' }}">{{ g|join(' | ') }}</span>{% if not loop.last %}; {% endif %}{% else %}-{% endfor %}
&middot; <b>answerable:</b> {{ r.answerable }}</div>
{% if r.evidence %}<div><b>Evidence:</b> {% for ev in r.evidence %}&ldquo;{{ ev }}&rdquo;{% if not loop.last %}; {% endif %}{% endfor %}</div>{% endif %}
<div><b>Cited passages:</b>{% if not r.citations %} none{% endif %}</div>
{% for c in r.citations %}<blockquote>[{{ c.n }}] {{ c.text }} <span class="small">&mdash; {{ c.title or c.article_id }} {{ c.published or "" }} [{{ c.start }}:{{ c.end }}]</span></blockquote>{% endfor %}
{% if r.citation_check.unsupported %}<div class="small">unsupported: {% for u in r.citation_check.unsupported %}[{{ u.n }}] score {{ u.score }} for &ldquo;{{ u.sentence }}&rdquo; {% endfor %}</div>{% endif %}
{% if r.judged_answer %}<div><b>Judged {{ r.verdict }}</b> in the chat: <blockquote>{{ r.judged_answer }}</blockquote></div>{% endif %}
{% if r.changed_by %}<div class="bad">Changed: the answer now cites article(s) ingested after it was judged: {{ r.changed_by|join(", ") }}</div>{% endif %}
<div class="small">scores: {% for k, v in r.scores.items() %}{{ k }}={{ fmt(v) }} {% endfor %} &middot; total {{ fmt(r.total_ms, 0) }} ms</div>
</div>{% else %}<p class="ok">No failures.</p>{% endfor %}
<h2>All questions</h2>
<table><tr><th>id</th><th>type</th><th>question</th><th>answer</th><th>pass</th><th>facts</th><th>hit@k</th><th>cite ok</th><th>total ms</th></tr>
{% for r in run.results %}<tr><td>{% if not r.passed %}<a href="#q-{{ r.id }}">{{ r.id }}</a>{% else %}{{ r.id }}{% endif %}</td>
<td>{{ r.type }}</td><td class="text">{{ r.question }}</td><td class="text">{{ r.answer|truncate(300) }}</td>
<td class="{{ 'ok' if r.passed else ('' if r.stale else 'bad') }}">{{ "stale" if r.stale else ("yes" if r.passed else "no") }}</td><td>{{ fmt(r.scores.get("fact_recall")) }}</td>
<td>{{ fmt(r.scores.get("hit@k")) }}</td><td>{{ fmt(r.scores.get("citation_validity")) }}</td><td>{{ fmt(r.total_ms, 0) }}</td></tr>
{% endfor %}</table>
</body></html>
"""

_COMPARE_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title><style>{{ css }}</style></head><body>
<h1>{{ title }}</h1>
<ul>{% for label, run in labelled %}<li><b>{{ label }}</b> &middot; model <code>{{ run.meta.model }}</code> &middot;
{{ run.meta.n_questions }} questions from <code>{{ run.meta.testset }}</code></li>{% endfor %}</ul>
<table><tr><th>type</th>{% for _, label in metrics %}<th>{{ label }}</th>{% endfor %}<th>total p50 ms</th></tr>
{% for name, cells in rows %}<tr class="{{ 'overall' if name == 'overall' else '' }}"><td>{{ name }}</td>
{% for c in cells %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>
<div class="charts">{% for chart in charts %}{{ chart }}{% endfor %}</div>
{% if changed %}<h2>Questions whose outcome changed</h2>
<table><tr><th>id</th><th>type</th><th>question</th>{% for label, _ in labelled %}<th>{{ label[:1] }}</th>{% endfor %}</tr>
{% for qid, qtype, question, marks in changed %}<tr><td>{{ qid }}</td><td>{{ qtype }}</td><td class="text">{{ question }}</td>
{% for m in marks %}<td class="{{ 'ok' if m == 'pass' else 'bad' }}">{{ m }}</td>{% endfor %}</tr>{% endfor %}</table>{% endif %}
</body></html>
"""


def _env() -> Environment:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.globals.update(fmt=fmt, fmt_ms=fmt_ms)
    return env


def render_run_html(run: RunResult, previous: RunResult | None = None, compare: bool = False) -> str:
    """Self-contained HTML report of one run: summary, per-type charts, every failure in detail; with ``compare``
    (or a ``previous`` run) also each case beside its previous result, regressions first."""
    from app.eval.history import compare_runs, counts

    charts = [bar_chart_svg(title, {run.meta.mode: _type_series(run, key)}) for key, title in CHART_METRICS]
    failures = [r for r in run.results if not r.passed and not r.stale]
    rows = compare_runs(run, previous) if (compare or previous is not None) else []
    return _env().from_string(_RUN_TEMPLATE).render(
        title=f"Chronicle evaluation - {run.meta.mode}", css=Markup(_CSS), run=run, m=run.meta,
        columns=TABLE_COLUMNS, charts=charts, failures=failures, rows=rows, previous=previous, tally=counts(rows),
    )


def render_compare_html(runs: Sequence[RunResult]) -> str:
    """Self-contained side-by-side report of several runs, with the questions whose pass/fail changed."""
    labelled = [(run_label(run, i), run) for i, run in enumerate(runs)]
    charts = [
        bar_chart_svg(title, {label[:1] + ": " + run.meta.mode: _type_series(run, key) for label, run in labelled})
        for key, title in CHART_METRICS
    ]
    by_run = [{r.id: r for r in run.results} for run in runs]
    ids = list(dict.fromkeys(qid for run in runs for qid in (r.id for r in run.results)))
    changed = []
    for qid in ids:
        records = [b.get(qid) for b in by_run]
        marks = ["-" if r is None else ("pass" if r.passed else "fail") for r in records]
        if len(set(marks)) > 1:
            first = next(r for r in records if r is not None)
            changed.append((qid, first.type, first.question, marks))
    return _env().from_string(_COMPARE_TEMPLATE).render(
        title="Chronicle evaluation - comparison", css=Markup(_CSS), labelled=labelled,
        metrics=COMPARE_METRICS, rows=compare_rows(runs), charts=charts, changed=changed,
    )


def write_run(
    run: RunResult, out_dir: Path, previous: RunResult | None = None, compare: bool = False
) -> tuple[Path, Path]:
    """Write ``results-<mode>.json`` and ``report-<mode>.html`` into ``out_dir`` (the report compared with
    ``previous`` when given, see ``render_run_html``)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = run.save(out_dir / f"results-{run.meta.mode}.json")
    html_path = out_dir / f"report-{run.meta.mode}.html"
    html_path.write_text(render_run_html(run, previous, compare), encoding="utf-8")
    return json_path, html_path


def write_comparison(runs: Sequence[RunResult], out_dir: Path, name: str = "compare.html") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    path.write_text(render_compare_html(runs), encoding="utf-8")
    return path
