"""The office dashboard as a clerk uses it in the browser, shared by the /office page tests:
log in, open a view, wait for what it shows, save what it downloads."""

import json
from pathlib import Path

WAIT_SECONDS = 20
DEMO_LOGIN = ("office", "demo1234")


class Dashboard:
    """The page as a clerk uses it: log in, open a view, wait for what it shows."""

    def __init__(self, driver, url):
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver, self.url = driver, url
        self.wait = WebDriverWait(driver, WAIT_SECONDS)

    def find(self, css):
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def shown(self, css):
        """Wait until an element matching css is displayed, and return it."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        return self.wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, css)))

    def text_in(self, css, text):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec

        self.wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
        return self.find(css)

    def log_in(self, username=DEMO_LOGIN[0], password=DEMO_LOGIN[1]):
        self.driver.get(f"{self.url}/office")
        self.shown("#username").send_keys(username)
        self.find("#password").send_keys(password)
        self.find("#login-button").click()

    def open(self, hash_):
        self.driver.execute_script("location.hash = arguments[0]", hash_)

    def token(self) -> str:
        saved = self.driver.execute_script("return localStorage.getItem('xianfeng.office.session')")
        return json.loads(saved)["token"]


def allow_downloads(driver, folder: Path) -> Path:
    """Let the headless browser save downloads into folder."""
    folder.mkdir()
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(folder)}
    )
    return folder


def downloaded(dashboard, folder: Path, suffix: str) -> Path:
    dashboard.wait.until(lambda d: [p for p in folder.iterdir() if p.name.endswith(suffix)])
    (path,) = [p for p in folder.iterdir() if p.name.endswith(suffix)]
    return path
