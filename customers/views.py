"""Staff pages of the customer archive: search, the archive page with products, warranty
status and timeline, logging a contact, products, parties, product models, duplicates and
merging, and the privacy actions (export, anonymise, access log)."""

from __future__ import annotations

import io
import json
import zipfile

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from aftersales import permissions
from aftersales.forms import apply_validation_errors
from aftersales.models import User
from aftersales.pagination import BoundedPaginator
from aftersales.views import staff_required
from customers import selectors, services, validity
from customers.filters import CustomerFilterSet
from customers.forms import (
    ContactForm,
    CustomerForm,
    MergeForm,
    PartyForm,
    ProductForm,
    ProductModelForm,
)
from customers.models import Customer, Party, ProductModel
from customers.phones import display as phone_display

PAGE_SIZE = 25


@staff_required
@vary_on_headers("HX-Request")
def customer_list(request):
    """Find a customer by name, phone (any format), e-mail, serial or invoice number;
    filtered by the same FilterSet as the API (segment, kind, unit, region, tag)."""
    q = request.GET.get("q", "")
    segment = request.GET.get("segment", "")
    customers = selectors.customer_list(user=request.user, q=q)
    filterset = CustomerFilterSet(request.GET, queryset=customers)
    if filterset.is_valid():
        customers = filterset.qs
    page = BoundedPaginator(
        customers.order_by("search_name", "pk"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    services.archive_access_log_list(
        user=request.user, query=q, count=len(page.object_list), where="page"
    )
    template = "customers/customer_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(
        request,
        template,
        {
            "page": page,
            "q": q,
            "segment": segment,
            "segments": Customer.Segment.choices,
        },
    )


def _warranty_rows(products, today) -> list[dict]:
    rows = []
    for product in products:
        components = [
            {"name": name, "end": end, "status": validity.status_on(end, today)}
            for name, end in sorted(
                (name, timezone.datetime.fromisoformat(value).date())
                for name, value in product.component_validity.items()
            )
        ]
        rows.append(
            {
                "product": product,
                "status": validity.status_on(product.validity_end, today),
                "components": components,
            }
        )
    return rows


@staff_required
def customer_detail(request, pk: int):
    """The archive: contact details, consent, products with warranty status per component,
    the timeline, and the contact form. Every view is logged (PIPL)."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    if customer.merged_into_id:
        messages.info(
            request, _("This archive was merged; showing the surviving archive.")
        )
        return redirect(customer.merged_into)
    services.archive_access_log(customer=customer, user=request.user)
    today = timezone.localdate()
    return render(
        request,
        "customers/customer_detail.html",
        {
            "customer": customer,
            "phones": [(p, phone_display(p.number)) for p in customer.phones.all()],
            "warranty": _warranty_rows(selectors.products_of(customer=customer), today),
            "timeline": selectors.customer_timeline(customer=customer),
            "contact_form": ContactForm(),
        },
    )


@staff_required
def customer_create(request):
    """Open a new archive."""
    form = CustomerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                actor=request.user, **form.service_data()
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Customer archive created."))
            return redirect(customer)
    return render(request, "customers/customer_form.html", {"form": form})


@staff_required
def customer_edit(request, pk: int):
    """Change an archive (consent changes are logged with their time)."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                customer=customer, actor=request.user, **form.service_data()
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Customer archive saved."))
            return redirect(customer)
    return render(
        request, "customers/customer_form.html", {"form": form, "customer": customer}
    )


@staff_required
@require_POST
def contact_create(request, pk: int):
    """Log a contact from the archive page (htmx: returns the refreshed timeline)."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        services.contact_log(actor=request.user, customer=customer, **form.cleaned_data)
        if not request.htmx:
            messages.success(request, _("Contact recorded."))
            return redirect(customer)
        form = ContactForm()
    elif not request.htmx:
        messages.error(request, _("The contact was not recorded: check the form."))
        return redirect(customer)
    return render(
        request,
        "customers/customer_detail.html#contact-panel",
        {
            "customer": customer,
            "contact_form": form,
            "timeline": selectors.customer_timeline(customer=customer),
        },
    )


@staff_required
def product_create(request, pk: int):
    """Register a product the customer owns."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_register(
                actor=request.user, customer=customer, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Product registered."))
            return redirect(product)
    return render(
        request, "customers/product_form.html", {"form": form, "customer": customer}
    )


@staff_required
def product_detail(request, pk: int):
    """An owned product: dates, validity per component and the events that moved it."""
    product = selectors.product_get(user=request.user, pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "customers/product_detail.html",
        {"product": product, "warranty": _warranty_rows([product], today)[0]},
    )


@staff_required
def product_edit(request, pk: int):
    """Change an owned product's data (validity is recomputed)."""
    product = selectors.product_get(user=request.user, pk=pk)
    form = ProductForm(request.POST or None, instance=product)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(
                actor=request.user, product=product, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Product saved."))
            return redirect(product)
    return render(
        request,
        "customers/product_form.html",
        {"form": form, "customer": product.customer, "product": product},
    )


@staff_required
def duplicate_list(request):
    """Archives sharing a phone number or an e-mail, with a merge button per pair."""
    return render(
        request,
        "customers/duplicate_list.html",
        {"groups": selectors.duplicate_groups(user=request.user)},
    )


@staff_required
@require_POST
def customer_merge(request):
    """Merge a duplicate archive into the chosen survivor."""
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the two archives to merge."))
        return redirect("customers:duplicate-list")
    survivor = selectors.customer_get(
        user=request.user, pk=form.cleaned_data["survivor"]
    )
    duplicate = selectors.customer_get(
        user=request.user, pk=form.cleaned_data["duplicate"]
    )
    try:
        services.customer_merge(
            survivor=survivor, duplicate=duplicate, actor=request.user
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("customers:duplicate-list")
    messages.success(
        request, _("Archives merged: every link now points to this archive.")
    )
    return redirect(survivor)


@staff_required
def customer_export(request, pk: int):
    """All personal data of the customer: JSON, or a ZIP with the JSON (and attachments)."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    data = services.customer_export_data(customer=customer, actor=request.user)
    payload = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    stem = f"customer-{customer.pk}"
    if request.GET.get("format") == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{stem}/personal-data.json", payload)
            for path, content in services.customer_attachments(customer=customer):
                archive.writestr(f"{stem}/attachments/{path}", content)
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{stem}.zip"'
        return response
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}.json"'
    return response


@staff_required
@require_POST
def customer_anonymise(request, pk: int):
    """Anonymise an archive on the customer's request (managers)."""
    customer = selectors.customer_get(user=request.user, pk=pk)
    try:
        services.customer_anonymise(customer=customer, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("The archive was anonymised; cases and statistics remain.")
        )
    return redirect(customer)


@staff_required
def customer_access_log(request, pk: int):
    """Who viewed or exported this archive (managers)."""
    if not permissions.can_manage_archives(request.user):
        raise PermissionDenied
    customer = selectors.customer_get(user=request.user, pk=pk)
    page = Paginator(selectors.archive_access_list(customer=customer), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "customers/access_log.html", {"customer": customer, "page": page}
    )


@staff_required
def user_access_log(request, user_id: int):
    """What one person looked at: every archive, timeline, export, list and search with
    how many archives it showed (managers)."""
    if not permissions.can_manage_archives(request.user):
        raise PermissionDenied
    person = get_object_or_404(User, pk=user_id)
    page = Paginator(selectors.archive_access_by_user(user=person), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request, "customers/user_access_log.html", {"person": person, "page": page}
    )


@staff_required
def party_list(request):
    """Parties by kind, with a form to add one."""
    form = PartyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.party_save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Party saved."))
            return redirect("customers:party-list")
    kind = request.GET.get("kind", "")
    return render(
        request,
        "customers/party_list.html",
        {
            "parties": selectors.party_list(kind=kind),
            "form": form,
            "kind": kind,
            "kinds": Party.Kind.choices,
        },
    )


@staff_required
def product_model_list(request):
    """Product models, with a form to add one."""
    form = ProductModelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_model_save(actor=request.user, **form.service_data())
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Product model saved."))
            return redirect("customers:product-model-list")
    return render(
        request,
        "customers/product_model_list.html",
        {"product_models": selectors.product_model_list(), "form": form},
    )


@staff_required
def product_model_edit(request, pk: int):
    """Change a product model."""
    product_model = get_object_or_404(ProductModel, pk=pk)
    form = ProductModelForm(
        request.POST or None,
        instance=product_model,
        initial={"main_components": ", ".join(product_model.main_components)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.product_model_save(
                actor=request.user, product_model=product_model, **form.service_data()
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Product model saved."))
            return redirect("customers:product-model-list")
    return render(
        request,
        "customers/product_model_list.html",
        {
            "product_models": selectors.product_model_list(),
            "form": form,
            "editing": product_model,
        },
    )
