"""The review console in a real browser (headless Chromium driven by Selenium) on the real broker.

Two console processes serve two reviewers, so claims are shared through Kafka
and not through one process's memory; the session worker scans the listings
this module publishes and routes them to review, and its feedback role moves
the seller's reputation when a verdict is published.
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import orjson
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import schemas
from agents.console.accounts import account_line
from agents.processes import free_port, spawned
from agents.testing import produce, read_until
from pipeline import topics
from pipeline.brands.catalog import BrandCatalog
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.testing import listing

pytestmark = pytest.mark.integration
PASSWORDS = {"alice": "correct horse battery", "bob": "staple of the trade"}
SCRIPT_TITLE = ('<script>document.body.dataset.pwned = "script"</script>'
                '<img src=x onerror="document.body.dataset.pwned = \'img\'"> Louis Vuitton Neverfull MM')
SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
REPORTS = PROJECT_ROOT / "reports"


def near_known_image(brand: str, bits: int, pick: int) -> str:
    """A listing image ``bits`` bits away from one of the known counterfeit images of ``brand``. A matched
    image links its seller with every seller whose listings match it, generated ones of other tests included:
    no seller here with takedowns may carry one, or those sellers' decisions would change."""
    catalog = BrandCatalog.load()
    known = [int(h) for h, o in zip(catalog.images.hashes, catalog.images.owners) if catalog.brand_ids[o] == brand]
    return f"{known[pick % len(known)] ^ ((1 << bits) - 1):016x}"


@pytest.fixture(scope="module")
def published(worker: str) -> dict:
    """Review-bound listings on a marketplace of this module's own, and their review requests once
    routed; the main item's seller shares a contact point with an account that then gets takedowns."""
    run = uuid.uuid4().hex[:10]
    market = f"console-{run}"
    seller, ring = f"{run}-seller", f"{run}-ring"
    contact = hashlib.sha256(run.encode()).hexdigest()  # a contact point's hash, as marketplaces share it
    new = {"seller.created_at": "2026-11-01T00:00:00Z"}
    items = [
        listing(listing_id=f"{run}-main", marketplace=market, title="Gucci Marmont bag replica", brand="Gucci",
                description="Replica of the Marmont, top grade.", image_phashes=["0123456789abcdef"],
                **{"seller.id": seller, "seller.contact_hashes": [contact], "price.amount": 900.0}, **new),
        listing(listing_id=f"{run}-prada", marketplace=market, title="Prada Galleria bag mirror quality",
                description="Top grade, mirror quality, fast shipping.", brand="Prada",
                **{"seller.id": f"{run}-p", "price.amount": 1200.0}),
        listing(listing_id=f"{run}-rolex", marketplace=market, title="Rolex Submariner watch AAA", brand="Rolex",
                category="watches", **{"seller.id": f"{run}-watches", "price.amount": 3000.0}),
        listing(listing_id=f"{run}-lv", marketplace=market, title="Louis Vuitton Neverfull MM", brand="Louis Vuitton",
                **{"seller.id": f"{run}-lv", "price.amount": 390.0}, **new),
        listing(listing_id=f"{run}-disguised", marketplace=market, title="Gucc1 Marmont shoulder bag", brand="",
                image_phashes=[near_known_image("gucci", 6, int(run, 16)), "fedcba9876543210"],
                **{"seller.id": f"{run}-d", "price.amount": 600.0}),
        listing(listing_id=f"{run}-script", marketplace=market, title=SCRIPT_TITLE, brand="Louis Vuitton",
                description='"><svg onload="document.body.dataset.pwned=1">', **{"seller.id": f"{run}-x",
                                                                                  "price.amount": 390.0}, **new),
    ]
    linked = listing(listing_id=f"{run}-ring", marketplace=f"{market}-elsewhere", title="Classic tote",
                     **{"seller.id": ring, "seller.contact_hashes": [contact]})
    asyncio.run(produce(worker, topics.LISTINGS_RAW.name,
                        [(i["listing_id"].encode(), orjson.dumps(i)) for i in (*items, linked)]))
    wanted = {i["listing_id"] for i in items}

    def routed(records: list) -> bool:  # decisions and review requests travel separately: wait for both
        return (wanted | {linked["listing_id"]} <= {r.get("listing_id") for t, _, r in records
                                                    if t == topics.DECISIONS.name}
                and wanted <= {r.get("listing_id") for t, _, r in records if t == topics.REVIEW.name})

    records = asyncio.run(read_until(worker, [topics.DECISIONS.name, topics.REVIEW.name], routed, 90))
    decisions = {r["decision_id"]: r for t, _, r in records
                 if t == topics.DECISIONS.name and r.get("listing_id") in wanted}
    reviews = [r for t, _, r in records if t == topics.REVIEW.name and r.get("marketplace") == market]
    assert {decisions[r["decision_id"]]["listing_id"] for r in reviews} == wanted, "every listing should go to review"
    # the linked account's takedowns arrive after the main item was scored: it stays a review item
    asyncio.run(produce(worker, topics.OUTCOMES.name, [(f"{run}-sold-{n}".encode(), orjson.dumps({
        "schema_version": 1, "outcome_id": f"{run}-ring-{n}", "listing_id": f"{run}-sold-{n}", "seller_id": ring,
        "outcome": "confirmed", "decided_by": "takedown-service", "decided_at": "2026-11-30T12:00:00Z"}))
        for n in range(2)]))
    return {"market": market, "seller": seller, "ring": ring, "run": run, "contact": contact, "reviews": reviews, "decisions": decisions,
            "by_listing": {r["listing_id"]: r for r in reviews}}


