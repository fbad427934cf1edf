"""Import of customers and owned products (the installed base) from CSV or XLSX (domain §5,
"Import"): every row is validated first without writing (the preview), then all valid rows
are written in one transaction by a background task, or nothing is.

The file format
- The first row names the columns, in any order and any letter case; unknown columns are
  ignored. A missing required column is one file-level error (row None).
- CSV: UTF-8 with or without BOM, else GB18030 (what Excel writes on Chinese Windows). XLSX:
  the first worksheet; date cells are read as dates.
- Rows are numbered as in a spreadsheet: the header is row 1, the first data row is row 2.
  Blank rows are skipped (and keep their number). At most 50,000 data rows per file.
- A cell starting with an apostrophe followed by = + - @ loses the apostrophe: the export
  writes it so that spreadsheets do not run cell text as a formula.
- Lists (several phones, tags) are separated by ";".

Idempotency: a row whose external_id matches an archive (product) updates it; a new
external_id creates one. A row **without** external_id is created on every import (there
is nothing to recognise it by). Blank cells clear text fields, phones, tags, the seller and
optional dates; a blank kind, segment, region, consent or distance-sale flag means the
default for a new row and "unchanged" for an existing one. Columns absent from the file
leave existing values alone.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from aftersales.exceptions import StaleObject
from aftersales.models import User
from aftersales.services import enqueue_on_commit, job_run
from customers import phones as phone_numbers
from customers.models import (
    ConsentChange,
    Customer,
    CustomerPhone,
    ImportJob,
    OwnedProduct,
    Party,
    ProductModel,
    Tag,
)
from customers.services import _apply_validity, _require_staff, validity_rules

logger = logging.getLogger(__name__)

MAX_ROWS = 50_000
MAX_FILE_BYTES = 10 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")
CHUNK_ROWS = 500  # rows validated per step (and per progress update)
BATCH_SIZE = 1000  # rows per bulk INSERT/UPDATE statement

CUSTOMER_COLUMNS = (
    "external_id", "name", "kind", "phone", "email", "segment", "city", "address",
    "region", "consent_service", "consent_marketing", "tags",
)  # fmt: skip
PRODUCT_COLUMNS = (
    "external_id", "customer_external_id", "model_code", "serial", "seller", "sale_date",
    "delivery_date", "installation_date", "invoice_number", "invoice_price", "price_paid",
    "is_distance_sale",
)  # fmt: skip
COLUMNS = {
    ImportJob.Kind.CUSTOMERS: CUSTOMER_COLUMNS,
    ImportJob.Kind.PRODUCTS: PRODUCT_COLUMNS,
}
REQUIRED_COLUMNS = {
    ImportJob.Kind.CUSTOMERS: ("name",),
    ImportJob.Kind.PRODUCTS: (
        "customer_external_id",
        "model_code",
        "serial",
        "sale_date",
    ),
}
LIST_SEPARATOR = re.compile(r"[;；]")
TRUE_WORDS = frozenset({"yes", "y", "true", "1", "是"})
FALSE_WORDS = frozenset({"no", "n", "false", "0", "否"})
FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@])")
DATE_TEXT = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
MAX_PRICE = Decimal("9999999999.99")  # max_digits=12, decimal_places=2

IMPORT_RUN_TASK = "customers.tasks.import_job_run_task"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (format, encoding, columns, size)."""


