"""The citizen app (PWA) in a real headless Chromium whose camera is a fake one playing a video
of the QR code a person would point the phone at: an enrolment at a registrar office, a QR
sign-in, and the digital ID card shown to the verifier page.

Set TUATON_SCREENSHOTS=docs/screenshots to refresh the app's screenshots in the docs."""

from __future__ import annotations

import io
import re
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import segno
from PIL import Image
from sqlalchemy import select

from tests.conftest import REQUIRE_SERVICES
from tests.e2e.test_browser_portals import shot
from tests.e2e.test_browser_signin import ARGS, CHROMIUM
from tests.live import live_tuaton
from tests.proofing.test_office_enrolment import Station
from tuaton.appclient.card import StoredCard, present
from tuaton.appclient.client import AppClient
from tuaton.card import sd_jwt
from tuaton.card.credential import Showing
from tuaton.programme.models import ServiceRating

pytestmark = pytest.mark.e2e
PASSCODE = "50738261"


def camera_video(path: Path, text: str | None, *, picture: bytes | None = None) -> Path:
    """A Y4M video (one frame, looped by Chromium) showing the QR code of ``text``, or ``picture``
    (a PNG, e.g. a screenshot of a page's QR code), or a blank wall."""
    png = io.BytesIO(picture or b"")
    if text:
        segno.make(text, error="l" if len(text) > 500 else "m").save(png, kind="png", scale=4, border=4)
    code = Image.open(png).convert("L") if text or picture else Image.new("L", (8, 8), 255)
    width, height = (max(640, code.width + 40) + 15) // 16 * 16, (max(480, code.height + 40) + 15) // 16 * 16
    frame = Image.new("L", (width, height), 255)
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\nFRAME\n".encode())
        out.write(frame.tobytes() + bytes([128]) * (width * height // 2))
    return path


@pytest.fixture
def live(services, settings, database):
    with live_tuaton(settings, database) as served:
        yield served


@pytest.fixture
def phone(tmp_path):
    """A device with a camera that sees ``video``: the citizen's phone keeps one browser profile
    (IndexedDB survives between launches); the verifier's is another."""
    if not shutil.which("chromium"):
        message = "Debian chromium is not installed (make browser installs it)"
        if REQUIRE_SERVICES:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright
    @contextmanager
    def open_with_camera(video: Path, origin: str, profile: str = "phone"):
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                str(tmp_path / profile), executable_path=CHROMIUM, locale="th-TH",
                viewport={"width": 412, "height": 915},  # a phone
                args=[*ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                      f"--use-file-for-fake-video-capture={video}"])
            context.grant_permissions(["camera"], origin=origin)
            try:
                yield context.pages[0] if context.pages else context.new_page()
            finally:
                context.close()
    return open_with_camera


def type_passcode(page, code: str = PASSCODE) -> None:
    for digit in code:
        page.click(f'#keypad .key[data-key="{digit}"]')


def choose_passcode(page, code: str = PASSCODE) -> None:
    """The passcode step once the face was accepted: the keypad (not an error), the code twice."""
    page.wait_for_selector("#keypad, #error", timeout=60_000)
    assert page.locator("#error").count() == 0, page.locator("#error").inner_text()
    type_passcode(page, code)
    page.wait_for_selector("#keypad >> text=ใส่รหัสผ่านอีกครั้ง")
    type_passcode(page, code)


def card_as_printed(citizen: dict) -> list[tuple[str, str]]:
    """The card-check form's fields as the citizen types them from the card (Buddhist era, day first)."""
    year, month, day = citizen["birth_date"].split("-")
    return [("pid", citizen["pid"]), ("given_name_th", citizen["given_name_th"]),
            ("family_name_th", citizen["family_name_th"]), ("birth_date", f"{day}/{month}/{int(year) + 543}"),
            ("laser_code", citizen["laser_code"])]


def test_enrol_at_an_office_then_sign_in_then_show_the_card(live, phone, personas, tmp_path):
    issuer, system, app = live
    citizen = personas[2]

    # 1. At the registrar office: the officer reads the card and the fingerprint, the app scans the QR.
    station = Station(app, system, "somsak")
    visit = station.read_card(citizen["pid"])
    assert station.scan(visit).status_code in (200, 303)
    office_qr = station.qr_payload(visit)
    with phone(camera_video(tmp_path / "office.y4m", office_qr), issuer) as page:
        page.goto(issuer + "/app")
        page.click("#enrol-office")
        assert page.locator("#step").inner_text() == "ขั้นตอนที่ 1 จาก 4"
        page.check("#terms")
        page.fill("#pid", citizen["pid"])
        page.click("#pid-next")
        page.wait_for_selector("#keypad", timeout=15_000)  # the fake camera's QR was read
        type_passcode(page)
        page.wait_for_selector("#keypad >> text=ใส่รหัสผ่านอีกครั้ง")
        type_passcode(page)
        # The consent is shown, then confirmed with the passcode again (seed 002).
        page.wait_for_selector("#consent-text")
        assert page.locator("#step").inner_text() == "ขั้นตอนที่ 4 จาก 4"
        page.click("#consent-agree")
        type_passcode(page)
        page.wait_for_selector("#enrolled")
        assert page.locator("#enrolled").inner_text() == "ยืนยันด้วยลายนิ้วมือที่สำนักทะเบียน (IAL 3)"
        # The private key is in IndexedDB and cannot be read out, not even by the app's own page.
        extractable = page.evaluate("""async () => {
            const db = await new Promise((ok) => {
                const r = indexedDB.open('tuaton', 1); r.onsuccess = () => ok(r.result); });
            const device = await new Promise((ok) => {
                const r = db.transaction('kv').objectStore('kv').get('device'); r.onsuccess = () => ok(r.result); });
            let exported = true;
            try { await crypto.subtle.exportKey('jwk', device.privateKey); } catch (e) { exported = false; }
            return [device.privateKey.extractable, exported, 'd' in device.publicJwk];
        }""")
        assert extractable == [False, False, False]
        # Installable: the manifest is linked and the service worker controls /app.
        assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)") == issuer + "/app"
        assert page.locator("link[rel=manifest]").get_attribute("href") == "/app/manifest.webmanifest"

    # 2. A QR sign-in: the agency's page shows a QR code, the phone's camera reads it.
    agency = system.clients.create(name_en="Land Department e-Service", name_th="บริการกรมที่ดิน",
                                   redirect_uris=["https://land.example.go.th/cb"], scopes=["openid", "name"],
                                   purpose_th="ตรวจสอบโฉนด", purpose_en="Check your title deeds")
    browser = httpx.Client(base_url=issuer)
    shown = browser.get("/oauth2/authorize", params={
        "client_id": agency.client.client_id, "redirect_uri": "https://land.example.go.th/cb",
        "response_type": "code", "scope": "openid name", "state": "s1", "nonce": "n1"})
    status_url = re.search(r'id="signin-qr"[^>]*data-status="([^"]+)"', shown.text).group(1)
    # The camera sees the very QR code the page drew (its SVG, rendered by a browser).
    svg = re.search(r"<svg.*?</svg>", shown.text, re.S).group(0)
    with phone(camera_video(tmp_path / "none.y4m", None), issuer, profile="agency-screen") as screen:
        screen.set_content(f"<body style='margin:0;background:#fff'>{svg}</body>")
        picture = screen.locator("svg").screenshot()
    with phone(camera_video(tmp_path / "signin.y4m", None, picture=picture), issuer) as page:
        page.goto(issuer + "/app")
        page.click("#scan")
        page.wait_for_selector("#agency-name", timeout=15_000)
        assert page.locator("#agency-name").inner_text() == "บริการกรมที่ดิน"
        assert "ชื่อ-นามสกุล (ภาษาไทย)" in page.locator("#claims").inner_text()
        assert page.locator("#started-on").get_attribute("data-kind") == "unknown"    # httpx: no known device
        shot(page, tmp_path, "app-approval")
        # Number matching: the citizen taps the number the sign-in page shows, then the passcode.
        number = re.search(r'id="signin-number" data-number="([0-9]{2})"', shown.text).group(1)
        assert page.locator("#number-choices button").count() == 3
        page.click(f'#number-choices button[data-number="{number}"]')
        type_passcode(page)
        page.wait_for_selector("#result[data-status='approved']")
        status = browser.get(status_url, headers={"Accept": "application/json"}).json()
        assert status["status"] == "approved" and "code=" in status["redirect_to"]
        # The optional rating: the e-Service 4, Tuaton 5, once.
        page.check("#rate-service-4")
        page.check("#rate-tuaton-5")
        page.click("#rate-send")
        page.wait_for_selector("#rating-thanks")
        with system.database.reading() as session:
            assert session.execute(select(ServiceRating.service_score, ServiceRating.tuaton_score)).all() == [(4, 5)]

        # 3. The digital ID card: fetched with the passcode, shown as "20 or older" only.
        page.click("#home")
        page.click("#card")
        type_passcode(page)
        page.wait_for_selector("#id-card")
        assert page.locator("#card-pid").inner_text() == citizen["pid"]
        assert "ออกโดยตัวตน" in page.locator("#card-issuer").inner_text()
        assert "ใช้ได้ถึง" in page.locator("#card-expiry").inner_text()
        assert page.evaluate("document.querySelector('#card-photo').naturalWidth") > 0
        page.click("button[data-showing='age-over-20']")
        page.wait_for_selector("#card-qr svg")
        shot(page, tmp_path, "app-card")
        presentation = page.locator("#card-qr").get_attribute("data-presentation")
        assert citizen["given_name_th"] not in presentation

        # With no connection at all, the app (its cached shell) still shows the card and a fresh QR code.
        page.context.set_offline(True)
        page.reload()
        page.click("#card")
        page.click("button[data-showing='name-photo']")
        page.wait_for_selector("#card-qr svg")
        offline_presentation = page.locator("#card-qr").get_attribute("data-presentation")
        assert offline_presentation.split("~")[0] == presentation.split("~")[0]  # the same card, newly signed
        page.context.set_offline(False)

        # 4. A backchannel request (a call centre) answered in the app, then the history.
        call_centre = system.clients.create(name_en="Revenue call centre", name_th="ศูนย์บริการสรรพากร",
                                            redirect_uris=["https://rd.example.go.th/cb"], scopes=["openid", "pid"],
                                            backchannel_mode="poll")
        asked = httpx.post(issuer + "/oauth2/bc-authorize", auth=(call_centre.client.client_id,
                                                                  call_centre.client_secret),
                           data={"scope": "openid pid", "login_hint": citizen["pid"], "binding_message": "RD-4521"})
        assert asked.status_code == 200, asked.text
        page.click("#home")
        page.wait_for_selector("#requests[data-waiting='1']")  # the home screen shows it is waiting
        page.click("#requests")
        page.click("#request-list button.request")
        assert page.locator("#binding-message").inner_text() == "RD-4521"
        type_passcode(page)
        page.wait_for_selector("#result[data-status='approved']")
        page.click("#home")
        page.click("#history")
        page.wait_for_selector("#consents")
        assert "บริการกรมที่ดิน" in page.locator("#signins").inner_text()
        # Withdrawing asks once more, saying what it means; cancelling keeps the consent.
        page.click(f"#consents li[data-client='{agency.client.client_id}'] button.withdraw")
        assert "จะไม่ได้รับข้อมูลของท่านอีก" in page.locator("#withdraw-confirm").inner_text()
        page.click("#withdraw-no")
        page.wait_for_selector(f"#consents li[data-client='{agency.client.client_id}'] button.withdraw")
        page.click(f"#consents li[data-client='{agency.client.client_id}'] button.withdraw")
        page.click("#withdraw-yes")
        page.wait_for_selector(f"#consents li[data-client='{agency.client.client_id}']", state="detached")
        assert "เพิกถอนความยินยอมให้" in page.locator("#withdrawn").inner_text()
        assert page.locator(f"#consents li[data-client='{call_centre.client.client_id}']").count() == 1

        # 5. A card QR code lives a minute, counted by the clock; a second choice replaces the first
        # code and its countdown. (Last: the page's clock is a test clock from here on.)
        page.clock.install()
        page.reload()
        page.click("#card")
        page.click("button[data-showing='name-photo']")
        page.wait_for_selector("#card-qr svg")
        page.clock.fast_forward(40_000)
        page.click("button[data-showing='age-over-20']")
        second = page.locator("#card-qr").get_attribute("data-presentation")
        page.clock.fast_forward(30_000)  # the first code's minute is over, not the second's
        assert page.locator("#card-qr").get_attribute("data-showing") == "age-over-20"
        assert page.locator("#card-qr svg").count() == 1
        assert page.locator("#card-countdown").inner_text() == "30s"
        page.clock.fast_forward(31_000)
        page.click("#card-again")
        page.wait_for_selector("#card-qr svg")
        assert page.locator("#card-qr").get_attribute("data-presentation") != second


    # 6. The verifier's own device points its camera at the phone's screen.
    with phone(camera_video(tmp_path / "card.y4m", presentation), issuer, profile="verifier") as verifier:
        verifier.goto(issuer + "/verify")
        verifier.wait_for_selector("#verify-result[data-valid='true']", timeout=15_000)
        assert verifier.locator("[data-claim='age_over_20']").inner_text().endswith("ใช่")
        assert verifier.locator("[data-claim]").count() == 1  # nothing else was disclosed
        shot(verifier, tmp_path, "verify-valid")
        verifier.click("#verify")  # the same QR code again (the scanned content is in the box)
        verifier.wait_for_selector("#verify-result[data-valid='false']")
        assert "สแกนไปแล้ว" in verifier.locator("#verify-reason").inner_text()