@pytest.fixture(scope="module")
def accounts_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("console") / "accounts"
    path.write_text("# reviewers\n" + "".join(account_line(r, p) for r, p in PASSWORDS.items()))
    return path


def _healthy(url: str, timeout_s: float, exited) -> None:
    give_up_at = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if (why := exited()) is not None:
            raise RuntimeError(why)
        if time.monotonic() > give_up_at:
            raise RuntimeError(f"console at {url} not ready after {timeout_s:.0f}s")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def consoles(published: dict, worker: str, accounts_file: Path,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two console processes on the same topics: one for each reviewer."""
    ports = [free_port(), free_port()]
    env = Settings.env(bootstrap_servers=worker, console_accounts_file=accounts_file, log_level="warning")
    commands = [[sys.executable, "-m", "agents.cli", "console", "--console-port", str(port)] for port in ports]
    with spawned(commands, env, tmp_path_factory.mktemp("consoles")) as procs:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, proc in zip(urls, procs):
            _healthy(url, 90, proc.exit_description)
        yield urls
        for proc in procs:
            assert proc.poll() is None, proc.exit_description()


def _browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1440,1000", "--no-first-run", "--disable-extensions",
                 "--disable-background-networking", "--disable-sync", "--disable-component-update"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"))
    driver.implicitly_wait(0)
    return driver


@pytest.fixture(scope="module")
def browsers() -> Iterator[dict[str, webdriver.Chrome]]:
    drivers: dict[str, webdriver.Chrome] = {}
    try:
        for name in PASSWORDS:
            drivers[name] = _browser()
        yield drivers
    finally:
        for driver in drivers.values():
            driver.quit()


def sign_in(driver: webdriver.Chrome, url: str, reviewer: str, password: str) -> None:
    driver.get(url + "/login")
    driver.find_element(By.ID, "reviewer-id").send_keys(reviewer)
    driver.find_element(By.ID, "password").send_keys(password)
    driver.find_element(By.ID, "sign-in").click()
    wait(driver, lambda d: d.execute_script("return document.readyState") == "complete"
         and d.find_elements(By.CSS_SELECTOR, "body[data-page]") and not d.find_elements(By.ID, "sign-in")
         or d.find_elements(By.ID, "login-error") or d.find_elements(By.ID, "message"))


def wait(driver: webdriver.Chrome, check, timeout_s: float = 20):
    return WebDriverWait(driver, timeout_s, poll_frequency=0.2).until(lambda d: check(d))


def settled(read, wanted, timeout_s: float = 20):
    """``read()`` until it returns ``wanted`` (the console reads the topics asynchronously); its last answer."""
    give_up_at = time.monotonic() + timeout_s
    while (got := read()) != wanted and time.monotonic() < give_up_at:
        time.sleep(0.3)
    return got


def queue_ids(driver: webdriver.Chrome, url: str, market: str) -> list[str]:
    driver.get(f"{url}/?marketplace={urllib.parse.quote(market)}")
    return [row.get_attribute("data-review-id") for row in driver.find_elements(By.CSS_SELECTOR, "#queue tr.item")]


def image_distances(driver: webdriver.Chrome) -> list[str | None]:
    """The card's images in order: the Hamming distance to the nearest known counterfeit, None for no match."""
    rows = driver.find_elements(By.CSS_SELECTOR, "#images tbody tr")
    return [(found[0].get_attribute("data-distance") if (found := r.find_elements(By.CSS_SELECTOR, ".distance"))
             else None) for r in rows]


def save_screenshot(driver: webdriver.Chrome, name: str) -> None:
    REPORTS.mkdir(exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = REPORTS / name
    driver.save_screenshot(str(target))
    shutil.copyfile(target, SCREENSHOTS / name)


def test_a_wrong_password_is_refused(consoles: list[str], browsers: dict):
    driver = browsers["alice"]
    sign_in(driver, consoles[0], "alice", "not the password")
    error = wait(driver, lambda d: d.find_elements(By.ID, "login-error") or d.find_elements(By.ID, "message"))
    assert "Wrong reviewer id or password" in error[0].text
    driver.get(consoles[0] + "/")
    assert urllib.parse.urlparse(driver.current_url).path == "/login"  # still signed out


def test_the_queue_shows_the_workers_review_requests_in_priority_order(consoles: list[str], browsers: dict,
                                                                     published: dict):
    driver = browsers["alice"]
    sign_in(driver, consoles[0], "alice", PASSWORDS["alice"])
    wanted = [r["review_id"] for r in sorted(published["reviews"], key=lambda r: (-r["priority"], r["requested_at"],
                                                                         r["review_id"]))]
    assert settled(lambda: queue_ids(driver, consoles[0], published["market"]), wanted) == wanted
    priorities = [float(row.get_attribute("data-priority")) for row in driver.find_elements(By.CSS_SELECTOR,
                                                                                             "#queue tr.item")]
    assert priorities == sorted(priorities, reverse=True)
    assert int(driver.find_element(By.ID, "shown-count").text) == len(wanted)
    save_screenshot(driver, "console-queue.png")


def test_a_card_shows_the_highlighted_terms_and_the_signal_chart(consoles: list[str], browsers: dict,
                                                                 published: dict):
    driver = browsers["alice"]
    review = published["by_listing"][f"{published['run']}-main"]
    decision = published["decisions"][review["decision_id"]]
    card = f"{consoles[0]}/review/{review['review_id']}?marketplace={published['market']}"
    driver.get(card)
    title = driver.find_element(By.ID, "listing-title")
    marks = {(m.text, m.get_attribute("data-kind")) for m in title.find_elements(By.CSS_SELECTOR, "mark.term")}
    assert marks == {("Gucci", "brand"), ("Marmont", "brand"), ("replica", "counterfeit")}
    bars = driver.find_elements(By.CSS_SELECTOR, "svg.signals rect.bar")
    assert [b.get_attribute("data-signal") for b in bars] == [s["name"] for s in decision["signals"]]
    sizes = [abs(float(b.get_attribute("data-contribution"))) for b in bars]
    assert sizes == sorted(sizes, reverse=True) and len(sizes) >= 4
    assert "USD" in driver.find_element(By.ID, "reference-price").text  # the brand's reference beside the price
    assert image_distances(driver) == [None]  # an image that matches no known counterfeit

    def linked_account_named(d) -> bool:  # the console reads the linked account's takedowns as they arrive
        d.get(card)
        return published["ring"] in " ".join(e.text for e in d.find_elements(By.CSS_SELECTOR, "#seller .linked"))

    assert wait(driver, linked_account_named, 60)
    members = [r.text.split()[0] for r in driver.find_elements(By.CSS_SELECTOR, "#seller table.members tbody tr")]
    assert members == [published["ring"]]  # linked by the contact alone: no matched image joins other tests' sellers
    contact = published["contact"]
    assert contact not in driver.page_source and contact[:12] in driver.page_source  # a prefix, never the point
    save_screenshot(driver, "console-card.png")


def test_prada_card_marks_counterfeit_phrases_and_disguised_spellings(consoles: list[str], browsers: dict,
                                                                      published: dict):
    driver = browsers["alice"]
    for name, expected in (("prada", ("mirror quality", "counterfeit")), ("disguised", ("Gucc1", "disguised"))):
        review = published["by_listing"][f"{published['run']}-{name}"]
        driver.get(f"{consoles[0]}/review/{review['review_id']}")
        title = driver.find_element(By.ID, "listing-title")
        assert expected in {(m.text, m.get_attribute("data-kind")) for m in title.find_elements(By.TAG_NAME, "mark")}
    assert image_distances(driver) == ["6", None]  # a near copy of a known counterfeit image, and one that is not


def test_a_second_reviewer_on_another_console_never_sees_the_claimed_item(consoles: list[str], browsers: dict,
                                                                          published: dict):
    claimed = published["by_listing"][f"{published['run']}-main"]["review_id"]
    bob = browsers["bob"]
    sign_in(bob, consoles[1], "bob", PASSWORDS["bob"])
    others = wait(bob, lambda d: (ids := queue_ids(d, consoles[1], published["market"])) and claimed not in ids
                  and ids, 10)
    assert claimed not in others and len(others) == len(published["reviews"]) - 3  # alice opened three
    bob.get(f"{consoles[1]}/review/{claimed}")
    assert "alice has this item open" in bob.find_element(By.ID, "message").text


def test_pressing_c_publishes_one_confirmed_outcome_and_the_seller_reputation_moves(
        consoles: list[str], browsers: dict, published: dict, worker: str):
    driver = browsers["alice"]
    review = published["by_listing"][f"{published['run']}-main"]
    driver.get(f"{consoles[0]}/review/{review['review_id']}?marketplace={published['market']}")
    driver.find_element(By.TAG_NAME, "body").send_keys("c")
    wait(driver, lambda d: "/review/" in d.current_url and review["review_id"] not in d.current_url)  # the next one

    def outcomes(records: list) -> list[dict]:
        return [r for _, _, r in records if r.get("decision_id") == review["decision_id"]]

    found = asyncio.run(read_until(worker, [topics.OUTCOMES.name], lambda rs: len(outcomes(rs)) > 0, 30))
    time.sleep(1.0)  # room for a second, wrong, outcome to arrive
    found = outcomes(asyncio.run(read_until(worker, [topics.OUTCOMES.name], lambda rs: False, 3)))
    assert len(found) == 1, found
    (outcome,) = found
    jsonschema.Draft202012Validator(schemas.load("enforcement_outcome.v1.json")).validate(outcome)
    assert (outcome["outcome"], outcome["decided_by"], outcome["seller_id"]) == ("confirmed", "alice",
                                                                                 published["seller"])
    assert review["review_id"] not in queue_ids(driver, consoles[0], published["market"])

    def reputation(d) -> bool:
        d.get(f"{consoles[0]}/sellers/{published['seller']}")
        found = d.find_elements(By.ID, "seller-reputation")
        return bool(found) and found[0].get_attribute("data-confirmed") == "1"

    assert wait(driver, reputation, 60)


def test_a_listing_whose_title_carries_script_stays_inert(consoles: list[str], browsers: dict, published: dict):
    driver = browsers["bob"]
    review = published["by_listing"][f"{published['run']}-script"]
    driver.get(f"{consoles[1]}/review/{review['review_id']}")
    title = driver.find_element(By.ID, "listing-title")
    assert "<script>" in title.text and "onerror=" in title.text  # shown as text
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text
    injected = driver.execute_script(
        "return document.querySelectorAll('#card script, #card img, #card svg[onload], #card [onerror]').length")
    assert injected == 0
    assert driver.execute_script("return document.body.dataset.pwned") is None


def test_a_post_without_the_csrf_token_is_refused(consoles: list[str], browsers: dict, published: dict,
                                                  worker: str):
    driver = browsers["bob"]
    review = published["by_listing"][f"{published['run']}-lv"]
    driver.get(f"{consoles[1]}/review/{review['review_id']}")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    for body in ({"action": "counterfeit"}, {"action": "counterfeit", "csrf": "forged"}):
        request = urllib.request.Request(f"{consoles[1]}/review/{review['review_id']}/decide",
                                         data=urllib.parse.urlencode(body).encode(), headers={"Cookie": cookie})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 403
    records = asyncio.run(read_until(worker, [topics.OUTCOMES.name], lambda rs: False, 2))
    assert not [r for _, _, r in records if r.get("decision_id") == review["decision_id"]]


def test_a_double_submit_publishes_one_outcome(consoles: list[str], browsers: dict, published: dict, worker: str):
    driver = browsers["bob"]
    review = published["by_listing"][f"{published['run']}-rolex"]
    driver.get(f"{consoles[1]}/review/{review['review_id']}")
    csrf = driver.find_element(By.CSS_SELECTOR, "#decide input[name=csrf]").get_attribute("value")
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    body = urllib.parse.urlencode({"action": "genuine", "csrf": csrf, "note": "sold by an authorized dealer"}).encode()

    def post(_: int) -> int:
        request = urllib.request.Request(f"{consoles[1]}/review/{review['review_id']}/decide", data=body,
                                         headers={"Cookie": cookie})
        with urllib.request.urlopen(request, timeout=20) as answer:  # the redirect to the next item is followed
            return answer.status

    with ThreadPoolExecutor(2) as pool:
        assert list(pool.map(post, range(2))) == [200, 200]
    records = asyncio.run(read_until(worker, [topics.OUTCOMES.name], lambda rs: False, 3))
    found = [r for _, _, r in records if r.get("decision_id") == review["decision_id"]]
    assert [(r["outcome"], r["decided_by"], r["note"]) for r in found] == [
        ("rejected", "bob", "sold by an authorized dealer")]


def test_escalating_with_e_takes_the_item_out_of_every_queue(consoles: list[str], browsers: dict, published: dict):
    driver = browsers["bob"]
    review = published["by_listing"][f"{published['run']}-script"]
    driver.get(f"{consoles[1]}/review/{review['review_id']}")
    driver.find_element(By.ID, "note").send_keys("title carries markup: needs a second look")
    driver.find_element(By.ID, "decide-escalate").click()
    wait(driver, lambda d: review["review_id"] not in d.current_url)
    driver.get(f"{consoles[1]}/escalated")
    assert review["review_id"] in driver.find_element(By.ID, "escalated").get_attribute("innerHTML")
    for name, url in (("bob", consoles[1]), ("alice", consoles[0])):
        ids = settled(lambda: review["review_id"] in queue_ids(browsers[name], url, published["market"]), False, 10)
        assert ids is False, name


def test_j_and_k_move_through_the_queue(consoles: list[str], browsers: dict, published: dict):
    driver = browsers["alice"]
    review = published["by_listing"][f"{published['run']}-prada"]
    driver.get(f"{consoles[0]}/review/{review['review_id']}?marketplace={published['market']}")
    following = driver.find_element(By.ID, "next").get_attribute("href")
    driver.find_element(By.TAG_NAME, "body").send_keys("j")
    wait(driver, lambda d: d.current_url == following)
    previous = driver.find_element(By.ID, "previous").get_attribute("href")
    driver.find_element(By.TAG_NAME, "body").send_keys("k")
    wait(driver, lambda d: d.current_url == previous)
    assert review["review_id"] in driver.current_url


def test_the_brand_page_charts_routes_and_reviewer_decisions(consoles: list[str], browsers: dict, published: dict):
    driver = browsers["alice"]
    driver.get(f"{consoles[0]}/brands/gucci")
    assert int(driver.find_element(By.ID, "brand-reviewed").text) >= 1  # alice's verdict on the main item
    assert int(driver.find_element(By.ID, "brand-queue-size").text) >= 1  # the disguised Gucci listing
    routes = {r.get_attribute("data-key") for r in driver.find_elements(By.CSS_SELECTOR, "svg.days rect.bar")}
    assert {"review", "confirmed"} <= routes
    save_screenshot(driver, "console-brand.png")


def test_a_newer_revision_of_a_listing_takes_its_request_out_of_the_queue(consoles: list[str], browsers: dict,
                                                                          published: dict, worker: str):
    driver = browsers["alice"]
    review = published["by_listing"][f"{published['run']}-disguised"]
    assert review["review_id"] in queue_ids(driver, consoles[0], published["market"])
    revised = listing(listing_id=f"{published['run']}-disguised", marketplace=published["market"], revision=1,
                      title="Plain canvas shoulder bag", **{"seller.id": f"{published['run']}-d", "price.amount": 60.0})
    asyncio.run(produce(worker, topics.LISTINGS_RAW.name, [(revised["listing_id"].encode(), orjson.dumps(revised))]))
    gone = settled(lambda: review["review_id"] in queue_ids(driver, consoles[0], published["market"]), False, 60)
    assert gone is False
    driver.get(f"{consoles[0]}/review/{review['review_id']}")
    assert "newer revision" in driver.find_element(By.ID, "message").text
