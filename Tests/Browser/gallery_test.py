#!/usr/bin/env python3
"""Browser tests of the web gallery, in a real headless Chromium (Debian chromium and
chromium-driver, Python selenium), against the real `creative serve` on 127.0.0.1 with two
users. Run by scripts/test.sh after the Swift tests:

    python3 Tests/Browser/gallery_test.py .build/debug/creative

Every page is checked for browser console errors. GALLERY_SCREENSHOT=docs/gallery.png writes
the README's screenshot.
"""
import base64
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request

os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium look for a driver online
from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ALICE = "alice-token-0123456789abcdef"
BOB = "bob-token-0123456789abcdef012"
# A 48×32 black PNG (`vips black b.png 48 32 --bands 3`).
BLACK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAADAAAAAgCAIAAADbtmxLAAAACXBIWXMAAAPoAAAD6AG1e1JrAAAAGklEQVRYhe3BAQEAAACCIP+vbkhAAQAAAPBsEiAAAcwKt6EAAAAASUVORK5CYII=")


class Engine:
    """`creative serve --port 0` on a fresh library, with tokens for alice and bob."""

    def __init__(self, binary):
        self.root = tempfile.mkdtemp(prefix="creative-gallery-")
        self.library = os.path.join(self.root, "library")
        env = dict(os.environ)
        env.update({
            "CREATIVE_API_TOKENS": f"{ALICE}:alice,{BOB}:bob",
            "CREATIVE_TOKENS_FILE": os.path.join(self.root, "tokens"),
            "CREATIVE_LIBRARY": self.library,
        })
        for key in ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "STABILITY_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY"]:
            env.pop(key, None)
        subprocess.run([binary, "init"], env=env, check=True, capture_output=True)
        self.log = open(os.path.join(self.root, "serve.log"), "w+")
        self.process = subprocess.Popen([binary, "serve", "--port", "0"], env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self.base = None
        deadline = time.time() + 30
        while time.time() < deadline and self.base is None:
            time.sleep(0.1)
            self.log.seek(0)
            found = re.search(r"serving (http://127\.0\.0\.1:\d+)/", self.log.read())
            if found:
                self.base = found.group(1)
        if self.base is None:
            raise RuntimeError("creative serve did not say where it listens")

    def api(self, method, path, token, body=None, headers=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, dict(response.headers), json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), json.loads(error.read() or b"null")

    def generate(self, token, kind, **fields):
        status, _, body = self.api("POST", f"/api/creative/{kind}/generate?wait=true", token, fields)
        assert status == 200 and body["success"], (status, body)
        return body["assetId"]

    def sidecar(self, asset_id):
        paths = glob.glob(os.path.join(self.library, "assets", "**", f"*{asset_id}", "asset.json"), recursive=True)
        with open(paths[0]) as f:
            return json.load(f)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


class Browser:
    def __init__(self, engine):
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1200,860", "--autoplay-policy=no-user-gesture-required"]:
            options.add_argument(argument)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(60)
        self.driver.set_script_timeout(30)
        self.engine = engine
        self.pages = []

    def get(self, path):
        start = time.time()
        self.driver.get(self.engine.base + path)
        self.pages.append(path)
        if time.time() - start > 2:
            print(f"  (slow page load: {path} took {time.time() - start:.1f} s)")

    def wait(self, condition, timeout=30, what="the condition"):
        # A page that reloads under the condition leaves stale elements: look again.
        return WebDriverWait(self.driver, timeout, ignored_exceptions=[StaleElementReferenceException]).until(
            lambda _: condition(), message=f"waited {timeout} s for {what}")

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def errors(self):
        """Console errors since the last call (a failed request counts)."""
        return [entry for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"]

    def sign_in(self, token):
        self.get("/")
        assert self.driver.current_url.endswith("/signin"), self.driver.current_url
        assert self.errors() == [], "console errors on the sign-in page"
        self.find("input[name=token]").send_keys(token + Keys.ENTER)
        self.wait(lambda: self.driver.current_url == self.engine.base + "/", what="the library after signing in")

    def card_ids(self):
        return [card.get_attribute("data-asset-id") for card in self.all("#grid .card")]

    def quit(self):
        self.driver.quit()


def run(binary):
    engine = Engine(binary)
    results = []
    alice = bob = None
    try:
        ids = {
            "fox": engine.generate(ALICE, "image", prompt="a red fox in deep snow", width=256, height=256),
            "harbour": engine.generate(ALICE, "image", prompt="a blue harbour at dawn", width=256, height=256),
            "forest": engine.generate(ALICE, "image", prompt="a green forest path", width=256, height=256),
            "speech": engine.generate(ALICE, "audio", prompt="Welcome to the gallery."),
            "video": engine.generate(ALICE, "video", prompt="waves at sunset", width=320, height=180, seconds=2),
        }
        secret = engine.generate(BOB, "image", prompt="bob's private sketch", width=128, height=128)
        alice = Browser(engine)
        alice.sign_in(ALICE)

        def test(name):
            def register(body):
                results.append((name, body))
                return body
            return register

        @test("the grid at first paint: every card, with its thumbnail and alt text")
        def _grid():
            alice.get("/")
            alice.wait(lambda: len(alice.card_ids()) == 5, what="five cards")
            assert set(alice.card_ids()) == set(ids.values()), alice.card_ids()
            images = alice.all("#grid .card img")
            assert len(images) == 5 and all(image.get_attribute("alt") for image in images)
            alice.wait(lambda: alice.driver.execute_script(
                "return [...document.querySelectorAll('#grid img')].every(i => i.complete && i.naturalWidth > 0)"), what="thumbnails to load")
            assert alice.find("[aria-current=page]").text == "Library"

        @test("search narrows the grid to what matches")
        def _search():
            alice.get("/")
            box = alice.find("input[type=search]")
            box.send_keys("fox" + Keys.ENTER)
            alice.wait(lambda: alice.card_ids() == [ids["fox"]], what="only the fox")
            assert "text=fox" in alice.driver.current_url

        @test("a prompt dropped into inbox/ shows up in the open gallery without a reload")
        def _live():
            alice.get("/")
            alice.wait(lambda: len(alice.card_ids()) == 5, what="five cards")
            alice.driver.execute_script("window.notReloaded = true")
            inbox = os.path.join(engine.library, "inbox", "alice")
            os.makedirs(inbox, exist_ok=True)
            with open(os.path.join(inbox, "lighthouse.txt"), "w") as f:
                f.write("a violet lighthouse at dusk\n")
            alice.wait(lambda: any("violet lighthouse" in t.text for t in alice.all("#grid .card .title")), timeout=60, what="the inbox asset")
            assert alice.driver.execute_script("return window.notReloaded === true")

        @test("upload: a file chosen (or dropped) becomes an asset in the open grid")
        def _upload():
            alice.get("/")
            alice.wait(lambda: len(alice.card_ids()) >= 5, what="the cards")
            path = os.path.join(engine.root, "night-sky.png")
            with open(path, "wb") as f:
                f.write(BLACK_PNG)
            alice.find("input[type=file][name=files]").send_keys(path)
            alice.wait(lambda: any(t.text == "night-sky" for t in alice.all("#grid .card .title")), what="the uploaded card")
            card = [c for c in alice.all("#grid .card") if "night-sky" in c.text][0]
            assert engine.sidecar(card.get_attribute("data-asset-id"))["source"] == "uploaded"
            # A drop on the page goes the same way.
            alice.driver.execute_script(
                "const bytes = new TextEncoder().encode('# Dropped note\\n\\nHello.');"
                "const file = new File([bytes], 'dropped-note.md', {type: 'text/markdown'});"
                "const data = new DataTransfer(); data.items.add(file);"
                "document.dispatchEvent(new DragEvent('dragenter', {dataTransfer: data}));"
                "document.dispatchEvent(new DragEvent('drop', {dataTransfer: data, cancelable: true}));")
            alice.wait(lambda: any(t.text == "dropped-note" for t in alice.all("#grid .card .title")), what="the dropped card")

        @test("favorite and tags reach the sidecar")
        def _favorite_tags():
            alice.get(f"/assets/{ids['fox']}")
            button = alice.find("main [data-action=favorite]")
            button.click()
            alice.wait(lambda: button.get_attribute("aria-pressed") == "true", what="the favorite to show")
            alice.wait(lambda: engine.sidecar(ids["fox"]).get("isFavorite") is True, what="isFavorite in asset.json")
            field = alice.find("form[data-action=tag] input[name=tags]")
            field.send_keys("wildlife, orange" + Keys.ENTER)
            alice.wait(lambda: {t.text for t in alice.all(".taglist .tag")} >= {"wildlife", "orange"}, what="the tags to show")
            assert {"wildlife", "orange"} <= set(engine.sidecar(ids["fox"]).get("tags", []))
            # And the card in the grid says so.
            alice.get("/")
            card_star = alice.find(f'.card[data-asset-id="{ids["fox"]}"] [data-action=favorite]')
            assert card_star.get_attribute("aria-pressed") == "true"

        @test("the generate form makes an asset and shows the job's progress")
        def _generate():
            alice.get("/generate")
            alice.find("textarea[name=prompt]").send_keys("a teal kite over dunes")
            alice.find("form[data-action=generate] button[type=submit]").click()
            alice.wait(lambda: alice.find("#gen-progress").is_displayed(), what="the progress bar")
            link = alice.wait(lambda: alice.all("a[data-result-asset-id]"), timeout=60, what="the finished asset")[0]
            assert alice.find("#gen-progress").get_attribute("value") == "100" and alice.find("#gen-state").text == "Done."
            made = link.get_attribute("data-result-asset-id")
            link.click()
            alice.wait(lambda: alice.driver.current_url.endswith(f"/assets/{made}"), what="the asset page")
            assert "teal kite" in alice.find("h1").text
            assert engine.sidecar(made)["prompt"] == "a teal kite over dunes"

        @test("the generate form also improves copy and lists ideas")
        def _copy_kinds():
            alice.get("/generate")
            alice.find("input[name=kind][value=ideas]").click()
            assert not alice.find("textarea[name=prompt]").is_displayed() and alice.find("input[name=topic]").is_displayed()
            alice.find("input[name=topic]").send_keys("home coffee roasting")
            count = alice.find("input[name=count]")
            count.clear()
            count.send_keys("4")
            alice.find("form[data-action=generate] button[type=submit]").click()
            alice.wait(lambda: alice.find("#gen-text").is_displayed(), what="the ideas")
            lines = alice.find("#gen-text").text.splitlines()
            assert len(lines) == 4 and lines[0].startswith("1. "), lines
            alice.find("input[name=kind][value=improve]").click()
            alice.find("textarea[name=original]").send_keys("In order to really make sure that you get the best results, it is very important to read this.")
            alice.find("form[data-action=generate] button[type=submit]").click()
            alice.wait(lambda: "•" in alice.find("#gen-text").text, what="the improved copy")

        @test("audio plays and video seeks")
        def _media():
            alice.get(f"/assets/{ids['speech']}")
            played = alice.driver.execute_async_script(
                "const done = arguments[arguments.length - 1]; const a = document.querySelector('audio'); a.muted = true;"
                "a.play().then(() => setTimeout(() => done({t: a.currentTime, d: a.duration}), 700)).catch(e => done({error: String(e)}))")
            assert "error" not in played and played["t"] > 0 and played["d"] > 0.5, played
            alice.get(f"/assets/{ids['video']}")
            playable = alice.driver.execute_script("return document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.42E01E, mp4a.40.2\"')")
            if playable:
                seeked = alice.driver.execute_async_script(
                    "const done = arguments[arguments.length - 1]; const v = document.querySelector('video');"
                    "const go = () => { v.addEventListener('seeked', () => done({t: v.currentTime, d: v.duration}), {once: true}); v.currentTime = 1.2; };"
                    "if (v.readyState >= 1) go(); else v.addEventListener('loadedmetadata', go, {once: true});")
                assert abs(seeked["t"] - 1.2) < 0.1 and abs(seeked["d"] - 2) < 0.2, seeked
            else:
                # This chromium has no H.264: the player and its poster are there; seeking is tested with audio.
                assert alice.find("video").get_attribute("poster")
                print("  (this chromium cannot decode H.264; the video's player is checked, not its playback)")

        @test("delete moves an asset to the trash and restore brings it back")
        def _trash():
            alice.get(f"/assets/{ids['forest']}")
            alice.find("[data-action=delete]").click()
            alice.wait(lambda: alice.driver.current_url.endswith("/trash"), what="the trash page")
            restore = alice.find(f'.card[data-asset-id="{ids["forest"]}"] [data-action=restore]')
            assert not glob.glob(os.path.join(engine.library, "assets", "**", f"*{ids['forest']}"), recursive=True)
            restore.click()
            alice.wait(lambda: not alice.all(f'.card[data-asset-id="{ids["forest"]}"]'), what="the card to leave the trash")
            assert engine.sidecar(ids["forest"])["id"] == ids["forest"]
            alice.get("/")
            alice.wait(lambda: ids["forest"] in alice.card_ids(), what="the restored card")

        @test("keyboard: / searches, arrows move between cards, Enter opens")
        def _keyboard():
            alice.get("/")
            alice.wait(lambda: len(alice.card_ids()) >= 6, what="the cards")
            alice.find("body").send_keys("/")
            assert alice.driver.switch_to.active_element.get_attribute("type") == "search"
            first = alice.find("#grid .card a.open")
            alice.driver.execute_script("arguments[0].focus()", first)
            alice.driver.switch_to.active_element.send_keys(Keys.ARROW_RIGHT)
            second = alice.all("#grid .card")[1]
            focused = alice.driver.switch_to.active_element
            assert focused == second.find_element(By.CSS_SELECTOR, "a.open"), focused.get_attribute("outerHTML")
            target = second.get_attribute("data-asset-id")
            focused.send_keys(Keys.ENTER)
            alice.wait(lambda: alice.driver.current_url.endswith("/assets/" + target), what="the second card's page")

        @test("templates: create with a live preview of its placeholders, edit it, use it")
        def _templates():
            alice.get("/templates")
            alice.find("details.new-template summary").click()
            form = alice.find("form[data-action=create-template]")
            form.find_element(By.NAME, "name").send_keys("Poster")
            form.find_element(By.NAME, "prompt").send_keys("A poster for {{event}} in {{city}}")
            alice.wait(lambda: form.find_element(By.CSS_SELECTOR, "[data-preview]").text == "event, city", what="the placeholders preview")
            form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
            alice.wait(lambda: any(h.text.startswith("Poster") for h in alice.all(".template h2")), what="the new template")
            item = [t for t in alice.all(".template") if t.find_element(By.TAG_NAME, "h2").text.startswith("Poster")][0]
            template_id = item.get_attribute("data-template-id")
            item.find_element(By.CSS_SELECTOR, "details.edit-template summary").click()
            prompt = item.find_element(By.CSS_SELECTOR, "form[data-action=edit-template] textarea[name=prompt]")
            prompt.clear()
            prompt.send_keys("A festival poster for {{event}}")
            item.find_element(By.CSS_SELECTOR, "form[data-action=edit-template] button[type=submit]").click()
            alice.wait(lambda: "festival poster" in alice.find(f'.template[data-template-id="{template_id}"] .prompt').text, what="the edited prompt")
            item = alice.find(f'.template[data-template-id="{template_id}"]')
            item.find_element(By.CSS_SELECTOR, "form[data-action=use-template] input[name=event]").send_keys("Jazz Night")
            item.find_element(By.CSS_SELECTOR, "form[data-action=use-template] button[type=submit]").click()
            alice.wait(lambda: item.find_elements(By.CSS_SELECTOR, ".result a"), timeout=60, what="the template's result")
            # Defaults are not editable.
            default = alice.find('.template[data-template-id="01KMDEFAVT0000000000000001"]')
            assert not default.find_elements(By.CSS_SELECTOR, "form[data-action=edit-template]")

        @test("another user's private asset is never shown")
        def _privacy():
            nonlocal bob
            bob = Browser(engine)
            bob.sign_in(BOB)
            bob.wait(lambda: bob.card_ids() == [secret], what="bob's one card")
            # Alice makes another while bob looks: his stream does not carry it.
            late = engine.generate(ALICE, "image", prompt="alice's late sketch", width=128, height=128)
            time.sleep(2)
            assert bob.card_ids() == [secret] and late not in bob.driver.page_source
            for path in [f"/cards/{ids['fox']}", f"/assets/{ids['fox']}", f"/api/creative/asset/{ids['fox']}"]:
                status, _, _ = engine.api("GET", path, BOB)
                assert status == 404, (path, status)
            assert bob.errors() == []
            # A write from another site is refused even with a session.
            status, _, body = engine.api("POST", f"/api/creative/asset/{secret}/favorite", BOB, headers={"Origin": "http://evil.example"})
            assert status == 403, (status, body)

        @test("security headers on pages: CSP with script-src 'self', no framing")
        def _headers():
            request = urllib.request.Request(engine.base + "/signin")
            with urllib.request.urlopen(request) as response:
                csp = response.headers["Content-Security-Policy"]
                assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and response.headers["X-Frame-Options"] == "DENY"
                html = response.read().decode()
            assert "<script>" not in html and "onclick" not in html

        @test("no console errors on any page")
        def _console():
            for path in ["/", "/?type=image", "/generate", "/templates", "/jobs", "/trash"] + [f"/assets/{i}" for i in ids.values()]:
                alice.get(path)
                time.sleep(0.3)
                errors = alice.errors()
                assert errors == [], (path, errors)

        only = os.environ.get("GALLERY_ONLY")
        if only:
            results[:] = [(name, body) for name, body in results if only in name]
        failed = 0
        for name, body in results:
            try:
                alice.errors()
                body()
                leftover = alice.errors()
                assert leftover == [], f"console errors: {leftover}"
                print(f"✔ {name}")
            except Exception:
                failed += 1
                print(f"✘ {name}")
                traceback.print_exc()
        screenshot = os.environ.get("GALLERY_SCREENSHOT")
        if screenshot:
            alice.get("/")
            time.sleep(1)
            alice.driver.save_screenshot(screenshot)
        print(f"{len(results) - failed} of {len(results)} browser tests passed")
        return 1 if failed else 0
    finally:
        for browser in [alice, bob]:
            if browser:
                browser.quit()
        if os.environ.get("GALLERY_KEEP"):
            print("library kept at", engine.library)
        engine.stop()


if __name__ == "__main__":
    sys.exit(run(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/creative"))