def test_self_enrolment_with_photos_of_the_card_and_the_face(live, phone, personas, tmp_path):
    """The eight steps of seed 002 in the app: the photos are the sandbox's synthetic ones, given
    through the app's file fallback (the fake camera plays one fixed video)."""
    issuer, system, app = live
    citizen = personas[3]
    sandbox = httpx.Client(base_url=issuer)

    def photo(path: str, **params) -> dict:
        response = sandbox.get(path, params=params)
        assert response.status_code == 200, response.text
        return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": response.content}

    with phone(camera_video(tmp_path / "blank.y4m", None), issuer) as page:
        page.goto(issuer + "/app")
        page.wait_for_selector("#enrol-self")
        shot(page, tmp_path, "app-start")
        page.click("#enrol-self")
        # The terms come first, and must be accepted.
        shot(page, tmp_path, "app-terms")
        page.click("#terms-next")
        assert "กรุณายอมรับข้อกำหนด" in page.locator("#error").inner_text()
        page.check("#terms")
        page.click("#terms-next")

        def use(path: str, **params) -> None:
            """Choose the photo, see its preview, use it."""
            page.set_input_files("#photo-file", photo(path, **params))
            page.wait_for_selector("#preview")
            page.click("#use-photo")

        page.wait_for_selector("#photo-file")
        # The file chooser's button is the app's own, in the screen's language (not "Choose File").
        assert page.locator("#photo-file-label").inner_text() == "หรือเลือกไฟล์รูป"
        assert page.locator("#step").inner_text() == "ขั้นตอนที่ 2 จาก 8"
        page.set_input_files("#photo-file", photo(f"/api/sandbox/v1/personas/{citizen['pid']}/card-photo",
                                                  side="front", shot=6))
        page.wait_for_selector("#preview")
        shot(page, tmp_path, "app-photo-preview")
        page.click("#retake")                                   # a second try, before anything is sent
        use(f"/api/sandbox/v1/personas/{citizen['pid']}/card-photo", side="front", shot=7)
        page.wait_for_selector("h1:has-text('ด้านหลัง')", timeout=30_000)
        # Back to the front (the server takes it again), then forward.
        page.click("#back")
        assert page.locator("#step").inner_text() == "ขั้นตอนที่ 2 จาก 8"
        use(f"/api/sandbox/v1/personas/{citizen['pid']}/card-photo", side="front", shot=8)
        page.wait_for_selector("h1:has-text('ด้านหลัง')", timeout=30_000)
        use(f"/api/sandbox/v1/personas/{citizen['pid']}/card-photo", side="back", shot=7)
        page.wait_for_selector("#card-ok", timeout=30_000)
        # The language switch keeps the citizen on this step, in the other language.
        page.click("#lang")
        assert page.locator("#step").inner_text() == "Step 4 of 8"
        assert page.locator("h1").inner_text() == "Check your card's data"
        page.click("#lang")
        assert page.locator("#step").inner_text() == "ขั้นตอนที่ 4 จาก 8"
        # The citizen checks what the camera read and corrects it, as a person would.
        # The birth date as the card prints it: Buddhist era, day first (the app sends ISO 8601).
        for field, value in card_as_printed(citizen):
            page.fill(f"#{field}", value)
        shot(page, tmp_path, "app-check-card")
        page.click("#card-ok")
        page.wait_for_selector("h1:has-text('ใบหน้า')", timeout=30_000)
        selfie = f"/api/sandbox/v1/personas/{citizen['pid']}/selfie"
        use(selfie, attempt=7)
        page.wait_for_selector("#challenge", state="attached")
        challenge = page.locator("#challenge").get_attribute("data-challenge")
        use(selfie, attempt=7, turn=challenge)
        choose_passcode(page)
        page.wait_for_selector("#consent-text")
        # Back from the consent: the passcode can be chosen again until the consent is given.
        page.click("#back")
        assert page.locator("#step").inner_text() == "ขั้นตอนที่ 7 จาก 8"
        type_passcode(page)
        page.wait_for_selector("#keypad >> text=ใส่รหัสผ่านอีกครั้ง")
        type_passcode(page)
        page.wait_for_selector("#consent-text")
        shot(page, tmp_path, "app-consent")
        page.click("#consent-agree")
        type_passcode(page, "27394816")                       # not the passcode just chosen
        page.wait_for_selector("#error")
        type_passcode(page)
        page.wait_for_selector("#enrolled", timeout=30_000)
        assert page.locator("#enrolled").inner_text() == "ยืนยันใบหน้ากับบัตรประชาชนแล้ว (IAL 2.1)"
        shot(page, tmp_path, "app-enrolled")
        page.click("#lang")  # the app in English, on the same screen, remembered
        assert page.locator("h1").inner_text() == "You are enrolled"
        page.click("#start")
        assert page.locator("#scan").inner_text() == "Scan to sign in"
        page.reload()
        assert page.locator("#card").inner_text() == "Digital ID card"
        # A pasted link that is not this Tuaton's sign-in is refused in words the citizen can read.
        for link, words in (("https://[::1/s/abc", "This is not a Tuaton sign-in QR code."),
                            ("https://evil.example/s/abc", "belongs to https://evil.example")):
            page.click("#scan")
            page.fill("#paste", link)
            page.click("#paste-go")
            assert words in page.locator("#error").inner_text()
            page.click("#home")
        # The citizen changes the passcode: a weak one is refused with the reason, then a good one.
        page.click("#change-passcode")
        type_passcode(page)  # the current one
        type_passcode(page, "12345678")
        type_passcode(page, "12345678")
        page.wait_for_selector("#error")
        assert "4 digits in sequence" in page.locator("#error").inner_text()
        type_passcode(page)
        type_passcode(page, "27394816")
        type_passcode(page, "27394816")
        page.wait_for_selector("#passcode-changed")


