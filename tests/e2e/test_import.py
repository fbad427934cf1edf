"""Browser: a manager uploads a customers file, reads the preview (counts and the bad row),
imports the valid rows and watches the progress bar reach 100 %; and the same import runs
through a real Celery worker."""

import csv
import io
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from customers.models import Customer, ImportJob
from tests.aftersales.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = 2000


def customers_csv(count: int, *, bad_rows: int = 0) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["external_id", "name", "phone", "segment", "tags"])
    for index in range(count):
        writer.writerow(
            [f"E2E-{index:05d}", f"客户 {index}", f"137{index:08d}", "regular", "e2e"]
        )
    for index in range(bad_rows):
        writer.writerow([f"BAD-{index}", "", "12345", "gold", ""])
    return buffer.getvalue().encode("utf-8-sig")


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username or e-mail").fill(username)
    page.get_by_label("Password").fill("demo")
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome")


def test_upload_preview_and_import_customers(page: Page, live_server):
    call_command("demo_data", verbosity=0)
    base = live_server.url
    before = Customer.objects.count()

    sign_in(page, base, "manager")
    page.get_by_role("link", name="Customers", exact=True).click()
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("Contents").select_option("customers")
    page.get_by_label("File").set_input_files(
        {
            "name": "customers.csv",
            "mimeType": "text/csv",
            "buffer": customers_csv(ROWS, bad_rows=1),
        }
    )
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_test_id("total-rows")).to_have_text(str(ROWS + 1))
    expect(page.get_by_test_id("valid-rows")).to_have_text(str(ROWS))
    expect(page.get_by_test_id("error-rows")).to_have_text("1")
    errors = page.get_by_test_id("import-errors")
    expect(errors).to_contain_text(str(ROWS + 2))  # the bad row's number
    expect(errors).to_contain_text("A name is required.")
    assert Customer.objects.count() == before  # the preview wrote nothing

    page.get_by_role("button", name=f"Import {ROWS} valid rows").click()

    bar = page.get_by_test_id("import-progress-bar")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#import-header-status")).to_have_text("Done")
    expect(page.get_by_test_id("import-result")).to_contain_text(
        f"Done: {ROWS} created, 0 updated."
    )
    assert page.get_by_test_id("import-progress").get_attribute("hx-trigger") is None
    assert Customer.objects.count() == before + ROWS
    job = ImportJob.objects.get()
    assert (job.status, job.created_rows, job.processed_rows) == ("done", ROWS, ROWS)


@pytest.mark.worker
def test_import_runs_through_a_real_worker(
    celery_worker_process, page: Page, live_server
):
    UserFactory(username="boss", roles=["manager"], password="demo")

    sign_in(page, live_server.url, "boss")
    page.goto(live_server.url + reverse("customers:import-list"))
    page.get_by_label("File").set_input_files(
        {"name": "customers.csv", "mimeType": "text/csv", "buffer": customers_csv(ROWS)}
    )
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name=f"Import {ROWS} valid rows").click()

    # the request only queued it: the page polls while a worker runs it
    progress = page.get_by_test_id("import-progress")
    expect(progress).to_have_attribute("hx-trigger", "every 1s")
    job = ImportJob.objects.get()
    seen = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.add(job.status)
        if job.status in {"done", "failed"}:
            break
        time.sleep(0.2)
    assert (job.status, job.message) == ("done", "")
    assert (job.created_rows, job.updated_rows, job.processed_rows) == (ROWS, 0, ROWS)
    assert seen & {"queued", "running"}
    assert Customer.objects.filter(external_id__startswith="E2E-").count() == ROWS
    # htmx swapped the result in without a reload, and stopped polling
    expect(page.get_by_test_id("import-result")).to_contain_text(
        f"Done: {ROWS} created, 0 updated.", timeout=10_000
    )
    expect(page.get_by_test_id("import-progress-bar")).to_have_attribute(
        "aria-valuenow", "100"
    )
    expect(progress).not_to_have_attribute("hx-trigger", "every 1s")
    expect(page.locator("#import-header-status")).to_have_text("Done")