class ImportFailed(Exception):
    """A run ended without writing anything; the job carries the reason (and, when the data
    changed since the preview, the new row errors)."""

    def __init__(
        self, message: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors


def file_error(message: str) -> dict[str, Any]:
    """An error about the whole file (no row)."""
    return {"row": None, "field": "", "message": str(message)}


# --- Reading ----------------------------------------------------------------------------------


@dataclass
class Table:
    """The rows of an import file: the known columns present, and (number, values) pairs
    where values maps each present known column to its stripped text."""

    columns: frozenset[str]
    rows: Iterator[tuple[int, dict[str, str]]]


def _text(value: Any) -> str:
    """A cell as text: dates as YYYY-MM-DD, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return FORMULA_ESCAPE.sub("", str(value).replace("\x00", "").strip())


def _decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped), else GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The file is neither UTF-8 nor GB18030 text. Save it as “CSV UTF-8”.")
        ) from exc


def _csv_rows(data: bytes) -> Iterator[list[Any]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error as exc:
        raise ImportFileError(
            _("The CSV file is malformed: %(error)s") % {"error": exc}
        ) from exc


def _xlsx_rows(data: bytes) -> Iterator[tuple[Any, ...]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise ImportFileError(_("The file is not a valid XLSX workbook.")) from exc
    try:
        if not workbook.worksheets:
            return
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


@contextmanager
def open_table(file: File, *, kind: str) -> Iterator[Table]:
    """Open an import file (CSV or XLSX by its extension) as a Table of `kind`'s columns.
    ImportFileError for an unreadable file or a missing required column."""
    suffix = Path(file.name or "").suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportFileError(_("Only .csv and .xlsx files can be imported."))
    file.open("rb")
    try:
        data = file.read()
    finally:
        file.close()
    raw_rows = _xlsx_rows(data) if suffix == ".xlsx" else _csv_rows(data)
    try:
        header = next(raw_rows, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        positions: dict[str, int] = {}
        for index, cell in enumerate(header):
            name = _text(cell).lower().replace(" ", "_").replace("-", "_")
            if name in COLUMNS[kind] and name not in positions:
                positions[name] = index
        if missing := [c for c in REQUIRED_COLUMNS[kind] if c not in positions]:
            raise ImportFileError(
                _("Required columns are missing: %(columns)s.")
                % {"columns": ", ".join(missing)}
            )

        def rows() -> Iterator[tuple[int, dict[str, str]]]:
            for number, cells in enumerate(raw_rows, start=2):
                values = {
                    name: _text(cells[index]) if index < len(cells) else ""
                    for name, index in positions.items()
                }
                if any(values.values()):
                    yield number, values

        yield Table(columns=frozenset(positions), rows=rows())
    finally:
        raw_rows.close()


# --- Parsing cells ----------------------------------------------------------------------------


def _choice(
    text: str, choices: list[str], aliases: dict[str, str] | None = None
) -> str:
    value = text.strip().lower()
    value = (aliases or {}).get(value, value)
    if value not in choices:
        raise ValueError(
            _("“%(value)s” is not one of: %(choices)s.")
            % {"value": text, "choices": ", ".join(choices)}
        )
    return value


def _bool(text: str) -> bool:
    value = text.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueError(_("“%(value)s” is not yes or no.") % {"value": text})


def _date(text: str) -> date:
    match = DATE_TEXT.match(text.strip())
    try:
        if match is None:
            raise ValueError
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text}
        ) from None


def _decimal(text: str) -> Decimal:
    cleaned = text.strip().lstrip("¥￥").replace(",", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if (
        value is None
        or not value.is_finite()
        or value < 0
        or value > MAX_PRICE
        or value != value.quantize(Decimal("0.01"))
    ):
        raise ValueError(
            _("“%(value)s” is not an amount (at most 2 decimals).") % {"value": text}
        )
    return value.quantize(Decimal("0.01"))


def _split(text: str) -> list[str]:
    return [part.strip() for part in LIST_SEPARATOR.split(text) if part.strip()]


# --- Validation -------------------------------------------------------------------------------


@dataclass
class RowCheck:
    """One row's outcome: its cleaned record when valid, its errors otherwise."""

    number: int
    record: dict[str, Any] | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, column: str, message: Any) -> None:
        self.errors.append(
            {"row": self.number, "field": column, "message": str(message)}
        )


class _Checker:
    """Validates rows chunk by chunk; remembers what it saw across chunks (duplicates)."""

    def __init__(self, *, actor: User) -> None:
        self.actor = actor
        self.external_ids: dict[str, int] = {}

    def _length(self, check: RowCheck, values: dict[str, str], limits: dict) -> None:
        for column, limit in limits.items():
            if len(values.get(column, "")) > limit:
                check.error(
                    column,
                    _("At most %(limit)d characters (it has %(length)d).")
                    % {"limit": limit, "length": len(values[column])},
                )

    def _duplicate(self, check: RowCheck, external_id: str) -> None:
        if not external_id:
            return
        first = self.external_ids.setdefault(external_id, check.number)
        if first != check.number:
            check.error(
                "external_id",
                _("External id “%(value)s” is already used in row %(row)d.")
                % {"value": external_id, "row": first},
            )

    def check(self, rows: list[tuple[int, dict[str, str]]]) -> list[RowCheck]:
        raise NotImplementedError


