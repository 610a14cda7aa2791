"""The inbox's web pages: plain server-rendered HTML with forms, no script, no external resource.

Everything a patient typed, and every other value from the database, goes through
html.escape. Paths are under /webhooks/inbox/ (the Rasa server's channel, bot.rasa.channels.inbox).
"""

from __future__ import annotations

from datetime import datetime
from html import escape
from urllib.parse import urlencode

from bot.patient.alert_buttons import OUTCOMES
from bot.patient.inbox import KINDS, STATES, Filters, ReportView, Row, Staff

BASE = "/webhooks/inbox"
KIND_NAMES = {"emergency": "Emergency", "urgent": "Urgent", "needs_review": "Needs review"}
STATE_NAMES = {
    "open": "Open (new or acknowledged)",
    "new": "New",
    "acknowledged": "Acknowledged",
    "closed": "Closed",
    "all": "All",
}


def _at(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "–"


def age(since: datetime, now: datetime) -> str:
    """How long ago, roughly: 5 min, 3 h 20 min, 2 d 4 h."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 24 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // 1440} d {(minutes % 1440) // 60} h"


def page(title: str, body: str, staff: Staff | None = None, csrf: str = "") -> str:
    who = (
        f'<form class="who" method="post" action="{BASE}/logout">'
        f"<span>Signed in as {escape(staff.who)} · site(s) {escape(', '.join(sorted(staff.sites)))}</span> "
        f'<input type="hidden" name="csrf" value="{escape(csrf)}"><button>Sign out</button></form>'
        if staff
        else ""
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} – IAR Assistant report inbox</title>"
        f'<link rel="stylesheet" href="{BASE}/inbox.css"></head><body>'
        f'<header><a class="home" href="{BASE}/">IAR Assistant · report inbox</a>{who}</header>'
        f"<main>{body}</main></body></html>"
    )


def message_page(title: str, text: str, staff: Staff | None = None, csrf: str = "") -> str:
    """A refusal or an error, in plain words, with the way back."""
    return page(
        title,
        f'<h1>{escape(title)}</h1><p class="message">{escape(text)}</p><p><a href="{BASE}/">Back to the inbox</a></p>',
        staff,
        csrf,
    )


def _select(name: str, label: str, options: list[tuple[str, str]], chosen: str) -> str:
    opts = "".join(
        f'<option value="{escape(v)}"{" selected" if v == chosen else ""}>{escape(t)}</option>'
        for v, t in options
    )
    return f'<label>{escape(label)} <select name="{name}">{opts}</select></label>'


def list_page(rows: list[Row], filters: Filters, staff: Staff, csrf: str, now: datetime) -> str:
    """The filter form, the CSV link and the reports, most urgent then oldest first."""
    sites = [("", "All my sites")] + [(s, s) for s in sorted(staff.sites)]
    form = (
        f'<form class="filters" method="get" action="{BASE}/">'
        + _select("site", "Site", sites, filters.site)
        + f'<label>Participant <input name="participant" value="{escape(filters.participant)}" '
        'placeholder="study ID" size="10"></label>'
        + _select("kind", "Disposition", [("", "Any")] + [(k, KIND_NAMES[k]) for k in KINDS], filters.kind)
        + _select("state", "State", [(s, STATE_NAMES[s]) for s in STATES], filters.state)
        + "<button>Filter</button></form>"
    )
    query = urlencode({k: v for k, v in vars(filters).items() if v})
    export = f'<p><a class="csv" href="{BASE}/export.csv?{escape(query)}">Download this list as CSV</a></p>'
    if not rows:
        table = '<p class="empty">No reports match.</p>'
    else:
        lines = "".join(
            f'<tr class="kind-{r.kind}"><td><a href="{BASE}/reports/{r.id}">#{r.id}</a></td>'
            f'<td><span class="tag tag-{r.kind}">{KIND_NAMES[r.kind]}</span></td>'
            f"<td>{escape(r.participant)}</td><td>{escape(r.site_id)}</td>"
            f"<td>{escape(r.symptoms or 'none named')}</td>"
            f"<td>{age(r.reported_at, now)}</td><td>{_state(r)}</td></tr>"
            for r in rows
        )
        table = (
            "<table><thead><tr><th>Report</th><th>Disposition</th><th>Participant</th><th>Site</th>"
            f"<th>Symptoms</th><th>Waiting</th><th>State</th></tr></thead><tbody>{lines}</tbody></table>"
        )
    return page("Reports", f"<h1>Reports ({len(rows)})</h1>{form}{export}{table}", staff, csrf)


def _state(row: Row) -> str:
    if row.outcome:
        return f"Closed: {escape(OUTCOMES.get(row.outcome[0], row.outcome[0]))}"
    if row.acknowledged:
        by, at = row.acknowledged[0]
        return f"On it: {escape(by)} at {_at(at)}"
    return '<span class="tag tag-new">New</span>'


def report_page(view: ReportView, staff: Staff, csrf: str, now: datetime) -> str:
    """One report: facts, the patient's words, the alert history, notes and the actions."""
    r = view.row
    infusion = (
        "not given" if r.days_since_infusion is None else f"{r.days_since_infusion} day(s) when reported"
    )
    facts = [
        ("Participant", r.participant + (f" (gave: {view.contact})" if view.contact else "")),
        ("Site", r.site_id),
        ("Disposition", KIND_NAMES[r.kind]),
        ("Rule", r.rule),
        ("Rule's source", view.source.removeprefix("Source: ") or "–"),
        ("Symptoms", r.symptoms or "none named"),
        ("Temperature", "–" if r.temperature_c is None else f"{r.temperature_c:.1f} °C"),
        ("Severity", view.severity or "–"),
        ("Time since infusion", infusion),
        ("Reported", f"{_at(r.reported_at)} ({age(r.reported_at, now)} ago) via {view.channel}"),
        ("State", r.state),
    ]
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    history = "".join(f"<li><time>{_at(e.at)}</time> {escape(e.what)}</li>" for e in view.history)
    notes = "".join(
        f"<li><time>{_at(at)}</time> <b>{escape(by)}</b>: {escape(text)}</li>" for by, at, text in view.notes
    )
    hidden = f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
    actions = ""
    if r.outcome is None:
        mine = any(by == staff.identity for by, _ in r.acknowledged)
        ack = (
            ""
            if mine
            else f'<form method="post" action="{BASE}/reports/{r.id}/acknowledge">{hidden}'
            '<button id="acknowledge" class="primary">I\'m on it</button></form>'
        )
        outcomes = "".join(f'<option value="{k}">{escape(v)}</option>' for k, v in OUTCOMES.items())
        actions = (
            f'<section class="actions"><h2>Actions</h2>{ack}'
            f'<form method="post" action="{BASE}/reports/{r.id}/close">{hidden}'
            f'<label>Outcome <select id="outcome" name="outcome">{outcomes}</select></label> '
            '<button id="close">Close the report</button></form></section>'
        )
    note_form = (
        f'<form method="post" action="{BASE}/reports/{r.id}/note">{hidden}'
        '<label for="note">Add a note</label><textarea id="note" name="text" rows="3" maxlength="2000"></textarea>'
        '<button id="add-note">Add note</button></form>'
    )
    body = (
        f'<p><a href="{BASE}/">← All reports</a></p>'
        f'<h1><span class="tag tag-{r.kind}">{KIND_NAMES[r.kind]}</span> Report #{r.id}</h1>'
        f'<dl class="facts">{dl}</dl>'
        f'<h2>Patient\'s words</h2><blockquote class="words">{escape(r.words)}</blockquote>'
        f"{actions}"
        f'<h2>Alert history</h2><ul class="history">{history}</ul>'
        f'<h2>Notes</h2><ul class="notes">{notes or "<li>None yet.</li>"}</ul>{note_form}'
    )
    return page(f"Report #{r.id}", body, staff, csrf)


CSS = """
body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9}
header{display:flex;justify-content:space-between;align-items:center;gap:1em;flex-wrap:wrap;
background:#12355b;color:#fff;padding:.6em 1em}
header a{color:#fff;font-weight:600;text-decoration:none}
header .who{display:flex;gap:.6em;align-items:center;font-size:.9em}
main{max-width:70em;margin:0 auto;padding:1em}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.45em .6em;border-bottom:1px solid #dde1e6;vertical-align:top}
th{background:#eef1f5}
.tag{display:inline-block;padding:.05em .5em;border-radius:.3em;font-size:.85em;font-weight:600}
.tag-emergency{background:#b00020;color:#fff}.tag-urgent{background:#ffb000;color:#1a1a1a}
.tag-needs_review{background:#5b3b8c;color:#fff}.tag-new{background:#12355b;color:#fff}
.filters{display:flex;flex-wrap:wrap;gap:.8em;align-items:end;background:#fff;padding:.8em;border:1px solid #dde1e6}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1em;background:#fff;padding:1em;
border:1px solid #dde1e6}
.facts dt{font-weight:600}.facts dd{margin:0}
.words{background:#fff;border-left:4px solid #12355b;margin:0;padding:.8em 1em;white-space:pre-wrap}
.actions{background:#fff;border:1px solid #dde1e6;padding:.2em 1em 1em;margin:1.2em 0}
.actions form{margin:.6em 0}
textarea{display:block;width:100%;max-width:40em;margin:.3em 0}
button{font:inherit;padding:.35em .9em;border-radius:.3em;border:1px solid #12355b;background:#fff;cursor:pointer}
button.primary{background:#12355b;color:#fff}
.history time,.notes time{color:#555;margin-right:.5em}
.message{background:#fff;border-left:4px solid #b00020;padding:.8em 1em}
"""
