"""The report inbox in headless Chromium (Debian's chromium and chromedriver, via Selenium), on
the real Rasa server, logged in through the local OIDC stand-in: open the link of an alert,
sign in, read the report, list, acknowledge, close; another site's report refused. Screenshots
go to tests/artifacts/inbox-*.png; with IAR_UPDATE_SCREENSHOTS=1 to docs/img/ (shown in the
README), so that a test run does not change the committed images."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait
from sqlalchemy import select

from bot.core.paths import ROOT
from bot.core.sites import Site, get_site
from bot.ops.stack import free_port, start_bot
from bot.patient.findings import Finding
from bot.patient.reports.models import AlertOutbox, ReportOutcome
from bot.patient.reports.store import save_report
from bot.patient.triage import Report, triage
from tests.e2e.test_webchat_browser import CHROMEDRIVER, CHROMIUM, FLAGS
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, OidcProvider
from tests.support.userdb import session_factory

pytestmark = pytest.mark.e2e
SCREENSHOTS = ROOT / ("docs/img" if os.environ.get("IAR_UPDATE_SCREENSHOTS") == "1" else "tests/artifacts")
FEVER = Report((Finding("fever", "fever", 0, 0),), temperature_c=38.6, days_since_infusion=2)
EMERGENCY = Report((Finding("chest_pain", "chest_pain", 0, 0),), days_since_infusion=1)
UNCLEAR = Report(())
OTHER = Site(
    "other", "Other Trial Site (fictional)", "112", "+44 20 7946 0001", "Ask for the on-call doctor."
)


class Inbox:
    def __init__(self, url: str, db_url: str, idp: OidcProvider) -> None:
        self.url, self.db_url, self.idp = url, db_url, idp

    def report(self, report: Report, words: str, study_id: str | None, site: Site | None = None) -> int:
        saved = save_report(
            session_factory(self.db_url),
            sender_id=f"webchat-{secrets.token_hex(8)}",
            channel="webchat",
            text=words,
            report=report,
            decision=triage(report),
            site=site or get_site(),
            dedupe_key=secrets.token_hex(8),
            public_url=self.url,
            study_id=study_id,
        )
        return saved.report_id

    def alert_link(self, report_id: int) -> str:
        """The report link in the alert the site team got."""
        with session_factory(self.db_url)() as session:
            payload = session.execute(
                select(AlertOutbox.payload).where(AlertOutbox.report_id == report_id)
            ).scalar_one()
        return next(line for line in payload["text"].splitlines() if line.startswith("Report: "))[
            len("Report: ") :
        ]


@pytest.fixture(scope="module")
def inbox(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Inbox]:
    work = tmp_path_factory.mktemp("inbox")
    sites = work / "sites.yml"
    sites.write_text(
        (ROOT / "sites.yml").read_text(encoding="utf-8")
        + f'  other:\n    name: "{OTHER.name}"\n    emergency_number: "112"\n'
        f'    site_phone: "{OTHER.site_phone}"\n    on_call: "{OTHER.on_call}"\n',
        encoding="utf-8",
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    idp = OidcProvider().start()
    env = {
        "IAR_SITES_FILE": str(sites),
        "IAR_PUBLIC_URL": url,
        "IAR_OIDC_ISSUER": idp.url,
        "IAR_OIDC_CLIENT_ID": CLIENT_ID,
        "IAR_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "IAR_INBOX_SESSION_SECRET": secrets.token_urlsafe(32),
    }
    try:
        with start_bot(work, trained_model, env, rasa_port=port):
            yield Inbox(url, f"sqlite:///{work / 'userdata.db'}", idp)
    finally:
        idp.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium on a desk-sized window, fresh profile (as the web chat's test starts it)."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        subprocess.run([str(ROOT / "scripts" / "ensure_chromium.sh")], check=True)
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, "--window-size=1280,900", f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver: WebDriver, css: str, containing: str = "", timeout: float = 60) -> WebElement:
    """The first element matching `css` whose text contains `containing`, once the page after a
    form's redirect has loaded (an element of the page before is stale: look again)."""

    def found(d: WebDriver) -> WebElement | bool:
        try:
            return next((e for e in d.find_elements(By.CSS_SELECTOR, css) if containing in e.text), False)
        except WebDriverException as error:
            # Chromium's own word for a stale element, met while the next page replaces the old
            if "does not belong to the document" in str(error):
                return False
            raise

    return WebDriverWait(driver, timeout, ignored_exceptions=[StaleElementReferenceException]).until(found)