class CustomerChecker(_Checker):
    """Customers: name required; choices, e-mail, phones, consent flags; external ids unique
    in the file and matching only active archives within the importer's scope."""

    LIMITS = {
        "external_id": 100,
        "name": 200,
        "email": 254,
        "city": 100,
        "address": 300,
    }

    def check(self, rows: list[tuple[int, dict[str, str]]]) -> list[RowCheck]:
        ids = {values.get("external_id", "") for _n, values in rows} - {""}
        existing = {
            row["external_id"]: row
            for row in Customer.objects.filter(external_id__in=ids).values(
                "pk", "external_id", "merged_into_id", "anonymised_at"
            )
        }
        visible = set(
            Customer.objects.visible_to(self.actor)
            .filter(external_id__in=existing)
            .values_list("external_id", flat=True)
        )
        checks = []
        for number, values in rows:
            check = RowCheck(number)
            record = self._row(check, values)
            external_id = values.get("external_id", "")
            self._duplicate(check, external_id)
            if external_id in existing:
                found = existing[external_id]
                if external_id not in visible:
                    check.error(
                        "external_id",
                        _("An archive outside your scope has this external id."),
                    )
                elif found["merged_into_id"]:
                    check.error(
                        "external_id",
                        _(
                            "This archive was merged into another one; it cannot be changed."
                        ),
                    )
                elif found["anonymised_at"]:
                    check.error(
                        "external_id",
                        _(
                            "This archive was anonymised; its personal data is not imported again."
                        ),
                    )
                record["pk"] = found["pk"]
            if not check.errors:
                check.record = record
            checks.append(check)
        return checks

    def _row(self, check: RowCheck, values: dict[str, str]) -> dict[str, Any]:
        self._length(check, values, self.LIMITS)
        record: dict[str, Any] = {"row": check.number, "pk": None, "fields": {}}
        fields = record["fields"]
        for column in ("external_id", "name", "email", "city", "address"):
            if column in values:
                fields[column] = values[column]
        if not values.get("name"):
            check.error("name", _("A name is required."))
        if values.get("email"):
            try:
                validate_email(values["email"])
            except ValidationError:
                check.error("email", _("“%(value)s” is not an e-mail address.") % {
                    "value": values["email"]
                })  # fmt: skip
        for column, choices, aliases in (
            ("kind", Customer.Kind.values, {"organization": "organisation"}),
            ("segment", Customer.Segment.values, None),
            ("region", Customer.Region.values, None),
        ):
            if values.get(column):
                try:
                    fields[column] = _choice(values[column], choices, aliases)
                except ValueError as exc:
                    check.error(column, exc)
        for column in ("consent_service", "consent_marketing"):
            record[column] = None
            if values.get(column):
                try:
                    record[column] = _bool(values[column])
                except ValueError as exc:
                    check.error(column, exc)
        record["phones"] = None
        if "phone" in values:
            record["phones"] = []
            for raw in _split(values["phone"]):
                try:
                    e164, national = phone_numbers.normalise(raw)
                except phone_numbers.InvalidPhone as exc:
                    check.error("phone", exc)
                    continue
                if e164 not in [number for number, _n in record["phones"]]:
                    record["phones"].append((e164, national))
        record["tags"] = None
        if "tags" in values:
            record["tags"] = list(dict.fromkeys(n[:50] for n in _split(values["tags"])))
        return record