def card_photo_until_read(page, after: str, press=None) -> None:
    """Use the sandbox's card photo; about 1 back in 20 of the simulated photos is unreadable (as a
    real one can be), and the app says so on the same step: take another, as a citizen would."""
    press = press or (lambda selector: page.click(selector))
    for _ in range(3):
        press("#sandbox-photo")
        press("#use-photo")
        page.wait_for_selector(f"{after}, #error", timeout=60_000)
        if page.locator("#error").count() == 0:
            return
        assert "อ่านข้อมูลบนบัตรไม่ได้" in page.locator("#error").inner_text(), page.locator("#error").inner_text()
        press("#retake")                                   # the message goes with the photo
        assert page.locator("#error").count() == 0
    raise AssertionError("three card photos in a row could not be read")


def enrol_with_sandbox_photos(page, issuer: str, citizen: dict, *, at_selfie=None) -> None:
    """Self-enrolment in the app with no camera: every photo from the sandbox's button, a fresh one
    each time (the card's data are typed as the citizen would correct them)."""
    page.goto(issuer + "/app")
    page.click("#enrol-self")
    page.check("#terms")
    page.click("#terms-next")
    page.wait_for_selector("#sandbox-photos")
    page.wait_for_selector(f"#sandbox-persona option[value='{citizen['pid']}']", state="attached")
    page.select_option("#sandbox-persona", citizen["pid"])
    for heading, after in (("ด้านหน้า", "h1:has-text('ด้านหลัง')"), ("ด้านหลัง", "#card-ok")):
        page.wait_for_selector(f"h1:has-text('{heading}')", timeout=30_000)
        card_photo_until_read(page, after)
    for field, value in card_as_printed(citizen):
        page.fill(f"#{field}", value)
    page.click("#card-ok")
    page.wait_for_selector("h1:has-text('ใบหน้า')", timeout=30_000)
    if at_selfie:
        at_selfie(page)
    page.click("#sandbox-photo")
    page.click("#use-photo")
    page.wait_for_selector("#challenge", state="attached")
    page.click("#sandbox-photo")                             # the persona turning as the app asks
    page.click("#use-photo")
    choose_passcode(page)
    page.click("#consent-agree")
    type_passcode(page)
    page.wait_for_selector("#enrolled", timeout=30_000)


