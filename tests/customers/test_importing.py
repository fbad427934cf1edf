"""Import of customers and owned products from CSV/XLSX: the preview validates every row
without writing; the run writes exactly the valid rows in one transaction, or nothing;
exports re-import as updates."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from aftersales.exceptions import StaleObject
from aftersales.models import JobRun
from customers import services
from customers.imports import importing
from customers.models import (
    ArchiveAccess,
    ConsentChange,
    Customer,
    CustomerPhone,
    ImportJob,
    OwnedProduct,
    Party,
    Tag,
)
from tests.aftersales.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

CUSTOMERS = importing.ImportJob.Kind.CUSTOMERS
PRODUCTS = importing.ImportJob.Kind.PRODUCTS


# --- Helpers ----------------------------------------------------------------------------------


def csv_file(
    rows: list[list], name: str = "customers.csv", encoding: str = "utf-8-sig"
) -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), "text/csv")


def xlsx_file(rows: list[list], name: str = "customers.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def preview(actor, rows=None, *, kind=CUSTOMERS, upload=None) -> ImportJob:
    return importing.import_preview(
        actor=actor, kind=kind, uploaded_file=upload or csv_file(rows)
    )


def run(job: ImportJob, actor, capture) -> ImportJob:
    """Start the import; the task runs eagerly when the start commits."""
    with capture(execute=True):
        importing.import_start(job=job, actor=actor)
    job.refresh_from_db()
    return job


CUSTOMER_HEADER = [
    "external_id", "name", "kind", "phone", "email", "segment", "region",
    "consent_service", "consent_marketing", "tags",
]  # fmt: skip
CLEAN_CUSTOMERS = [
    CUSTOMER_HEADER,
    ["C1", "Zhang San", "person", "13800138000", "zhang@example.com", "new", "urban",
     "yes", "no", "VIP"],
    ["C2", "Acme Ltd", "organisation", "010-12345678;+86 139 0013 9000", "", "key",
     "rural", "1", "true", "dealer;VIP"],
    ["C3", "王五", "", "", "", "", "", "", "", ""],
]  # fmt: skip


@pytest.fixture
def manager(manager_user):
    return manager_user


@pytest.fixture
def vehicle_model(manager):
    producer = services.party_save(actor=manager, name="Acme Motors", kind="producer")
    return services.product_model_save(
        actor=manager,
        producer=producer,
        code="V1",
        name="Family car",
        category="vehicle",
        main_components=["engine", "transmission"],
    )


@pytest.fixture
def owners(manager):
    return [
        services.customer_create(actor=manager, name=name, external_id=external_id)
        for external_id, name in (("C1", "Zhang San"), ("C2", "Li Si"))
    ]


# --- Customers --------------------------------------------------------------------------------


def test_clean_customers_csv_previews_without_writing(manager):
    job = preview(manager, CLEAN_CUSTOMERS)

    assert (job.status, job.total_rows, job.valid_rows) == ("previewed", 3, 3)
    assert job.errors == []
    assert job.original_name == "customers.csv"
    assert Customer.objects.count() == 0
    assert ConsentChange.objects.count() == 0


def test_clean_customers_csv_imports_every_row(
    manager, django_capture_on_commit_callbacks
):
    job = run(
        preview(manager, CLEAN_CUSTOMERS), manager, django_capture_on_commit_callbacks
    )

    assert (job.status, job.created_rows, job.updated_rows) == ("done", 3, 0)
    assert (job.processed_rows, job.percent) == (3, 100)
    zhang = Customer.objects.get(external_id="C1")
    assert (zhang.name, zhang.search_name, zhang.email) == (
        "Zhang San",
        "zhang san",
        "zhang@example.com",
    )
    assert list(zhang.phones.values_list("number", "kind", "is_primary")) == [
        ("+8613800138000", "mobile", True)
    ]
    assert (zhang.consent_service, zhang.consent_marketing) == (True, False)
    assert zhang.consent_service_at is not None
    assert zhang.last_activity_at is not None
    acme = Customer.objects.get(external_id="C2")
    assert (acme.kind, acme.segment, acme.region) == ("organisation", "key", "rural")
    assert list(acme.phones.values_list("number", "kind", "is_primary")) == [
        ("+861012345678", "fixed", True),
        ("+8613900139000", "mobile", False),
    ]
    assert sorted(acme.tags.values_list("name", flat=True)) == ["VIP", "dealer"]
    assert (acme.consent_service, acme.consent_marketing) == (True, True)
    wang = Customer.objects.get(external_id="C3")
    assert (wang.kind, wang.segment, wang.region) == ("person", "new", "urban")
    assert wang.phones.count() == 0
    assert Tag.objects.count() == 2
    changes = ConsentChange.objects.filter(customer=acme).order_by("kind")
    assert [(c.kind, c.granted, c.source, c.recorded_by) for c in changes] == [
        ("marketing", True, f"import #{job.pk}", manager),
        ("service", True, f"import #{job.pk}", manager),
    ]
    assert ConsentChange.objects.count() == 6
    run_row = JobRun.objects.get(name="archive_import")
    assert (run_row.status, run_row.items) == ("succeeded", 3)


def test_clean_xlsx_with_number_and_date_cells_imports(
    manager, django_capture_on_commit_callbacks
):
    upload = xlsx_file(
        [
            ["External_ID", " Name ", "PHONE", "Notes", "consent_marketing"],
            ["X1", "Zhao Liu", 13800138000, "ignored column", True],
            ["X2", "Qian Qi", 13900139000.0, None, "否"],
        ]
    )
    job = preview(manager, upload=upload)
    assert (job.total_rows, job.valid_rows, job.errors) == (2, 2, [])

    job = run(job, manager, django_capture_on_commit_callbacks)

    assert (job.status, job.created_rows) == ("done", 2)
    zhao = Customer.objects.get(external_id="X1")
    assert zhao.phones.get().number == "+8613800138000"
    assert zhao.consent_marketing is True
    assert Customer.objects.get(external_id="X2").phones.get().national == "13900139000"


BAD_CUSTOMERS = [
    CUSTOMER_HEADER,
    ["C1", "Zhang San", "person", "13800138000", "zhang@example.com", "new", "urban",
     "yes", "no", "VIP"],
    ["C2", "", "alien", "12345", "not-an-email", "gold", "city", "maybe", "", ""],
    ["C1", "Li Si", "", "13900139000", "", "", "", "", "", ""],
    ["", "", "", "", "", "", "", "", "", ""],
    ["C3", "Wang Wu", "organisation", "010-12345678;13700137000", "", "key", "rural",
     "no", "", "A;B"],
]  # fmt: skip
BAD_CUSTOMER_ERRORS = [
    {"row": 3, "field": "name", "message": "A name is required."},
    {"row": 3, "field": "email", "message": "“not-an-email” is not an e-mail address."},
    {
        "row": 3,
        "field": "kind",
        "message": "“alien” is not one of: person, organisation.",
    },
    {
        "row": 3,
        "field": "segment",
        "message": "“gold” is not one of: new, regular, key.",
    },
    {"row": 3, "field": "region", "message": "“city” is not one of: urban, rural."},
    {"row": 3, "field": "consent_service", "message": "“maybe” is not yes or no."},
    {"row": 3, "field": "phone", "message": "“12345” is not a valid phone number."},
    {
        "row": 4,
        "field": "external_id",
        "message": "External id “C1” is already used in row 2.",
    },
]


def test_bad_rows_are_reported_with_their_row_numbers_and_nothing_is_written(manager):
    job = preview(manager, BAD_CUSTOMERS)

    assert (job.status, job.total_rows, job.valid_rows) == ("previewed", 4, 2)
    assert job.errors == BAD_CUSTOMER_ERRORS
    assert Customer.objects.count() == 0
    assert CustomerPhone.objects.count() == 0
    assert Tag.objects.count() == 0


def test_import_writes_exactly_the_valid_rows(
    manager, django_capture_on_commit_callbacks
):
    job = run(
        preview(manager, BAD_CUSTOMERS), manager, django_capture_on_commit_callbacks
    )

    assert (job.status, job.created_rows, job.updated_rows) == ("done", 2, 0)
    assert sorted(Customer.objects.values_list("external_id", "name")) == [
        ("C1", "Zhang San"),
        ("C3", "Wang Wu"),
    ]
    assert job.errors == BAD_CUSTOMER_ERRORS


def test_reimport_of_the_same_file_updates_without_duplicates(
    manager, django_capture_on_commit_callbacks
):
    run(preview(manager, CLEAN_CUSTOMERS), manager, django_capture_on_commit_callbacks)

    again = run(
        preview(manager, CLEAN_CUSTOMERS), manager, django_capture_on_commit_callbacks
    )

    assert (again.status, again.created_rows, again.updated_rows) == ("done", 0, 3)
    assert Customer.objects.count() == 3
    assert CustomerPhone.objects.count() == 3
    assert Customer.tags.through.objects.count() == 3
    assert ConsentChange.objects.count() == 6  # unchanged consent: no new entries


def test_reimport_changes_fields_and_logs_consent_changes(
    manager, django_capture_on_commit_callbacks
):
    run(preview(manager, CLEAN_CUSTOMERS), manager, django_capture_on_commit_callbacks)
    rows = [
        ["external_id", "name", "phone", "consent_marketing", "tags"],
        ["C1", "Zhang San Jr", "13700137000", "yes", ""],
    ]

    job = run(preview(manager, rows), manager, django_capture_on_commit_callbacks)

    assert (job.created_rows, job.updated_rows) == (0, 1)
    zhang = Customer.objects.get(external_id="C1")
    assert (zhang.name, zhang.search_name) == ("Zhang San Jr", "zhang san jr")
    assert zhang.email == "zhang@example.com"  # column absent: unchanged
    assert list(zhang.phones.values_list("number", flat=True)) == ["+8613700137000"]
    assert zhang.tags.count() == 0  # present and blank: cleared
    assert zhang.consent_marketing is True
    assert (
        ConsentChange.objects.filter(customer=zhang, kind="marketing")
        .order_by("-pk")
        .values_list("granted", flat=True)[0]
        is True
    )
    assert ConsentChange.objects.filter(customer=zhang).count() == 3


def test_rows_without_external_id_are_created_on_every_import(
    manager, django_capture_on_commit_callbacks
):
    rows = [["name", "phone"], ["No Id", "13800138000"]]
    run(preview(manager, rows), manager, django_capture_on_commit_callbacks)
    job = run(preview(manager, rows), manager, django_capture_on_commit_callbacks)

    assert (job.created_rows, job.updated_rows) == (1, 0)
    assert Customer.objects.filter(name="No Id").count() == 2


def test_ten_thousand_customers_preview_and_import(
    manager, django_capture_on_commit_callbacks, record_property
):
    rows = [["external_id", "name", "phone", "email", "segment", "city", "tags"]]
    rows += [
        [f"K{i:05d}", f"Customer {i}", f"138{i:08d}", f"c{i}@example.com",
         ("new", "regular", "key")[i % 3], "Shanghai", f"batch;t{i % 10}"]
        for i in range(10_000)
    ]  # fmt: skip
    upload = csv_file(rows, name="big.csv")

    started = time.perf_counter()
    job = importing.import_preview(actor=manager, kind=CUSTOMERS, uploaded_file=upload)
    previewed = time.perf_counter()
    job = run(job, manager, django_capture_on_commit_callbacks)
    finished = time.perf_counter()
    record_property("preview_seconds", round(previewed - started, 2))
    record_property("import_seconds", round(finished - previewed, 2))

    assert (job.total_rows, job.valid_rows, job.errors) == (10_000, 10_000, [])
    assert (job.status, job.created_rows, job.updated_rows) == ("done", 10_000, 0)
    assert Customer.objects.count() == 10_000
    assert CustomerPhone.objects.count() == 10_000
    assert ConsentChange.objects.count() == 20_000
    assert Customer.tags.through.objects.count() == 20_000
    assert Customer.objects.get(external_id="K09999").phones.get().number == (
        "+8613800009999"
    )


def test_missing_required_column_is_one_file_error(manager):
    job = preview(manager, [["external_id", "phone"], ["C1", "13800138000"]])

    assert (job.total_rows, job.valid_rows) == (0, 0)
    assert job.errors == [
        {"row": None, "field": "", "message": "Required columns are missing: name."}
    ]


def test_more_rows_than_the_limit_is_one_file_error(manager, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    job = preview(manager, [["name"], ["a"], ["b"], ["c"], ["d"]])

    assert job.valid_rows == 0
    assert job.errors == [
        {
            "row": None,
            "field": "",
            "message": "The file has more than 3 data rows; split it.",
        }
    ]


@pytest.mark.parametrize(
    ("name", "size", "message"),
    [
        ("customers.txt", 10, "Only .csv and .xlsx files can be imported."),
        ("customers.xls", 10, "Only .csv and .xlsx files can be imported."),
        (
            "customers.csv",
            10 * 1024 * 1024 + 1,
            "The file is larger than 10 MB; split it.",
        ),
    ],
)
def test_wrong_extension_or_oversize_file_is_refused(manager, name, size, message):
    upload = SimpleUploadedFile(name, b"n" * size)

    with pytest.raises(ValidationError) as error:
        importing.import_preview(actor=manager, kind=CUSTOMERS, uploaded_file=upload)

    assert error.value.message_dict == {"file": [message]}
    assert ImportJob.objects.count() == 0


def test_gb18030_csv_is_read(manager, django_capture_on_commit_callbacks):
    rows = [["external_id", "name", "city", "tags"], ["G1", "张三", "上海", "重要客户"]]
    upload = csv_file(rows, encoding="gb18030")

    job = run(
        preview(manager, upload=upload), manager, django_capture_on_commit_callbacks
    )

    assert job.status == "done"
    customer = Customer.objects.get(external_id="G1")
    assert (customer.name, customer.city) == ("张三", "上海")
    assert list(customer.tags.values_list("name", flat=True)) == ["重要客户"]


def test_start_is_compare_and_set(manager, django_capture_on_commit_callbacks):
    job = run(
        preview(manager, CLEAN_CUSTOMERS), manager, django_capture_on_commit_callbacks
    )

    with pytest.raises(StaleObject):
        importing.import_start(job=job, actor=manager)
    assert importing.import_run(job_id=job.pk).status == "done"  # redelivery: no-op
    assert Customer.objects.count() == 3
    assert JobRun.objects.filter(name="archive_import").count() == 1


def test_a_file_without_valid_rows_cannot_be_started(manager):
    job = preview(manager, [["name", "email"], ["", "x"]])

    with pytest.raises(ValidationError):
        importing.import_start(job=job, actor=manager)
    job.refresh_from_db()
    assert job.status == "previewed"


def test_updates_outside_the_importers_scope_are_refused(unit_tree, manager):
    other_branch = UnitFactory(code="bj", kind="branch", parent=unit_tree["co"])
    services.customer_create(
        actor=manager, name="Far Away", external_id="F1", unit=other_branch
    )
    agent = UserFactory(roles=["agent"], units=[unit_tree["hot"]])

    job = preview(agent, [["external_id", "name"], ["F1", "Renamed"]])

    assert job.errors == [
        {
            "row": 2,
            "field": "external_id",
            "message": "An archive outside your scope has this external id.",
        }
    ]
    assert Customer.objects.get(external_id="F1").name == "Far Away"


# --- Products ---------------------------------------------------------------------------------

PRODUCT_HEADER = [
    "external_id", "customer_external_id", "model_code", "serial", "seller", "sale_date",
    "delivery_date", "installation_date", "invoice_number", "invoice_price", "price_paid",
    "is_distance_sale",
]  # fmt: skip


def test_products_import_computes_validity_and_creates_sellers(
    manager, owners, vehicle_model, django_capture_on_commit_callbacks
):
    rows = [
        PRODUCT_HEADER,
        ["P1", "C1", "V1", "VIN001", "Shanghai Auto Mall", "2024-03-01", "2024-03-10",
         "", "INV-1", "150000.00", "149,000", "no"],
        ["P2", "C2", "V1", "VIN002", "", "2024/05/02", "", "", "", "", "", "yes"],
    ]  # fmt: skip

    job = run(
        preview(manager, rows, kind=PRODUCTS),
        manager,
        django_capture_on_commit_callbacks,
    )

    assert (job.status, job.created_rows, job.updated_rows) == ("done", 2, 0)
    first = OwnedProduct.objects.get(external_id="P1")
    assert first.customer == owners[0]
    assert first.seller == Party.objects.get(name="Shanghai Auto Mall", kind="seller")
    assert (first.invoice_price, first.price_paid) == (
        Decimal("150000.00"),
        Decimal("149000.00"),
    )
    assert first.legal_rule_set == "cn-vehicles-2021"
    assert first.validity_start == date(2024, 3, 10)  # vehicles: from delivery
    assert first.validity_end == date(2026, 3, 9)  # 24 months
    assert first.main_validity_end == date(2027, 3, 9)  # engine, transmission: 36
    assert first.component_validity == {
        "engine": "2027-03-09",
        "transmission": "2027-03-09",
    }
    second = OwnedProduct.objects.get(external_id="P2")
    assert (second.seller, second.is_distance_sale) == (None, True)
    assert second.validity_start == date(2024, 5, 2)  # no delivery date: the sale
    assert Party.objects.filter(kind="seller").count() == 1


def test_products_xlsx_date_cells_and_reimport_updates(
    manager, owners, vehicle_model, django_capture_on_commit_callbacks
):
    sold_at = datetime(2024, 3, 1, 9, 30)  # noqa: DTZ001 - spreadsheet cells are naive
    rows = [
        PRODUCT_HEADER,
        ["P1", "C1", "V1", "VIN001", "Mall", sold_at, date(2024, 3, 2), None, None,
         1000.5, None, None],
    ]  # fmt: skip
    run(
        preview(manager, kind=PRODUCTS, upload=xlsx_file(rows, "p.xlsx")),
        manager,
        django_capture_on_commit_callbacks,
    )
    rows[1][6] = date(2024, 4, 1)  # delivery moves: validity moves
    rows[1][1] = "C2"  # sold on to another owner

    job = run(
        preview(manager, kind=PRODUCTS, upload=xlsx_file(rows, "p.xlsx")),
        manager,
        django_capture_on_commit_callbacks,
    )

    assert (job.status, job.created_rows, job.updated_rows) == ("done", 0, 1)
    product = OwnedProduct.objects.get()
    assert product.customer == owners[1]
    assert (product.sale_date, product.delivery_date) == (
        date(2024, 3, 1),
        date(2024, 4, 1),
    )
    assert product.invoice_price == Decimal("1000.50")
    assert product.validity_end == date(2026, 3, 31)


def test_product_rows_are_validated(manager, owners, vehicle_model):
    services.product_register(
        actor=manager, customer=owners[0], model=vehicle_model, serial="TAKEN",
        sale_date=date(2024, 1, 1), external_id="OLD",
    )  # fmt: skip
    rows = [
        PRODUCT_HEADER,
        ["N1", "C9", "NOPE", "", "", "2999-01-01", "", "", "", "-5", "1.234", "maybe"],
        ["OLD", "C1", "V1", "TAKEN", "", "2024-01-01", "", "", "", "", "", ""],
        ["N2", "C1", "V1", "TAKEN", "", "2024-03-01", "2024-02-01", "2024-01-01", "", "",
         "", ""],
        ["N3", "C1", "V1", "S3", "", "01.03.2024", "", "", "", "", "", ""],
        ["N4", "C1", "V1", "S4", "", "2024-03-01", "", "", "", "", "", ""],
        ["N5", "C2", "V1", "S4", "", "2024-03-01", "", "", "", "", "", ""],
    ]  # fmt: skip

    job = preview(manager, rows, kind=PRODUCTS)

    assert job.errors == [
        {"row": 2, "field": "serial", "message": "This value is required."},
        {"row": 2, "field": "model_code", "message": "No product model has the code “NOPE”."},
        {"row": 2, "field": "invoice_price",
         "message": "“-5” is not an amount (at most 2 decimals)."},
        {"row": 2, "field": "price_paid",
         "message": "“1.234” is not an amount (at most 2 decimals)."},
        {"row": 2, "field": "is_distance_sale", "message": "“maybe” is not yes or no."},
        {"row": 2, "field": "sale_date", "message": "The sale date cannot be in the future."},
        {"row": 2, "field": "customer_external_id",
         "message": "No customer archive has the external id “C9”."},
        {"row": 4, "field": "delivery_date", "message": "Delivery cannot be before the sale."},
        {"row": 4, "field": "installation_date",
         "message": "Installation cannot be before delivery."},
        {"row": 4, "field": "serial",
         "message": "Another product of model V1 has this serial number."},
        {"row": 4, "field": "serial",
         "message": "The same model and serial number are already in row 3."},
        {"row": 5, "field": "sale_date",
         "message": "“01.03.2024” is not a date (YYYY-MM-DD)."},
        {"row": 7, "field": "serial",
         "message": "The same model and serial number are already in row 6."},
    ]  # fmt: skip
    assert job.valid_rows == 2  # OLD (updating itself, keeping its serial) and N4
    assert OwnedProduct.objects.count() == 1


def test_changed_data_between_preview_and_run_fails_and_writes_nothing(
    manager, owners, vehicle_model, django_capture_on_commit_callbacks
):
    rows = [
        PRODUCT_HEADER,
        ["P1", "C1", "V1", "VIN001", "", "2024-03-01", "", "", "", "", "", ""],
        ["P2", "C2", "V1", "VIN002", "New Seller", "2024-03-01", "", "", "", "", "", ""],
    ]  # fmt: skip
    job = preview(manager, rows, kind=PRODUCTS)
    assert (job.valid_rows, job.errors) == (2, [])
    services.product_register(  # meanwhile someone registers VIN002 by hand
        actor=manager, customer=owners[1], model=vehicle_model, serial="VIN002",
        sale_date=date(2024, 3, 1),
    )  # fmt: skip

    job = run(job, manager, django_capture_on_commit_callbacks)

    assert job.status == "failed"
    assert job.message == (
        "The data changed since the preview; nothing was imported. Now invalid: rows 3. "
        "Upload the file again for a new preview."
    )
    assert job.errors == [
        {
            "row": 3,
            "field": "serial",
            "message": "Another product of model V1 has this serial number.",
        }
    ]
    assert (job.created_rows, job.updated_rows) == (0, 0)
    assert OwnedProduct.objects.count() == 1
    assert not OwnedProduct.objects.filter(external_id__in=["P1", "P2"]).exists()
    assert not Party.objects.filter(name="New Seller").exists()
    assert JobRun.objects.get(name="archive_import").status == "failed"


def test_an_error_during_the_run_fails_the_job_and_writes_nothing(
    manager, django_capture_on_commit_callbacks
):
    job = preview(manager, CLEAN_CUSTOMERS)
    job.file.storage.delete(job.file.name)  # e.g. the media volume was lost

    job = run(job, manager, django_capture_on_commit_callbacks)

    assert job.status == "failed"
    assert job.message.startswith("The import failed: ")
    assert job.finished_at is not None
    assert Customer.objects.count() == 0
    run_row = JobRun.objects.get(name="archive_import")
    assert (run_row.status, run_row.errors) == ("failed", 1)
    assert run_row.detail.startswith("ImportFailed: The import failed: ")


# --- Export and round trip --------------------------------------------------------------------


def test_export_reimports_as_updates(
    client, manager, vehicle_model, django_capture_on_commit_callbacks
):
    run(preview(manager, CLEAN_CUSTOMERS), manager, django_capture_on_commit_callbacks)
    products = [
        PRODUCT_HEADER,
        ["P1", "C1", "V1", "VIN001", "Mall", "2024-03-01", "2024-03-02", "2024-03-03",
         "INV-1", "99.90", "", "yes"],
        ["P2", "C3", "V1", "VIN002", "", "2024-03-01", "", "", "", "", "", ""],
    ]  # fmt: skip
    run(
        preview(manager, products, kind=PRODUCTS),
        manager,
        django_capture_on_commit_callbacks,
    )
    gone = services.customer_create(actor=manager, name="Gone", external_id="GONE")
    services.customer_anonymise(customer=gone, actor=manager)
    client.force_login(manager)

    response = client.get(reverse("customers:customer-export"))
    customers_csv = b"".join(response.streaming_content)
    response = client.get(reverse("customers:product-export") + "?format=xlsx")
    products_xlsx = b"".join(response.streaming_content)

    assert customers_csv.startswith(b"\xef\xbb\xbfexternal_id,name,kind,phone,")
    assert b"'+8613800138000" in customers_csv  # no formula in a spreadsheet
    assert b"[removed]" not in customers_csv
    sheet = load_workbook(io.BytesIO(products_xlsx)).active
    assert [cell.value for cell in sheet[1]] == list(importing.PRODUCT_COLUMNS)
    customers_job = run(
        preview(manager, upload=SimpleUploadedFile("c.csv", customers_csv)),
        manager,
        django_capture_on_commit_callbacks,
    )
    products_job = run(
        preview(
            manager, kind=PRODUCTS, upload=SimpleUploadedFile("p.xlsx", products_xlsx)
        ),
        manager,
        django_capture_on_commit_callbacks,
    )
    assert (customers_job.errors, customers_job.created_rows) == ([], 0)
    assert (customers_job.status, customers_job.updated_rows) == ("done", 3)
    assert (products_job.errors, products_job.created_rows) == ([], 0)
    assert (products_job.status, products_job.updated_rows) == ("done", 2)
    acme = Customer.objects.get(external_id="C2")
    assert list(acme.phones.values_list("number", flat=True)) == [
        "+861012345678",
        "+8613900139000",
    ]
    assert sorted(acme.tags.values_list("name", flat=True)) == ["VIP", "dealer"]
    first = OwnedProduct.objects.get(external_id="P1")
    assert (first.installation_date, first.invoice_price, first.is_distance_sale) == (
        date(2024, 3, 3),
        Decimal("99.90"),
        True,
    )
    assert ArchiveAccess.objects.filter(action="export").count() == 3 + 2


def test_export_contains_only_visible_archives(client, unit_tree, manager):
    other_branch = UnitFactory(code="bj", kind="branch", parent=unit_tree["co"])
    services.customer_create(actor=manager, name="Near", external_id="N1")
    services.customer_create(
        actor=manager, name="Far", external_id="F1", unit=other_branch
    )
    client.force_login(UserFactory(roles=["agent"], units=[unit_tree["hot"]]))

    response = client.get(reverse("customers:customer-export"))

    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert [line.split(",")[0] for line in lines] == ["external_id", "N1"]


# --- Pages ------------------------------------------------------------------------------------


def test_upload_page_previews_and_redirects_to_the_job(client, manager):
    client.force_login(manager)

    response = client.post(
        reverse("customers:import-list"),
        {"kind": "customers", "file": csv_file(BAD_CUSTOMERS)},
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("customers:import-detail", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert 'data-testid="valid-rows">2<' in page
    assert 'data-testid="error-rows">2<' in page
    assert "“alien” is not one of: person, organisation." in page
    assert "Import 2 valid rows" in page
    assert "hx-trigger" not in page
    assert Customer.objects.count() == 0


def test_upload_page_shows_a_refused_file_on_the_form(client, manager):
    client.force_login(manager)

    response = client.post(
        reverse("customers:import-list"),
        {"kind": "customers", "file": SimpleUploadedFile("x.pdf", b"%PDF")},
    )

    assert response.status_code == 200
    assert "Only .csv and .xlsx files can be imported." in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_start_page_runs_the_import_and_shows_the_result(
    client, manager, django_capture_on_commit_callbacks
):
    job = preview(manager, CLEAN_CUSTOMERS)
    client.force_login(manager)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:import-start", args=[job.pk]))

    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert "Done: 3 created, 0 updated." in page
    assert 'aria-valuenow="100"' in page
    assert "hx-trigger" not in page  # finished: no more polling


def test_progress_fragment_polls_while_running_and_stops_when_done(client, manager):
    job = preview(manager, CLEAN_CUSTOMERS)
    ImportJob.objects.filter(pk=job.pk).update(status="running", processed_rows=1)
    client.force_login(manager)
    url = reverse("customers:import-progress", args=[job.pk])

    running = client.get(url, headers={"HX-Request": "true"}).content.decode()
    ImportJob.objects.filter(pk=job.pk).update(status="done", created_rows=3)
    done = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert running.lstrip().startswith('<div id="import-progress"')
    assert 'hx-trigger="every 1s"' in running
    assert f'hx-get="{url}"' in running
    assert 'aria-valuenow="33"' in running
    assert '<span id="import-header-status" hx-swap-oob="true">' in running
    assert "<html" not in running
    assert "hx-trigger" not in done
    assert 'aria-valuenow="100"' in done
    assert "Done: 3 created, 0 updated." in done


def test_error_report_downloads_as_csv(client, manager):
    job = preview(manager, BAD_CUSTOMERS)
    client.force_login(manager)

    response = client.get(reverse("customers:import-errors", args=[job.pk]))

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["row", "field", "message"]
    assert rows[1] == ["3", "name", "A name is required."]
    assert rows[-1] == [
        "4",
        "external_id",
        "External id “C1” is already used in row 2.",
    ]
    assert len(rows) == 1 + len(BAD_CUSTOMER_ERRORS)


def test_import_list_query_count_is_flat(client, manager, django_assert_num_queries):
    for _ in range(3):
        preview(manager, CLEAN_CUSTOMERS)
    client.force_login(manager)

    # session, user, roles, unread notifications, import count, import page
    with django_assert_num_queries(6):
        response = client.get(reverse("customers:import-list"))

    assert response.status_code == 200
    assert response.content.decode().count("customers.csv") == 3


def test_staff_see_only_their_own_imports(client, unit_tree, manager):
    job = preview(manager, CLEAN_CUSTOMERS)
    agent = UserFactory(roles=["agent"], units=[unit_tree["hot"]])
    client.force_login(agent)

    assert (
        client.get(reverse("customers:import-detail", args=[job.pk])).status_code == 404
    )
    assert (
        client.post(reverse("customers:import-start", args=[job.pk])).status_code == 404
    )
    job.refresh_from_db()
    assert job.status == "previewed"


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("customers:import-list", "get"),
        ("customers:import-list", "post"),
        ("customers:import-detail", "get"),
        ("customers:import-start", "post"),
        ("customers:import-progress", "get"),
        ("customers:import-errors", "get"),
        ("customers:customer-export", "get"),
        ("customers:product-export", "get"),
    ],
)
def test_customers_get_403_on_import_and_export_pages(
    client, customer_user, manager, name, method
):
    job = preview(manager, CLEAN_CUSTOMERS)
    client.force_login(customer_user)
    args = [job.pk] if "import-" in name and name != "customers:import-list" else []
    data = {"kind": "customers", "file": csv_file(CLEAN_CUSTOMERS)}

    if method == "post":
        response = client.post(reverse(name, args=args), data)
    else:
        response = client.get(reverse(name, args=args))

    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == "previewed"
    assert ImportJob.objects.count() == 1
    assert Customer.objects.count() == 0


def test_import_sweep_redrives_a_lost_queued_import_and_fails_a_stalled_run(
    manager_user, django_capture_on_commit_callbacks
):
    """A queued import whose message was lost runs when the sweep re-drives it; a run whose
    worker died is failed with nothing written; running the sweep again touches nothing."""
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from aftersales.models import JobRun
    from customers.imports.importing import import_preview, import_sweep
    from customers.models import Customer, ImportJob

    content = b"external_id,name,phone\nSW-1,Sweep One,13800138111\n"
    queued = import_preview(
        actor=manager_user, kind="customers",
        uploaded_file=SimpleUploadedFile("a.csv", content, content_type="text/csv"),
    )  # fmt: skip
    ImportJob.objects.filter(pk=queued.pk).update(status=ImportJob.Status.QUEUED)
    stalled = import_preview(
        actor=manager_user, kind="customers",
        uploaded_file=SimpleUploadedFile("b.csv", content, content_type="text/csv"),
    )  # fmt: skip
    now = timezone.now()
    ImportJob.objects.filter(pk=stalled.pk).update(
        status=ImportJob.Status.RUNNING, started_at=now - timedelta(hours=2)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert import_sweep(now=now + timedelta(minutes=5)) == 2

    queued.refresh_from_db()
    stalled.refresh_from_db()
    assert queued.status == ImportJob.Status.DONE  # eager Celery in tests
    assert Customer.objects.filter(external_id="SW-1").count() == 1
    assert stalled.status == ImportJob.Status.FAILED
    assert "nothing was written" in stalled.message
    assert import_sweep(now=now + timedelta(minutes=10)) == 0
    assert JobRun.objects.filter(name="archive_import_sweep").count() == 2
