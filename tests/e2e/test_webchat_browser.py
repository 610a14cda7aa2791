"""The patient web chat in headless Chromium (Debian's chromium and chromedriver, via Selenium).

scripts/ensure_chromium.sh installs them when missing (needs root, as on CI).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from bot.core.paths import ROOT
from bot.core.sites import get_site
from bot.patient.participants import ParticipantService
from tests.support.channel_stack import LINK_SECRET, ChannelStack
from tests.support.userdb import session_factory

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = ROOT / "tests" / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844, "pixelRatio": 2}


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """Headless Chromium, fresh profile; Selenium gets the driver path, so it downloads nothing."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        subprocess.run([str(ROOT / "scripts" / "ensure_chromium.sh")], check=True)
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(browser: WebDriver, channel_stack: ChannelStack) -> WebDriver:
    """The web chat, freshly loaded in a new conversation."""
    browser.get(f"{channel_stack.url}/webhooks/webchat/")
    browser.execute_script("window.sessionStorage.clear()")
    browser.refresh()
    return browser


def send(driver: WebDriver, text: str) -> None:
    box = driver.find_element(By.ID, "message")
    box.click()
    box.send_keys(text, Keys.ENTER)


def wait_for(driver: WebDriver, css: str, containing: str = "", timeout: float = 60) -> WebElement:
    """The first element matching `css` whose visible text contains `containing`."""

    def found(d: WebDriver) -> WebElement | bool:
        return next((e for e in d.find_elements(By.CSS_SELECTOR, css) if containing in e.text), False)

    return WebDriverWait(driver, timeout).until(found)


def stub_replies(driver: WebDriver, replies: list[dict[str, Any]]) -> None:
    """Make the page's next requests get these bot messages (tests the rendering alone)."""
    driver.execute_script(
        "const body = arguments[0];"
        "window.fetch = () => Promise.resolve(new Response(body, "
        "{status: 200, headers: {'Content-Type': 'application/json'}}));",
        json.dumps(replies),
    )


def test_chat_works_from_the_keyboard_on_a_phone_screen(page: WebDriver) -> None:
    number = get_site().emergency_number
    footer = page.find_element(By.CSS_SELECTOR, "footer .emergency-line")
    assert footer.is_displayed() and footer.text == f"In an emergency call {number}."
    assert page.find_element(By.CSS_SELECTOR, "label[for=message]").is_displayed()
    send(page, "hello")
    reply = wait_for(page, "#log .msg-bot", "Hello")
    assert (
        reply.find_element(By.CSS_SELECTOR, ".visually-hidden").get_attribute("textContent") == "Assistant: "
    ), "screen readers hear who is speaking"
    assert page.switch_to.active_element.get_attribute("id") == "message"
    assert (
        page.execute_script("return [innerWidth, document.documentElement.scrollWidth]")
        == [PHONE["width"]] * 2
    ), "fits a phone screen without sideways scrolling"


def test_emergency_and_urgent_payloads_show_banners(page: WebDriver) -> None:
    site = get_site()
    stub_replies(page, [{"text": "Urgent wording."}, {"custom": {"triage": {"disposition": "urgent"}}}])
    send(page, "stub")
    urgent = wait_for(page, ".banner-urgent[role=alert]", site.site_phone)
    assert urgent.value_of_css_property("background-color") == "rgba(255, 176, 0, 1)"
    stub_replies(page, [{"text": "Emergency wording."}, {"custom": {"triage": {"disposition": "emergency"}}}])
    send(page, "stub")
    banner = wait_for(page, ".banner-emergency[role=alert]", f"call {site.emergency_number} now")
    assert banner.value_of_css_property("background-color") == "rgba(176, 0, 32, 1)"
    link = banner.find_element(By.CSS_SELECTOR, "a.call")
    assert link.get_attribute("href") == f"tel:{site.emergency_number}"
    stub_replies(page, [{"custom": {"triage": {"disposition": "urgent"}}}])
    send(page, "stub")
    assert len(page.find_elements(By.CSS_SELECTOR, "#banners .banner-emergency")) == 1, (
        "a later urgent reply never hides the emergency banner"
    )


def test_buttons_are_real_buttons_and_text_is_never_html(page: WebDriver) -> None:
    stub_replies(
        page,
        [
            {
                "text": "<img src=x onerror=\"document.title='pwned'\"> pick one",
                "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
            }
        ],
    )
    send(page, "stub")
    reply = wait_for(page, "#log .msg-bot", "pick one")
    assert "<img src=x" in reply.text and not reply.find_elements(By.TAG_NAME, "img")
    assert page.title != "pwned"
    yes = reply.find_element(By.XPATH, ".//button[normalize-space()='Yes']")
    yes.send_keys(Keys.ENTER)
    wait_for(page, "#log .msg-user", "Yes")
    assert all(not b.is_enabled() for b in reply.find_elements(By.TAG_NAME, "button"))


def test_what_the_patient_types_is_shown_as_text_and_answered(page: WebDriver) -> None:
    typed = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>"
    send(page, typed)
    mine = wait_for(page, "#log .msg-user", "<img src=x")
    assert typed in mine.text and not page.find_elements(By.CSS_SELECTOR, "#log img, #log script")
    wait_for(page, "#log .msg-bot", "")
    assert page.title != "pwned"


def test_red_flag_symptom_shows_the_emergency_banner(page: WebDriver) -> None:
    number = get_site().emergency_number
    send(page, "my face is drooping and I can't lift my arm")
    try:
        banner = wait_for(page, "[role=alert]", number, timeout=30)
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.save_screenshot(str(ARTIFACTS / "webchat-emergency.png"))
    assert "banner-emergency" in banner.get_attribute("class")


def test_a_personal_link_greets_without_the_study_id_and_binds_the_chat(
    browser: WebDriver, channel_stack: ChannelStack
) -> None:
    participants = ParticipantService(
        session_factory(channel_stack.user_db_url), LINK_SECRET, channel_stack.url, get_site().id
    )
    link = participants.enrol("P-0420").url
    browser.get(f"{channel_stack.url}/webhooks/webchat/")
    browser.execute_script("window.sessionStorage.clear()")
    browser.get("about:blank")  # else only the fragment changes and the page is not reloaded
    browser.get(link)
    greeting = wait_for(browser, "#log .msg-bot", "linked to your trial team")
    assert get_site().name in greeting.text and "P-0420" not in browser.page_source
    assert "#t=" not in browser.current_url  # out of the address bar (and of its history)
    send(browser, "I have a rash on my arms since this morning")
    wait_for(browser, "#log .msg-bot", "Do you have any of these right now?")
    assert "P-0420" not in browser.page_source
    participants.revoke("P-0420")
    send(browser, "None of these")
    wait_for(browser, "#log .msg-bot", "This link no longer works, please call your site")
