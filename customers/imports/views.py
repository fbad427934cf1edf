"""Import and export pages of the customer archive: upload a CSV/XLSX file, see the preview
(counts and row errors), start the import, watch its progress, download the error report;
export customers and owned products in the import's columns."""

from __future__ import annotations

import csv

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from aftersales.exceptions import DomainError
from aftersales.forms import BootstrapFormMixin
from aftersales.views import staff_required
from customers import selectors
from customers.imports import exporting, importing
from customers.models import ImportJob

ERROR_PREVIEW_ROWS = 20


class ImportUploadForm(BootstrapFormMixin, forms.Form):
    """What the file holds and the file (its checks are in `importing.import_preview`).
    Kept beside its views: the import feature owns no other form."""

    kind = forms.ChoiceField(label=gettext_lazy("Contents"), choices=ImportJob.Kind)
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8 or GB18030) or XLSX, at most 10 MB and 50,000 rows; "
            "the first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


def _error_preview(job: ImportJob) -> list[dict]:
    """The errors of the first ERROR_PREVIEW_ROWS rows with errors (file errors first), one
    entry per row: {"row", "errors"}."""
    groups: dict = {}
    for error in job.errors:
        if error["row"] not in groups:
            if len(groups) == ERROR_PREVIEW_ROWS:
                break
            groups[error["row"]] = []
        groups[error["row"]].append(error)
    return [{"row": row, "errors": errors} for row, errors in groups.items()]


@staff_required
def import_list(request):
    """My imports (a manager's: everyone's), newest first, and the upload form."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = importing.import_preview(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                uploaded_file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            return redirect(job)
    # The list never shows the row errors, which can be 50,000 rows' worth per job.
    jobs = selectors.import_job_list(user=request.user).defer("errors")
    page = Paginator(jobs, 25).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "customer_columns": importing.CUSTOMER_COLUMNS,
        "product_columns": importing.PRODUCT_COLUMNS,
    }
    return render(request, "customers/import_list.html", context)


@staff_required
@require_GET
def import_detail(request, pk: int):
    """One import: the preview (counts, the first rows' errors, the start button), then
    its progress and result."""
    job = selectors.import_job_get(user=request.user, pk=pk)
    context = {
        "job": job,
        "error_preview": _error_preview(job),
        "error_rows": len({e["row"] for e in job.errors}),
        "error_preview_rows": ERROR_PREVIEW_ROWS,
        "can_start": job.status == ImportJob.Status.PREVIEWED and job.valid_rows > 0,
    }
    return render(request, "customers/import_detail.html", context)


@staff_required
@require_POST
def import_start(request, pk: int):
    """Queue the previewed import; back to its page, which shows the progress."""
    job = selectors.import_job_get(user=request.user, pk=pk)
    try:
        importing.import_start(job=job, actor=request.user)
    except (DomainError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("Import started."))
    return redirect(job)


@staff_required
@require_GET
def import_progress(request, pk: int):
    """The progress fragment of the import page (polled by htmx every second while the
    import is queued or running)."""
    job = selectors.import_job_get(user=request.user, pk=pk)
    context = {"job": job, "oob": True}  # the header's status badge changes with it
    return render(request, "customers/import_detail.html#progress", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_required
@require_GET
def import_errors(request, pk: int):
    """The error report of an import as CSV: row, column, message."""
    job = selectors.import_job_get(user=request.user, pk=pk)
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow(["row", "field", "message"])
        for error in job.errors:
            yield writer.writerow(
                [error["row"] or "", error["field"], error["message"]]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="import-{job.pk}-errors.csv"'
    )
    return response


def _format(request) -> str:
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


@staff_required
@require_GET
def customer_export(request):
    """The customers I may see, in the import's columns (?format=csv|xlsx)."""
    return exporting.customer_export(user=request.user, file_format=_format(request))


@staff_required
@require_GET
def product_export(request):
    """The owned products of the customers I may see (?format=csv|xlsx)."""
    return exporting.product_export(user=request.user, file_format=_format(request))