class ProductChecker(_Checker):
    """Owned products: an existing customer (by its external id) and model (by its code), a
    serial unique per model, dates in order and not in the future, amounts."""

    LIMITS = {
        "external_id": 100, "customer_external_id": 100, "serial": 100, "seller": 200,
        "invoice_number": 50,
    }  # fmt: skip

    def __init__(self, *, actor: User) -> None:
        super().__init__(actor=actor)
        self.models: dict[str, ProductModel | None] = {}
        self.serials: dict[tuple[int, str], int] = {}
        self.today = timezone.localdate()

    def check(self, rows: list[tuple[int, dict[str, str]]]) -> list[RowCheck]:
        customer_ids = {values["customer_external_id"] for _n, values in rows} - {""}
        customers = {
            row["external_id"]: row
            for row in Customer.objects.visible_to(self.actor)
            .filter(external_id__in=customer_ids)
            .values("pk", "external_id", "merged_into_id")
        }
        codes = {values["model_code"] for _n, values in rows} - set(self.models) - {""}
        if codes:
            found = {m.code: m for m in ProductModel.objects.filter(code__in=codes)}
            self.models.update({code: found.get(code) for code in codes})
        ids = {values.get("external_id", "") for _n, values in rows} - {""}
        existing = dict(
            OwnedProduct.objects.filter(external_id__in=ids).values_list(
                "external_id", "pk"
            )
        )
        visible = set(
            OwnedProduct.objects.filter(
                external_id__in=existing,
                customer__in=Customer.objects.visible_to(self.actor),
            ).values_list("external_id", flat=True)
        )
        model_ids = {m.pk for m in self.models.values() if m is not None}
        serials = {values["serial"] for _n, values in rows} - {""}
        taken = {
            (model_id, serial): external_id
            for model_id, serial, external_id in OwnedProduct.objects.filter(
                model_id__in=model_ids, serial__in=serials
            ).values_list("model_id", "serial", "external_id")
        }
        checks = []
        for number, values in rows:
            check = RowCheck(number)
            record = self._row(check, values)
            external_id = values.get("external_id", "")
            self._duplicate(check, external_id)
            customer = customers.get(values["customer_external_id"])
            if values["customer_external_id"] and customer is None:
                check.error(
                    "customer_external_id",
                    _("No customer archive has the external id “%(value)s”.")
                    % {"value": values["customer_external_id"]},
                )
            elif customer is not None and customer["merged_into_id"]:
                check.error(
                    "customer_external_id",
                    _(
                        "This archive was merged into another one; use the surviving archive."
                    ),
                )
            elif customer is not None:
                record["customer_id"] = customer["pk"]
            if external_id in existing:
                if external_id not in visible:
                    check.error(
                        "external_id",
                        _("A product outside your scope has this external id."),
                    )
                record["pk"] = existing[external_id]
            model = record["model"]
            if model is not None and values["serial"]:
                key = (model.pk, values["serial"])
                owner = taken.get(key)
                if owner is not None and (not external_id or owner != external_id):
                    check.error(
                        "serial",
                        _("Another product of model %(model)s has this serial number.")
                        % {"model": model.code},
                    )
                first = self.serials.setdefault(key, number)
                if first != number:
                    check.error(
                        "serial",
                        _(
                            "The same model and serial number are already in row %(row)d."
                        )
                        % {"row": first},
                    )
            if not check.errors:
                check.record = record
            checks.append(check)
        return checks

    def _row(self, check: RowCheck, values: dict[str, str]) -> dict[str, Any]:
        self._length(check, values, self.LIMITS)
        record: dict[str, Any] = {"row": check.number, "pk": None, "fields": {}}
        fields = record["fields"]
        for column in ("customer_external_id", "model_code", "serial", "sale_date"):
            if not values[column]:
                check.error(column, _("This value is required."))
        for column in ("external_id", "serial", "invoice_number"):
            if column in values:
                fields[column] = values[column]
        record["model"] = self.models.get(values["model_code"])
        if values["model_code"] and record["model"] is None:
            check.error(
                "model_code",
                _("No product model has the code “%(value)s”.")
                % {"value": values["model_code"]},
            )
        if "seller" in values:
            record["seller"] = values["seller"]
        for column in ("sale_date", "delivery_date", "installation_date"):
            if column in values:
                fields[column] = None
                if values[column]:
                    try:
                        fields[column] = _date(values[column])
                    except ValueError as exc:
                        check.error(column, exc)
        for column in ("invoice_price", "price_paid"):
            if column in values:
                fields[column] = None
                if values[column]:
                    try:
                        fields[column] = _decimal(values[column])
                    except ValueError as exc:
                        check.error(column, exc)
        if values.get("is_distance_sale"):
            try:
                fields["is_distance_sale"] = _bool(values["is_distance_sale"])
            except ValueError as exc:
                check.error("is_distance_sale", exc)
        sale = fields.get("sale_date")
        delivery = fields.get("delivery_date")
        installation = fields.get("installation_date")
        if sale and sale > self.today:
            check.error("sale_date", _("The sale date cannot be in the future."))
        if sale and delivery and delivery < sale:
            check.error("delivery_date", _("Delivery cannot be before the sale."))
        if installation and (delivery or sale) and installation < (delivery or sale):
            check.error(
                "installation_date", _("Installation cannot be before delivery.")
            )
        return record


CHECKERS: dict[str, type[_Checker]] = {
    ImportJob.Kind.CUSTOMERS: CustomerChecker,
    ImportJob.Kind.PRODUCTS: ProductChecker,
}


@dataclass
class Validation:
    """The outcome of validating a whole file."""

    columns: frozenset[str] = frozenset()
    total_rows: int = 0
    records: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def valid_rows(self) -> int:
        return len(self.records)

    @property
    def invalid_row_numbers(self) -> set[int]:
        return {e["row"] for e in self.errors if e["row"] is not None}