def test_the_sandbox_gives_fresh_photos_so_a_persona_enrols_in_the_app_again(live, phone, personas, tmp_path):
    """The sandbox's photo button gives a new synthetic photo each time: the same persona enrols on a
    second phone (no "this photo was already used"), and is warned first that the ID will move."""
    issuer, _, _ = live
    citizen = personas[5]
    with phone(camera_video(tmp_path / "blank.y4m", None), issuer, profile="first") as page:
        # Without a persona chosen, the button says so instead of sending nothing.
        page.goto(issuer + "/app")
        page.click("#enrol-self")
        page.check("#terms")
        page.click("#terms-next")
        page.click("#sandbox-photo")
        assert "เลือกบุคคลทดสอบก่อน" in page.locator("#error").inner_text()
        enrol_with_sandbox_photos(page, issuer, citizen, at_selfie=lambda page: (
            page.locator("#already-enrolled").count() == 0 or pytest.fail("a first enrolment was warned")))
    with phone(camera_video(tmp_path / "blank.y4m", None), issuer, profile="second") as page:
        def warned(page) -> None:
            assert "ตัวตนจะย้ายมาที่เครื่องนี้" in page.locator("#already-enrolled").inner_text()
        enrol_with_sandbox_photos(page, issuer, citizen, at_selfie=warned)
        assert page.locator("#enrolled").inner_text() == "ยืนยันใบหน้ากับบัตรประชาชนแล้ว (IAL 2.1)"


