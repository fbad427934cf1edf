"""Export of customers and owned products as CSV or XLSX, in the columns of the import
(`importing.CUSTOMER_COLUMNS`, `importing.PRODUCT_COLUMNS`), so that an exported file
imports again as updates (rows are matched by external_id; an archive without one is
exported with an empty id and would be created again).

Only active archives the user may see are exported, never anonymised ones. Each exported
archive gets an "exported" entry in its access log (PIPL), written per chunk as it streams.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from aftersales.models import User
from customers.imports.importing import CUSTOMER_COLUMNS, PRODUCT_COLUMNS
from customers.models import ArchiveAccess, Customer, CustomerPhone, OwnedProduct

CHUNK_SIZE = 2000
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_FORMULA_START = ("=",)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def exportable_customers(*, user: User) -> QuerySet[Customer]:
    """Active, not anonymised archives `user` may see, with phones and tags loaded."""
    return (
        Customer.objects.visible_to(user)
        .active()
        .filter(anonymised_at__isnull=True)
        .prefetch_related(
            Prefetch(
                "phones", queryset=CustomerPhone.objects.order_by("-is_primary", "pk")
            ),
            "tags",
        )
        .order_by("pk")
    )


def exportable_products(*, user: User) -> QuerySet[OwnedProduct]:
    """Products of the archives `exportable_customers` gives, with customer, model and
    seller loaded."""
    customers = (
        Customer.objects.visible_to(user).active().filter(anonymised_at__isnull=True)
    )
    return (
        OwnedProduct.objects.filter(customer__in=customers)
        .select_related("customer", "model", "seller")
        .order_by("pk")
    )


def customer_row(customer: Customer) -> list[Any]:
    """One customer in the import's columns."""
    values = {
        "external_id": customer.external_id,
        "name": customer.name,
        "kind": customer.kind,
        "phone": ";".join(phone.number for phone in customer.phones.all()),
        "email": customer.email,
        "segment": customer.segment,
        "city": customer.city,
        "address": customer.address,
        "region": customer.region,
        "consent_service": _yes_no(customer.consent_service),
        "consent_marketing": _yes_no(customer.consent_marketing),
        "tags": ";".join(sorted(tag.name for tag in customer.tags.all())),
    }
    return [values[column] for column in CUSTOMER_COLUMNS]


def product_row(product: OwnedProduct) -> list[Any]:
    """One owned product in the import's columns."""
    values = {
        "external_id": product.external_id,
        "customer_external_id": product.customer.external_id,
        "model_code": product.model.code,
        "serial": product.serial,
        "seller": product.seller.name if product.seller else "",
        "sale_date": product.sale_date,
        "delivery_date": product.delivery_date,
        "installation_date": product.installation_date,
        "invoice_number": product.invoice_number,
        "invoice_price": product.invoice_price,
        "price_paid": product.price_paid,
        "is_distance_sale": _yes_no(product.is_distance_sale),
    }
    return [values[column] for column in PRODUCT_COLUMNS]


def _rows(objects: QuerySet, row, *, user: User, customer_of) -> Iterator[list[Any]]:
    """Rows of `objects`, CHUNK_SIZE at a time, logging each chunk's archives as exported."""
    chunk: list = []

    def log() -> None:
        ids = {customer_of(obj) for obj in chunk}
        ArchiveAccess.objects.bulk_create(
            ArchiveAccess(customer_id=pk, user=user, action=ArchiveAccess.Action.EXPORT)
            for pk in sorted(ids)
        )
        chunk.clear()

    for obj in objects.iterator(chunk_size=CHUNK_SIZE):
        chunk.append(obj)
        yield row(obj)
        if len(chunk) == CHUNK_SIZE:
            log()
    if chunk:
        log()


def _cell_text(value: Any, dangerous: tuple[str, ...]) -> Any:
    """A value for a spreadsheet cell; text that a spreadsheet would run as a formula gets
    a leading apostrophe (the import drops it again)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(dangerous):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line (csv.writer into a stream)."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: Iterable[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(header)  # the BOM makes Excel read UTF-8 (Chinese)
    for row in rows:
        yield writer.writerow(
            [
                value.isoformat()
                if isinstance(value, date)
                else str(value)
                if isinstance(value, Decimal)
                else _cell_text(value, CSV_FORMULA_START)
                for value in row
            ]
        )


def _filename(kind: str, extension: str) -> str:
    return f"{kind}-{timezone.localdate():%Y%m%d}.{extension}"


def spreadsheet_response(
    kind: str, header: tuple[str, ...], rows: Iterator[list[Any]], file_format: str
):
    """A download of `rows` under `header`: XLSX, else CSV (UTF-8 with BOM, streamed);
    text a spreadsheet would run as a formula is defused. Shared by every export."""
    if file_format == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(kind)
        sheet.append(list(header))
        for row in rows:
            sheet.append([_cell_text(value, XLSX_FORMULA_START) for value in row])
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        workbook.save(handle)
        handle.seek(0)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=_filename(kind, "xlsx"),
            content_type=XLSX_CONTENT_TYPE,
        )
    response = StreamingHttpResponse(
        _csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(kind, "csv")}"'
    return response


def customer_export(*, user: User, file_format: str = "csv"):
    """The customers `user` may see as a CSV (streamed, UTF-8 with BOM) or XLSX download."""
    rows = _rows(
        exportable_customers(user=user),
        customer_row,
        user=user,
        customer_of=lambda customer: customer.pk,
    )
    return spreadsheet_response("customers", CUSTOMER_COLUMNS, rows, file_format)


def product_export(*, user: User, file_format: str = "csv"):
    """The owned products of the customers `user` may see, as CSV or XLSX."""
    rows = _rows(
        exportable_products(user=user),
        product_row,
        user=user,
        customer_of=lambda product: product.customer_id,
    )
    return spreadsheet_response("products", PRODUCT_COLUMNS, rows, file_format)