def validate_file(
    file: File,
    *,
    kind: str,
    actor: User,
    on_chunk: Callable[[int], None] | None = None,
) -> Validation:
    """Validate every row of an import file without writing, CHUNK_ROWS rows at a time
    (`on_chunk(valid rows so far)` after each). A file-level problem gives one error."""
    result = Validation()
    try:
        with open_table(file, kind=kind) as table:
            result.columns = table.columns
            checker = CHECKERS[kind](actor=actor)
            chunk: list[tuple[int, dict[str, str]]] = []

            def flush() -> None:
                for check in checker.check(chunk):
                    if check.record is not None:
                        result.records.append(check.record)
                    result.errors.extend(check.errors)
                chunk.clear()
                if on_chunk is not None:
                    on_chunk(result.valid_rows)

            for row in table.rows:
                result.total_rows += 1
                if result.total_rows > MAX_ROWS:
                    raise ImportFileError(
                        _("The file has more than %(max)s data rows; split it.")
                        % {"max": f"{MAX_ROWS:,}"}
                    )
                chunk.append(row)
                if len(chunk) == CHUNK_ROWS:
                    flush()
            if chunk:
                flush()
    except ImportFileError as exc:
        return Validation(errors=[file_error(str(exc))])
    return result


# --- Writing ----------------------------------------------------------------------------------


def _batches(items: list, size: int = BATCH_SIZE) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _phone_rows(customer_id: int, phones: list[tuple[str, str]]) -> list[CustomerPhone]:
    return [
        CustomerPhone(
            customer_id=customer_id,
            number=e164,
            national=national,
            kind=phone_numbers.kind_of(e164),
            is_primary=index == 0,
        )
        for index, (e164, national) in enumerate(phones)
    ]


