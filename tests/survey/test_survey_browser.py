"""The survey in a real browser: Debian's headless Chromium driven by Selenium (chromedriver
from Debian too; nothing is downloaded), against ``valact survey serve`` on 127.0.0.1.

- a participant completes the survey end to end (some answers by keyboard only), and the
  export goes through ``valact evaluate analyze --human``;
- a participant stops, closes the browser, and resumes in a fresh one with their code;
- every page at desktop and phone width: no sideways scrolling on a phone, tap targets of at
  least 44 px, the chosen option marked by more than colour; screenshots are written to
  ``$VALACT_SURVEY_SCREENSHOTS`` (default: the test's tmp folder) to be looked at.

``make test`` sets VALACT_REQUIRE_BROWSER=1 (and installs chromium and chromium-driver), so
there a missing browser fails instead of skipping.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from survey_helpers import served_study, small_questionnaire
from typer.testing import CliRunner

from pipeline.cli import app as cli
from pipeline.evaluate import responses as resp
from pipeline.survey.store import Store
from stage_fixtures import build_dataset

pytestmark = pytest.mark.slow

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
DESKTOP = (1280, 900)
PHONE = (390, 844)  # CSS pixels of a common phone

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


def _browser_missing() -> str | None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not shutil.which(p)]
    return f"not installed: {', '.join(missing)} (apt-get install chromium chromium-driver)" \
        if missing else None


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_dataset(tmp_path_factory.mktemp("survey-data"), 8)


@pytest.fixture(scope="module")
def questionnaire_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("q") / "q.jsonl"
    path.write_text("".join(json.dumps({"item_id": i.item_id, "text": i.text,
                                        "value": i.value}) + "\n"
                            for i in small_questionnaire().items))
    return path


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[object]:
    why = _browser_missing()
    if why:
        if os.environ.get("VALACT_REQUIRE_BROWSER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look online
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic",
                "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    desktop(driver)
    try:
        yield driver
    finally:
        driver.quit()


def desktop(d: object) -> None:
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})  # type: ignore[attr-defined]
    d.set_window_size(*DESKTOP)  # type: ignore[attr-defined]


def phone(d: object) -> None:
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {  # type: ignore[attr-defined]
        "width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 2, "mobile": True})


def screens_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("VALACT_SURVEY_SCREENSHOTS") or tmp_path / "screens")
    out.mkdir(parents=True, exist_ok=True)
    return out


def shoot(d: object, out: Path, name: str) -> list[Path]:
    """Full-page screenshots at desktop and phone width, with the layout checks."""
    paths = []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        phone(d) if label == "phone" else desktop(d)
        js = d.execute_script  # type: ignore[attr-defined]
        height = int(js("return document.documentElement.scrollHeight"))
        if label == "phone":
            overflow = js("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name}: the page scrolls sideways on a phone ({overflow} px)"
            small = js("return [...document.querySelectorAll('button, .button, label.choice, "
                       ".secondary a, .foot a, input[type=text]')].filter(e => "
                       "e.offsetParent !== null && "
                       "e.getBoundingClientRect().height < 44).map(e => e.outerHTML.slice(0, 80))")
            assert not small, f"{name}: tap targets under 44 px on a phone: {small}"
            d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {  # type: ignore[attr-defined]
                "width": size[0], "height": max(size[1], height), "deviceScaleFactor": 2,
                "mobile": True})
        else:
            d.set_window_size(size[0], max(size[1], height + 140))  # type: ignore[attr-defined]
        path = out / f"{name}-{label}.png"
        d.save_screenshot(str(path))  # type: ignore[attr-defined]
        assert path.stat().st_size > 5000
        paths.append(path)
    desktop(d)
    return paths


def navigate(d: object, element: object, keys: str | None = None) -> None:
    """Click (or type ``keys`` into) ``element`` and wait until the next page has loaded."""
    d.execute_script("window.__oldPage = true")  # type: ignore[attr-defined]
    element.send_keys(keys) if keys else element.click()  # type: ignore[attr-defined]
    WebDriverWait(d, 15).until(lambda drv: drv.execute_script(
        "return window.__oldPage === undefined && document.readyState === 'complete'"))


def where(d: object) -> str:
    return d.find_element(By.CSS_SELECTOR, ".where").text  # type: ignore[attr-defined]


def step_kind(d: object) -> str:
    src = d.page_source  # type: ignore[attr-defined]
    key = re.search(r'name="key" value="([^"]+)"', src)
    return key.group(1).split(":", 1)[0] if key else ""


def answer_by_keyboard(d: object) -> str:
    """Select the second option with Space and an arrow key, then Tab to Next and press Enter."""
    radios = d.find_elements(By.CSS_SELECTOR, "input[type=radio]")  # type: ignore[attr-defined]
    radios[0].send_keys(Keys.SPACE)
    radios[0].send_keys(Keys.ARROW_DOWN)
    assert radios[1].is_selected() and not radios[0].is_selected()
    active = d.switch_to.active_element  # type: ignore[attr-defined]
    active.send_keys(Keys.TAB)
    chosen = str(radios[1].get_attribute("value"))
    nxt = d.switch_to.active_element  # type: ignore[attr-defined]
    assert nxt.text == "Next", nxt.text
    navigate(d, nxt, Keys.ENTER)
    return chosen


def answer_by_click(d: object, pick: int = 0) -> None:
    labels = d.find_elements(By.CSS_SELECTOR, "label.choice")  # type: ignore[attr-defined]
    text = d.page_source  # type: ignore[attr-defined]
    if "check-umbrella" in text:  # the attention check: the right answer
        d.find_element(By.CSS_SELECTOR, "input[value=check-umbrella]").click()  # type: ignore[attr-defined]
    elif "Please choose" in text and "slightly disagree" in text:
        d.find_element(By.CSS_SELECTOR, "input[value='3']").click()  # type: ignore[attr-defined]
    else:
        labels[pick % len(labels)].click()
    navigate(d, d.find_element(By.CSS_SELECTOR, "button[value=next]"))  # type: ignore[attr-defined]


def start(d: object, base: str) -> str:
    d.get(base + "/")  # type: ignore[attr-defined]
    d.find_element(By.CSS_SELECTOR, "button.primary").click()  # type: ignore[attr-defined]
    # the consent box is required: the browser keeps us on the page
    assert "Information and consent" in d.title  # type: ignore[attr-defined]
    d.find_element(By.NAME, "consent").click()  # type: ignore[attr-defined]
    navigate(d, d.find_element(By.CSS_SELECTOR, "button.primary"))  # type: ignore[attr-defined]
    code = d.find_element(By.CSS_SELECTOR, ".code").text  # type: ignore[attr-defined]
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code), code
    return code


def test_a_participant_completes_the_survey_and_the_export_is_analyzed(
        browser: object, dataset: Path, questionnaire_file: Path, tmp_path: Path) -> None:
    d = browser
    db = tmp_path / "study.sqlite"
    out = screens_dir(tmp_path)
    shots: list[Path] = []
    with served_study(dataset, db, "--questionnaire", str(questionnaire_file),
                      "--scenarios-per-participant", "3", "--hold-per-participant", "1",
                      log=tmp_path / "server.log") as (base, _proc):
        d.get(base + "/")  # type: ignore[attr-defined]
        shots += shoot(d, out, "01-consent")
        start(d, base)
        shots += shoot(d, out, "02-code")
        navigate(d, d.find_element(By.LINK_TEXT, "Begin"))  # type: ignore[attr-defined]
        seen: dict[str, int] = {}
        keyboard: list[str] = []
        n = 0
        while "/q/" in d.current_url and n < 40:  # type: ignore[attr-defined]
            n += 1
            kind = step_kind(d)
            seen[kind] = seen.get(kind, 0) + 1
            page_no = int(re.search(r"Question (\d+) of", where(d)).group(1))  # type: ignore[union-attr]
            assert page_no == n
            if seen[kind] == 1 or (kind == "check" and seen[kind] == 2):
                shots += shoot(d, out, f"03-step-{n:02d}-{kind}")
            if n == 2:  # Next without an answer: the browser refuses, the page stays
                d.find_element(By.CSS_SELECTOR, "button[value=next]").click()  # type: ignore[attr-defined]
                assert where(d).startswith("Question 2 of")
            if n in (2, 7) and kind in ("state", "act"):
                keyboard.append(answer_by_keyboard(d))
            else:
                answer_by_click(d, pick=n)
            if n == 4:  # back, see the answer kept, and go on
                navigate(d, d.find_element(By.PARTIAL_LINK_TEXT, "Back to the previous"))  # type: ignore[attr-defined]
                assert where(d).startswith("Question 4 of")  # the page just answered
                assert d.find_elements(By.CSS_SELECTOR, "input[type=radio]:checked")  # type: ignore[attr-defined]
                chosen = d.find_element(By.CSS_SELECTOR, "label.choice:has(input:checked)")  # type: ignore[attr-defined]
                assert int(chosen.value_of_css_property("font-weight")) >= 600
                assert chosen.value_of_css_property("border-top-width") == "3px"
                shots += shoot(d, out, "04-back-with-answer")
                navigate(d, d.find_element(By.CSS_SELECTOR, "button[value=next]"))  # type: ignore[attr-defined]
        assert "Thank you" in d.page_source  # type: ignore[attr-defined]
        shots += shoot(d, out, "05-done")
        assert {"state", "act", "hold", "check"} <= set(seen)
        d.get(base + "/withdraw")  # type: ignore[attr-defined]
        shots += shoot(d, out, "06-withdraw")
        d.get(base + "/resume")  # type: ignore[attr-defined]
        shots += shoot(d, out, "07-resume")
    store = Store(db)
    p = store.participants()[0]
    assert p.status == "completed"
    stored = store.answers(p.number)
    assert len(stored) == len(p.plan.steps) == n
    assert set(keyboard) <= {a.answer for a in stored.values()}
    assert store.event_counts()["back"] == 1
    export = tmp_path / "humans.csv"
    runner = CliRunner()
    r = runner.invoke(cli, ["survey", "export", "--db", str(db), "--out", str(export)])
    assert r.exit_code == 0 and "1 participants" in r.stdout, r.output
    assert len(resp.read_human(export)) == n - 2  # the two attention checks are not items
    r = runner.invoke(cli, ["evaluate", "analyze", "--human", str(export), "--out",
                            str(tmp_path / "report")])
    assert r.exit_code == 0, r.output
    assert "human" in (tmp_path / "report" / "report.md").read_text()
    print("\nscreenshots:\n" + "\n".join(str(s) for s in shots))


def test_a_participant_resumes_in_a_fresh_browser_with_the_code(
        browser: object, dataset: Path, questionnaire_file: Path, tmp_path: Path) -> None:
    d = browser
    db = tmp_path / "study.sqlite"
    out = screens_dir(tmp_path)
    with served_study(dataset, db, "--questionnaire", str(questionnaire_file),
                      "--scenarios-per-participant", "2", "--attention-checks", "0",
                      log=tmp_path / "server.log") as (base, _proc):
        code = start(d, base)
        navigate(d, d.find_element(By.LINK_TEXT, "Begin"))  # type: ignore[attr-defined]
        for _ in range(3):
            answer_by_click(d)
        assert where(d).startswith("Question 4 of")
        navigate(d, d.find_element(By.CSS_SELECTOR, "button.link"))  # type: ignore[attr-defined]
        assert code in d.page_source  # type: ignore[attr-defined]
        shoot(d, out, "08-stop")
        d.delete_all_cookies()  # type: ignore[attr-defined]  (a new browser)
        d.get(base + "/q")  # type: ignore[attr-defined]
        assert "Information and consent" in d.title  # type: ignore[attr-defined]
        navigate(d, d.find_element(By.PARTIAL_LINK_TEXT, "Continue with your participant code"))  # type: ignore[attr-defined]
        box = d.find_element(By.ID, "code")  # type: ignore[attr-defined]
        box.send_keys("wrong-code")
        navigate(d, box, Keys.ENTER)
        assert "No participant has this code" in d.page_source  # type: ignore[attr-defined]
        shoot(d, out, "09-resume-error")
        box = d.find_element(By.ID, "code")  # type: ignore[attr-defined]
        box.clear()
        box.send_keys(code.lower())
        navigate(d, box, Keys.ENTER)
        assert where(d).startswith("Question 4 of")
        while "/q/" in d.current_url:  # type: ignore[attr-defined]
            answer_by_click(d)
        assert "Thank you" in d.page_source  # type: ignore[attr-defined]
    store = Store(db)
    p = store.participants()[0]
    assert p.status == "completed" and len(store.answers(p.number)) == len(p.plan.steps)
    assert store.event_counts()["resume"] == 1 and store.event_counts()["stop"] == 1