def test_the_verifier_page_checks_cards_with_no_connection(live, phone, personas, tmp_path):
    """A guard's browser: online once (it keeps the issuer's keys and lists), then offline."""
    issuer, system, _ = live
    citizen = personas[4]
    app = AppClient(issuer)
    device = app.enroll_card_data_only(citizen["pid"], PASSCODE)
    body = app.fetch_card(device, PASSCODE)
    card = StoredCard(body["credential"], body["issuer"], body["audience"], body["expires_at"], int(time.time()))

    def check(page, presentation: str) -> tuple[str, str]:
        page.fill("#presentation", presentation)
        page.evaluate("document.getElementById('verify-result').removeAttribute('data-valid')")
        page.click("#verify")
        page.wait_for_selector("#verify-result[data-valid]")
        result = page.locator("#verify-result")
        return result.get_attribute("data-valid"), result.get_attribute("data-reason") or ""

    with phone(camera_video(tmp_path / "blank.y4m", None), issuer, profile="guard") as page:
        page.goto(issuer + "/verify")
        page.wait_for_selector("#trust-status[data-fetched-at]")
        assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)") == issuer + "/verify"
        page.context.set_offline(True)
        page.reload()
        page.wait_for_selector("#trust-status[data-fetched-at]")  # from this browser's cache

        shown = present(card, device, Showing.NAME_PHOTO)["presentation"]
        assert check(page, shown) == ("true", "")
        assert page.locator("[data-claim='name']").inner_text().endswith(citizen["family_name_th"])
        assert page.evaluate("document.getElementById('verified-photo').naturalWidth") > 0
        assert check(page, shown) == ("false", "replayed")
        assert check(page, present(card, device, Showing.FULL, now=int(time.time()) - 90)["presentation"]) \
            == ("false", "stale")
        forged = present(card, device, Showing.AGE_OVER_20)["presentation"].replace("~", "~" + _disclosure(
            card, "pid") + "~", 1)
        assert check(page, forged) == ("false", "binding_invalid")  # a disclosure the phone did not sign for
        assert check(page, "not a card") == ("false", "malformed")
        assert check(page, shown.rsplit("~", 1)[0] + "~") == ("false", "not_bound")  # no phone signature

        # The phone is reported lost; once the guard is online again and refreshes, the card fails.
        system.citizens.lock_device(device.identity_id, device.device_id)
        assert check(page, present(card, device, Showing.AGE_OVER_20)["presentation"]) == ("true", "")  # old list
        page.context.set_offline(False)
        # Waiting for "a fetch" raced with the refresh (the cached one had set it): wait for this one.
        page.evaluate("delete document.getElementById('trust-status').dataset.fetchedAt")
        page.click("#refresh")
        page.wait_for_selector("#trust-status[data-fetched-at]")
        assert check(page, present(card, device, Showing.AGE_OVER_20)["presentation"]) == ("false", "revoked")


def _disclosure(card: StoredCard, name: str) -> str:
    return next(d.encoded for d in sd_jwt.IssuedSdJwt.parse(card.credential).disclosures if d.name == name)