def _tag_ids(names: set[str]) -> dict[str, int]:
    """Tag ids by name, creating the missing tags."""
    ids: dict[str, int] = {}
    for batch in _batches(sorted(names)):
        ids.update(Tag.objects.filter(name__in=batch).values_list("name", "pk"))
    if missing := names - set(ids):
        Tag.objects.bulk_create(
            [Tag(name=name) for name in sorted(missing)],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        for batch in _batches(sorted(missing)):
            ids.update(Tag.objects.filter(name__in=batch).values_list("name", "pk"))
    return ids


def _apply_customers(
    validation: Validation, *, actor: User, source: str, now: datetime
) -> tuple[int, int]:
    """Create and update the customers of the valid rows, set-based."""
    columns = validation.columns
    consents: list[ConsentChange] = []
    phones: list[CustomerPhone] = []
    tags: list[tuple[int, list[str]]] = []
    replaced_phones: list[int] = []
    replaced_tags: list[int] = []

    def record_consent(customer: Customer, kind: str) -> None:
        consents.append(
            ConsentChange(
                customer_id=customer.pk, kind=kind,
                granted=getattr(customer, f"consent_{kind}"), at=now, recorded_by=actor,
                source=source,
            )
        )  # fmt: skip

    updates = [r for r in validation.records if r["pk"]]
    update_fields = {"last_activity_at", "updated_at"} | (
        {"name", "email", "city", "address", "kind", "segment", "region"} & columns
    )
    if "name" in columns:
        update_fields.add("search_name")
    for kind in ("service", "marketing"):
        if f"consent_{kind}" in columns:
            update_fields |= {f"consent_{kind}", f"consent_{kind}_at"}
    for batch in _batches(updates):
        current = Customer.objects.in_bulk([r["pk"] for r in batch])
        customers = []
        for record in batch:
            customer = current[record["pk"]]
            for name, value in record["fields"].items():
                setattr(customer, name, value)
            customer.search_name = customer.name.casefold().strip()
            customer.last_activity_at = customer.updated_at = now
            for kind in ("service", "marketing"):
                granted = record[f"consent_{kind}"]
                if granted is not None and granted != getattr(
                    customer, f"consent_{kind}"
                ):
                    setattr(customer, f"consent_{kind}", granted)
                    setattr(customer, f"consent_{kind}_at", now)
                    record_consent(customer, kind)
            customers.append(customer)
            if record["phones"] is not None:
                replaced_phones.append(customer.pk)
                phones += _phone_rows(customer.pk, record["phones"])
            if record["tags"] is not None:
                replaced_tags.append(customer.pk)
                tags.append((customer.pk, record["tags"]))
        Customer.objects.bulk_update(customers, sorted(update_fields))

    creates = [r for r in validation.records if not r["pk"]]
    for batch in _batches(creates):
        customers = []
        for record in batch:
            service, marketing = record["consent_service"], record["consent_marketing"]
            customers.append(
                Customer(
                    **record["fields"],
                    search_name=record["fields"]["name"].casefold().strip(),
                    last_activity_at=now,
                    consent_service=True if service is None else service,
                    consent_service_at=now,
                    consent_marketing=False if marketing is None else marketing,
                    consent_marketing_at=now,
                )
            )
        Customer.objects.bulk_create(customers)
        for customer, record in zip(customers, batch, strict=True):
            record_consent(customer, "service")
            record_consent(customer, "marketing")
            phones += _phone_rows(customer.pk, record["phones"] or [])
            if record["tags"]:
                tags.append((customer.pk, record["tags"]))

    for batch in _batches(replaced_phones):
        CustomerPhone.objects.filter(customer_id__in=batch).delete()
    CustomerPhone.objects.bulk_create(phones, batch_size=BATCH_SIZE)
    ConsentChange.objects.bulk_create(consents, batch_size=BATCH_SIZE)
    through = Customer.tags.through
    for batch in _batches(replaced_tags):
        through.objects.filter(customer_id__in=batch).delete()
    tag_ids = _tag_ids({name for _pk, names in tags for name in names})
    through.objects.bulk_create(
        [
            through(customer_id=customer_id, tag_id=tag_ids[name])
            for customer_id, names in tags
            for name in names
        ],
        batch_size=BATCH_SIZE,
    )
    return len(creates), len(updates)


def _seller_ids(names: set[str]) -> dict[str, int]:
    """Seller parties by name, creating the missing ones."""
    kind = Party.Kind.SELLER
    ids: dict[str, int] = {}
    for batch in _batches(sorted(names)):
        ids.update(
            Party.objects.filter(kind=kind, name__in=batch).values_list("name", "pk")
        )
    if missing := names - set(ids):
        Party.objects.bulk_create(
            [Party(name=name, kind=kind) for name in sorted(missing)],
            batch_size=BATCH_SIZE,
            ignore_conflicts=True,
        )
        for batch in _batches(sorted(missing)):
            ids.update(
                Party.objects.filter(kind=kind, name__in=batch).values_list(
                    "name", "pk"
                )
            )
    return ids


PRODUCT_FIELDS = (
    "external_id", "serial", "sale_date", "delivery_date", "installation_date",
    "invoice_number", "invoice_price", "price_paid", "is_distance_sale",
)  # fmt: skip
VALIDITY_FIELDS = (
    "legal_rule_set", "validity_start", "validity_end", "main_validity_end",
    "component_validity",
)  # fmt: skip


def _apply_products(
    validation: Validation, *, actor: User, source: str, now: datetime
) -> tuple[int, int]:
    """Create and update the owned products of the valid rows, set-based, each with its
    validity computed (the rules looked up once per category)."""
    columns = validation.columns
    sellers = _seller_ids({r["seller"] for r in validation.records if r.get("seller")})
    rules: dict[str, dict[str, Any]] = {}

    def prepare(product: OwnedProduct, record: dict[str, Any]) -> OwnedProduct:
        for name, value in record["fields"].items():
            setattr(product, name, value)
        product.customer_id = record["customer_id"]
        product.model = record["model"]
        if "seller" in record:
            product.seller_id = sellers.get(record["seller"])
        category = product.model.category
        if category not in rules:
            rules[category] = validity_rules(category)
        _apply_validity(product, rules[category])
        return product

    updates = [r for r in validation.records if r["pk"]]
    update_fields = {"customer", "model", *VALIDITY_FIELDS}
    update_fields |= {c for c in PRODUCT_FIELDS if c in columns}
    if "seller" in columns:
        update_fields.add("seller")
    for batch in _batches(updates):
        current = OwnedProduct.objects.prefetch_related("validity_events").in_bulk(
            [r["pk"] for r in batch]
        )
        products = [prepare(current[r["pk"]], r) for r in batch]
        OwnedProduct.objects.bulk_update(products, sorted(update_fields))
    creates = [r for r in validation.records if not r["pk"]]
    for batch in _batches(creates):
        OwnedProduct.objects.bulk_create([prepare(OwnedProduct(), r) for r in batch])
    customer_ids = sorted({r["customer_id"] for r in validation.records})
    for batch in _batches(customer_ids):
        Customer.objects.filter(pk__in=batch).update(last_activity_at=now)
    return len(creates), len(updates)


APPLIERS = {
    ImportJob.Kind.CUSTOMERS: _apply_customers,
    ImportJob.Kind.PRODUCTS: _apply_products,
}


def apply_rows(
    validation: Validation, *, kind: str, actor: User, source: str
) -> tuple[int, int]:
    """Write the valid rows of a validated file in one transaction: (created, updated)."""
    with transaction.atomic():
        return APPLIERS[kind](
            validation, actor=actor, source=source, now=timezone.now()
        )


# --- Services ---------------------------------------------------------------------------------

FILE_TOO_LARGE = gettext_lazy("The file is larger than 10 MB; split it.")
WRONG_EXTENSION = gettext_lazy("Only .csv and .xlsx files can be imported.")


def import_preview(*, actor: User, kind: str, uploaded_file: File) -> ImportJob:
    """Store an uploaded file and validate every row without writing anything: the job
    records the counts and each row's errors (status previewed).

    Not one transaction on purpose: validating up to 50,000 rows only reads, and must not
    hold SQLite's write lock meanwhile; the job row is written before and after."""
    _require_staff(actor)
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": [_("Choose what the file contains.")]})
    name = Path(uploaded_file.name or "").name
    if Path(name).suffix.lower() not in EXTENSIONS:
        raise ValidationError({"file": [WRONG_EXTENSION]})
    if uploaded_file.size is None or uploaded_file.size > MAX_FILE_BYTES:
        raise ValidationError({"file": [FILE_TOO_LARGE]})
    job = ImportJob.objects.create(
        kind=kind, file=uploaded_file, original_name=name[:200], created_by=actor
    )
    validation = validate_file(job.file, kind=kind, actor=actor)
    job.total_rows = validation.total_rows
    job.valid_rows = validation.valid_rows
    job.errors = sorted(validation.errors, key=lambda e: e["row"] or 0)
    ImportJob.objects.filter(pk=job.pk).update(
        total_rows=job.total_rows, valid_rows=job.valid_rows, errors=job.errors
    )
    return job


@transaction.atomic
def import_start(*, job: ImportJob, actor: User) -> ImportJob:
    """Queue a previewed import for the background run (once: compare-and-set)."""
    _require_staff(actor)
    if job.valid_rows == 0:
        raise ValidationError(_("The file has no valid rows to import."))
    if not ImportJob.objects.filter(
        pk=job.pk, status=ImportJob.Status.PREVIEWED
    ).update(status=ImportJob.Status.QUEUED):
        raise StaleObject(_("This import was already started."))
    enqueue_on_commit(IMPORT_RUN_TASK, job.pk)
    job.refresh_from_db()
    return job


def _mark_failed(job: ImportJob, failure: ImportFailed) -> None:
    fields = {} if failure.errors is None else {"errors": failure.errors}
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        status=ImportJob.Status.FAILED,
        message=failure.message,
        finished_at=timezone.now(),
        **fields,
    )


