"""The report inbox's logic (bot.patient.inbox): the list's order and filters, one site's staff
never seeing another site's reports (by id, in the list, in the CSV), the CSV, the access log,
and acknowledging/closing as the same records as Slack's buttons."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.core.sites import Site, staff_sites
from bot.patient.escalation import acknowledge, history
from bot.patient.findings import Finding
from bot.patient.inbox import Filters, Inbox, Refused, Staff
from bot.patient.reports.models import PatientReport
from bot.patient.reports.store import save_report
from bot.patient.triage import Report, triage
from tests.support.userdb import session_factory

NORTH = Site(id="north", name="North", emergency_number="999", site_phone="+44 20 7946 0001", on_call="x")
SOUTH = Site(id="south", name="South", emergency_number="999", site_phone="+44 20 7946 0002", on_call="x")
URGENT = Report((Finding("fever", "fever", 0, 0),), temperature_c=38.6, days_since_infusion=2)
EMERGENCY = Report((Finding("chest_pain", "chest_pain", 0, 0),))
NEEDS_REVIEW = Report(())
ROUTINE = Report((Finding("rash", "rash", 0, 0),), severity="mild")
T0 = datetime(2026, 11, 30, 9, 0)
JO = Staff("sub-jo", "jo@north.example", "Jo", frozenset({"north"}))
SAM = Staff("sub-sam", "sam@south.example", "Sam", frozenset({"south"}))


@pytest.fixture
def sessions(tmp_path: Path):
    return session_factory(f"sqlite:///{tmp_path / 'u.db'}")


@pytest.fixture
def inbox(sessions) -> Inbox:
    return Inbox(sessions, now=lambda: T0 + timedelta(hours=1))


def add(
    sessions, report: Report, site: Site, minutes: int, study_id: str | None = "P-0042", text: str = ""
) -> int:
    """A report made `minutes` after T0 (with its alert, when its disposition has one)."""
    saved = save_report(
        sessions,
        sender_id=f"webchat-{minutes}-{site.id}",
        channel="webchat",
        text=text or f"words {minutes}",
        report=report,
        decision=triage(report),
        site=site,
        dedupe_key=f"k{minutes}{site.id}",
        study_id=study_id,
    )
    with sessions.begin() as s:
        s.execute(
            update(PatientReport)
            .where(PatientReport.id == saved.report_id)
            .values(created_at=T0 + timedelta(minutes=minutes))
        )
    return saved.report_id


def test_the_list_is_most_urgent_first_then_oldest_first_and_has_only_alerted_reports(
    sessions, inbox
) -> None:
    late_urgent = add(sessions, URGENT, NORTH, 30)
    review = add(sessions, NEEDS_REVIEW, NORTH, 1)
    early_urgent = add(sessions, URGENT, NORTH, 10)
    emergency = add(sessions, EMERGENCY, NORTH, 50)
    add(sessions, ROUTINE, NORTH, 5)  # no alert: not the team's to act on
    rows = inbox.listing(JO, Filters())
    assert [(r.id, r.kind) for r in rows] == [
        (emergency, "emergency"),
        (early_urgent, "urgent"),
        (late_urgent, "urgent"),
        (review, "needs_review"),
    ]
    assert rows[1].symptoms and rows[1].participant == "P-0042" and rows[1].state == "new"


def test_filters_by_site_participant_disposition_and_state(sessions, inbox) -> None:
    a = add(sessions, URGENT, NORTH, 1, "P-0001")
    b = add(sessions, EMERGENCY, NORTH, 2, "P-0002")
    c = add(sessions, URGENT, SOUTH, 3, "P-0003")
    both = Staff("sub-lead", "lead@example", "Lead", frozenset({"north", "south"}))
    assert {r.id for r in inbox.listing(both, Filters())} == {a, b, c}
    assert [r.id for r in inbox.listing(both, Filters(site="south"))] == [c]
    assert [r.id for r in inbox.listing(both, Filters(participant="P-0002"))] == [b]
    assert [r.id for r in inbox.listing(both, Filters(kind="urgent"))] == [a, c]
    assert [r.id for r in inbox.listing(JO, Filters(site="south"))] == []  # a site not theirs: nothing
    inbox.acknowledge(both, a)
    inbox.close(both, b, "self_care")
    assert [r.id for r in inbox.listing(both, Filters(state="new"))] == [c]
    assert [r.id for r in inbox.listing(both, Filters(state="acknowledged"))] == [a]
    assert [r.id for r in inbox.listing(both, Filters(state="closed"))] == [b]
    assert {r.id for r in inbox.listing(both, Filters())} == {a, c}  # open: new or acknowledged
    assert Filters.from_query({"state": "bogus", "kind": "x", "participant": " p-0002 "}) == Filters(
        participant="P-0002"
    )


def test_another_sites_report_is_refused_like_a_missing_one_and_never_listed_or_exported(
    sessions, inbox
) -> None:
    theirs = add(sessions, URGENT, SOUTH, 1, "P-0777", text="secret words of the south")
    mine = add(sessions, URGENT, NORTH, 2)
    for call in (
        lambda: inbox.view(JO, theirs),
        lambda: inbox.acknowledge(JO, theirs),
        lambda: inbox.close(JO, theirs, "self_care"),
        lambda: inbox.add_note(JO, theirs, "hello"),
        lambda: inbox.view(JO, 9999),
    ):
        with pytest.raises(Refused):
            call()
    assert [r.id for r in inbox.listing(JO, Filters(state="all"))] == [mine]
    exported = inbox.export_csv(JO, Filters(state="all"))
    assert "P-0777" not in exported and "secret words" not in exported
    assert history(sessions, theirs).acknowledged == () and history(sessions, theirs).outcome is None
    refusals = [(e.action, e.report_id, e.sub) for e in inbox.access_log() if e.action == "refused"]
    assert refusals == [("refused", theirs, "sub-jo")] * 4 + [("refused", 9999, "sub-jo")]


def test_csv_has_the_filtered_rows_and_quotes_formulas(sessions, inbox) -> None:
    first = add(sessions, URGENT, NORTH, 1, text='=HYPERLINK("http://x") fever')
    add(sessions, EMERGENCY, NORTH, 2, "P-0009")
    inbox.acknowledge(JO, first)
    rows = list(csv.DictReader(io.StringIO(inbox.export_csv(JO, Filters(kind="urgent")))))
    assert len(rows) == 1
    row = rows[0]
    assert row["id"] == str(first) and row["participant"] == "P-0042" and row["kind"] == "urgent"
    assert row["state"] == "acknowledged" and row["acknowledged_by"] == "oidc:sub-jo (jo@north.example)"
    assert row["patient_words"].startswith("'=HYPERLINK")
    assert row["temperature_c"] == "38.6" and row["days_since_infusion"] == "2"


def test_every_view_export_and_change_is_in_the_access_log_with_who(sessions, inbox) -> None:
    report = add(sessions, URGENT, NORTH, 1)
    inbox.listing(JO, Filters(kind="urgent"))
    inbox.view(JO, report)
    inbox.export_csv(JO, Filters())
    inbox.acknowledge(JO, report)
    inbox.add_note(JO, report, "Left a voicemail")
    inbox.close(JO, report, "not_reached")
    log = inbox.access_log()
    assert [(e.action, e.report_id) for e in log] == [
        ("list", None),
        ("view", report),
        ("export", None),
        ("acknowledge", report),
        ("note", report),
        ("close", report),
    ]
    assert {(e.sub, e.who, e.at) for e in log} == {("sub-jo", "jo@north.example", T0 + timedelta(hours=1))}
    assert log[0].detail == "kind=urgent state=open" and log[5].detail == "not_reached"
    assert "1 report(s)" in str(log[2].detail)


def test_inbox_and_slack_actions_are_one_record_shown_in_the_history(sessions, inbox) -> None:
    report = add(sessions, URGENT, NORTH, 1)
    acknowledge(sessions, report, "slack:U024BE7LH (nurse.jo)", "slack", T0 + timedelta(minutes=5))
    inbox.add_note(JO, report, "  ")  # blank: ignored
    inbox.add_note(JO, report, "Called, no answer")
    inbox.close(JO, report, "advised_come_in")
    inbox.close(JO, report, "self_care")  # the first close stands
    view = inbox.view(JO, report)
    events = [e.what for e in view.history]
    assert "Acknowledged (on it): slack:U024BE7LH (nurse.jo)" in events
    assert events[-1] == "Closed by oidc:sub-jo (jo@north.example): Called patient – advised to come in"
    assert view.notes == (("oidc:sub-jo (jo@north.example)", T0 + timedelta(hours=1), "Called, no answer"),)
    assert history(sessions, report).outcome[0] == "advised_come_in"
    with pytest.raises(ValueError):
        inbox.close(JO, report, "made_up")


def test_sites_yml_maps_a_claims_groups_to_sites(tmp_path: Path) -> None:
    sites = tmp_path / "sites.yml"
    sites.write_text(
        "default: a\nsites:\n  a: {staff_groups: [g-a, g-shared]}\n  b: {staff_groups: [g-b, g-shared]}\n  c: {}\n"
    )
    assert staff_sites(["g-a"], sites) == {"a"}
    assert staff_sites(["g-shared", "other"], sites) == {"a", "b"}
    assert staff_sites(["nobody"], sites) == frozenset()


def test_the_cli_prints_the_access_log(sessions, inbox, tmp_path: Path, monkeypatch, capsys) -> None:
    from bot.ops.cli import main

    report = add(sessions, URGENT, NORTH, 1)
    inbox.signed_in(JO)
    inbox.view(JO, report)
    with pytest.raises(Refused):
        inbox.view(SAM, report)
    monkeypatch.setenv("IAR_USER_DB_URL", f"sqlite:///{tmp_path / 'u.db'}")
    assert main(["inbox", "log", "--report", str(report)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1:4] for line in lines] == [
        ["sub-jo (jo@north.example)", "view", f"#{report}"],
        ["sub-sam (sam@south.example)", "refused", f"#{report}"],
    ]


def test_pages_show_what_a_patient_typed_as_text_never_as_html(sessions, inbox) -> None:
    from bot.patient.inbox_pages import list_page, report_page

    typed = '<script>alert(1)</script><img src=x onerror="x()">'
    report = add(sessions, URGENT, NORTH, 1, text=typed)
    inbox.add_note(JO, report, "<b>note</b>")
    now = T0 + timedelta(hours=1)
    page = report_page(inbox.view(JO, report), JO, "tok", now)
    assert "<script>" not in page and "<img" not in page and "<b>note" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count('name="csrf" value="tok"') == 4  # acknowledge, close, note, sign out
    listed = list_page(
        inbox.listing(JO, Filters(participant='"><script>')), Filters(participant='"><script>'), JO, "t", now
    )
    assert "<script>" not in listed


def test_a_report_page_cites_its_rules_source_as_the_patients_reply_did(sessions, inbox) -> None:
    report = add(sessions, URGENT, NORTH, 1)
    view = inbox.view(JO, report)
    assert view.source == triage(URGENT).source_line and view.source.startswith("Source: ")