def shot(driver: WebDriver, name: str) -> None:
    """A screenshot of the whole page (the window made as tall as the page, up to 1600 px)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(1280, 900)
    height, chrome = driver.execute_script(
        "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]"
    )
    driver.set_window_size(1280, max(600, min(int(height) + int(chrome), 1600)))
    driver.save_screenshot(str(SCREENSHOTS / f"inbox-{name}.png"))


def test_a_nurse_signs_in_from_the_alert_link_lists_acknowledges_and_closes(
    browser: WebDriver, inbox: Inbox
) -> None:
    fever = inbox.report(FEVER, "fever 38.6 since last night, infusion 2 days ago", "P-0042")
    inbox.report(EMERGENCY, "crushing chest pain since an hour", "P-0017")
    inbox.report(UNCLEAR, "je ne me sens pas bien du tout", None)
    theirs = inbox.report(FEVER, "words of another site's patient", "P-0999", OTHER)
    inbox.idp.login_as("sub-jo", "jo.nurse@demo.example", "Jo Nurse", ["iar-demo-staff"])

    browser.get(inbox.alert_link(fever))  # → the stand-in's login → back to the report
    wait_for(browser, "h1", f"Report #{fever}")
    assert "P-0042" in browser.find_element(By.CSS_SELECTOR, ".facts").text
    assert "fever 38.6 since last night" in browser.find_element(By.CSS_SELECTOR, ".words").text
    assert "Signed in as jo.nurse@demo.example" in browser.find_element(By.TAG_NAME, "header").text
    shot(browser, "report")

    browser.find_element(By.LINK_TEXT, "← All reports").click()
    rows = [r.text for r in wait_for(browser, "table", "P-0042").find_elements(By.CSS_SELECTOR, "tbody tr")]
    assert [r.split()[1] for r in rows] == ["Emergency", "Urgent", "Needs"]  # most urgent first
    assert not any("P-0999" in r for r in rows)  # another site's report is not listed
    shot(browser, "list")

    browser.find_element(By.LINK_TEXT, f"#{fever}").click()
    wait_for(browser, "#acknowledge", "I'm on it").click()
    wait_for(browser, ".history", "Acknowledged (on it): oidc:sub-jo (jo.nurse@demo.example)")
    browser.find_element(By.ID, "note").send_keys("Called at 10:05, will ring back after clinic")
    browser.find_element(By.ID, "add-note").click()
    wait_for(browser, ".notes", "will ring back after clinic")
    shot(browser, "acknowledged")

    Select(browser.find_element(By.ID, "outcome")).select_by_value("advised_come_in")
    browser.find_element(By.ID, "close").click()
    wait_for(
        browser,
        ".history",
        "Closed by oidc:sub-jo (jo.nurse@demo.example): Called patient – advised to come in",
    )
    assert not browser.find_elements(By.ID, "close")  # closed once
    shot(browser, "closed")
    with session_factory(inbox.db_url)() as session:
        assert session.get(ReportOutcome, fever).via == "inbox"

    browser.get(f"{inbox.url}/webhooks/inbox/reports/{theirs}")
    refusal = wait_for(browser, ".message", "is not one of your site's reports")
    assert "P-0999" not in browser.page_source and "another site's patient" not in browser.page_source
    assert "demo" in refusal.text
    shot(browser, "refused")