def _changes_message(before: ImportJob, now: Validation) -> str:
    """Why the run refused: which rows changed validity since the preview."""
    if now.errors and now.errors[0]["row"] is None:
        return _("The file can no longer be read: %(error)s") % {
            "error": now.errors[0]["message"]
        }
    preview_invalid = {e["row"] for e in before.errors if e["row"] is not None}
    became_invalid = sorted(now.invalid_row_numbers - preview_invalid)
    became_valid = sorted(preview_invalid - now.invalid_row_numbers)
    parts = [_("The data changed since the preview; nothing was imported.")]
    if became_invalid:
        parts.append(
            _("Now invalid: rows %(rows)s.")
            % {"rows": ", ".join(map(str, became_invalid[:20]))}
        )
    if became_valid:
        parts.append(
            _("Now valid: rows %(rows)s.")
            % {"rows": ", ".join(map(str, became_valid[:20]))}
        )
    parts.append(_("Upload the file again for a new preview."))
    return " ".join(parts)


def import_run(*, job_id: int) -> ImportJob:
    """Run a queued import (the background task): re-validate the file CHUNK_ROWS rows at a
    time, updating `processed_rows` for the progress bar; if the valid rows are no longer
    exactly those of the preview, fail and write nothing; else write all valid rows in one
    transaction. Any error fails the job with nothing written. Records a JobRun.

    Only a queued job runs (compare-and-set), so a redelivered task does nothing. Not one
    transaction on purpose: the progress updates must commit while the run goes on."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), processed_rows=0
    ):
        return ImportJob.objects.get(pk=job_id)
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    actor = job.created_by
    with translation.override(actor.language or None), _heartbeat(job.pk):
        try:
            with job_run("archive_import") as run:
                _run(job, actor, run)
        except ImportFailed:
            pass  # recorded on the job and in the JobRun
    job.refresh_from_db()
    return job


HEARTBEAT_SECONDS = 15


@contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """While the import runs, a thread of the worker writes the job's heartbeat every
    HEARTBEAT_SECONDS on its own database connection (it commits while the import's one
    write transaction is open). When the worker dies, so does the heartbeat, and the
    import sweep fails the job within minutes. Not inside a transaction of the caller's
    (a test's), which the thread could neither see nor wait for."""
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while True:
                ImportJob.objects.filter(
                    pk=job_id, status=ImportJob.Status.RUNNING
                ).update(heartbeat_at=timezone.now())
                if stop.wait(HEARTBEAT_SECONDS):
                    return
        except Exception as exc:  # a missed beat only makes the job look older
            logger.warning("Import %s heartbeat failed: %s", job_id, exc)
        finally:
            connection.close()  # the thread's own connection

    thread = threading.Thread(
        target=beat, name=f"import-{job_id}-heartbeat", daemon=True
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=HEARTBEAT_SECONDS)


def _run(job: ImportJob, actor: User, run) -> None:
    """Re-validate, compare with the preview, write; any failure marks the job failed (with
    nothing written) and raises ImportFailed, so that the JobRun records it too."""

    def progress(valid_so_far: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=min(valid_so_far, job.valid_rows)
        )

    preview_invalid = {e["row"] for e in job.errors if e["row"] is not None}
    try:
        validation = validate_file(
            job.file, kind=job.kind, actor=actor, on_chunk=progress
        )
        if (
            validation.total_rows != job.total_rows
            or validation.valid_rows != job.valid_rows
            or validation.invalid_row_numbers != preview_invalid
            or (validation.errors and validation.errors[0]["row"] is None)
        ):
            raise ImportFailed(
                _changes_message(job, validation),
                errors=sorted(validation.errors, key=lambda e: e["row"] or 0),
            )
        with transaction.atomic():
            created, updated = apply_rows(
                validation, kind=job.kind, actor=actor, source=f"import #{job.pk}"
            )
            if not ImportJob.objects.filter(
                pk=job.pk, status=ImportJob.Status.RUNNING
            ).update(
                status=ImportJob.Status.DONE,
                processed_rows=job.valid_rows,
                created_rows=created,
                updated_rows=updated,
                finished_at=timezone.now(),
            ):
                raise StaleObject(_("The import was changed while it ran."))
    except ImportFailed as failure:
        _mark_failed(job, failure)
        raise
    except Exception as exc:  # a job must never stay "running"; rolled back, say why
        logger.exception("Import %s failed", job.pk)
        failure = ImportFailed(_("The import failed: %(error)s") % {"error": exc})
        _mark_failed(job, failure)
        raise failure from exc
    run.items = created + updated


IMPORT_REDRIVE_AFTER = timedelta(minutes=2)
# A running import whose heartbeat is older than this lost its worker.
IMPORT_STALLED_AFTER = timedelta(minutes=2)


def import_sweep(*, now: datetime) -> int:
    """Every few minutes: re-drive queued imports whose broker message was lost (the run is
    compare-and-set, so a duplicate message does nothing), and fail runs whose worker died
    (their one write transaction was rolled back, so nothing was written). State-derived and
    idempotent; records a job run. A run is dead when its heartbeat (written by its
    worker every few seconds) is older than IMPORT_STALLED_AFTER. Returns how many jobs
    it touched."""
    with job_run("archive_import_sweep") as run:
        queued = ImportJob.objects.filter(
            status=ImportJob.Status.QUEUED, created_at__lt=now - IMPORT_REDRIVE_AFTER
        ).values_list("pk", flat=True)
        for job_id in list(queued):
            enqueue_on_commit(IMPORT_RUN_TASK, job_id)
            run.items += 1
        run.items += ImportJob.objects.filter(
            Q(heartbeat_at__lt=now - IMPORT_STALLED_AFTER)
            | Q(heartbeat_at__isnull=True, started_at__lt=now - IMPORT_STALLED_AFTER),
            status=ImportJob.Status.RUNNING,
        ).update(
            status=ImportJob.Status.FAILED,
            finished_at=now,
            message=_("The import stopped before it finished; nothing was written. Start it "
                      "again from a new preview."),
        )  # fmt: skip
    return run.items
