"""Customer portal pages, mounted at /portal/ (domain §6 "Customer portal").

Anyone: the landing page, filing a complaint after a one-time code (contact → code →
details), the tracking page of a signed link (read, reply, download the case's public
files) and asking for one's links again. Signed-in customers: their cases and products.
Every lookup goes through a customer-scoped selector (portal/selectors.py); every
public POST is rate-limited per address (settings.PUBLIC_FORM_RATE_LIMIT) and a code per
contact as well. A plain GET never changes anything.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from aftersales.exceptions import DomainError
from aftersales.forms import apply_validation_errors
from portal import selectors
from portal import services as portal
from portal.forms import (
    CodeForm,
    ComplaintForm,
    ContactForm,
    LinksForm,
    ReplyForm,
)
from tickets.attachments.views import attachment_file_response
from tickets.cases import selectors as case_selectors
from tickets.models import Attachment, Ticket

PENDING = "portal_pending"  # session: the contact a code was sent to
VERIFIED = "portal_verified"  # session: the contact proven by its code, and until when
VERIFIED_MINUTES = 30


def _public_rate(group, request) -> str:
    return settings.PUBLIC_FORM_RATE_LIMIT


def _public_post(view):
    """Rate-limit a public form's POSTs per client address (request.limited)."""
    return ratelimit(key="ip", rate=_public_rate, method="POST", block=False)(view)


def _too_many(request, template: str, context: dict, form) -> HttpResponse:
    message = _("Too many attempts. Wait a minute and try again.")
    if form.is_bound:
        form.add_error(None, message)
    else:  # (an unbound form has no errors to add to: "send a new code")
        messages.error(request, message)
    return render(request, template, {**context, "form": form}, status=429)


def _contact_limited(request, contact: str) -> bool:
    """Codes per contact (settings.AFTERSALES_PORTAL_CODE_RATE, default 3 in 10 minutes)
    and per address per hour (AFTERSALES_PORTAL_CODE_IP_RATE, default 20)."""
    key = portal.contact_key(contact)
    per_contact = is_ratelimited(
        request,
        group="portal:code-contact",
        key=lambda group, request: key,
        rate=getattr(settings, "AFTERSALES_PORTAL_CODE_RATE", "3/10m"),
        increment=True,
    )
    per_address = is_ratelimited(
        request,
        group="portal:code-ip",
        key="ip",
        rate=getattr(settings, "AFTERSALES_PORTAL_CODE_IP_RATE", "20/h"),
        increment=True,
    )
    return per_contact or per_address


def _is_staff(request) -> bool:
    return request.user.is_authenticated and request.user.is_staff_member


def _staff_away(request):
    messages.info(
        request, _("The portal is for customers. Staff work on the case pages.")
    )
    return redirect("home")


def _signed_in_customer(request):
    """The signed-in customer's archive and contact, when both are known."""
    customer = selectors.customer_for_user(user=request.user)
    contact = selectors.customer_contact(customer=customer) if customer else None
    return (customer, contact) if contact else (None, None)


def _verified(request) -> dict | None:
    state = request.session.get(VERIFIED)
    if not state or state.get("until", 0) < timezone.now().timestamp():
        return None
    return state


# --- Landing page and signed-in customers ----------------------------------------------------


@require_GET
def portal_home(request):
    """Landing page (file, track, sign in); a signed-in customer sees their cases and
    products. Staff are sent to their own pages."""
    if _is_staff(request):
        return _staff_away(request)
    context = {}
    if request.user.is_authenticated:
        context = {
            "customer": selectors.customer_for_user(user=request.user),
            "tickets": [
                (ticket, selectors.customer_status_label(ticket.status))
                for ticket in selectors.ticket_list_for_customer(user=request.user)
            ],
            "products": selectors.product_list_for_customer(user=request.user),
        }
    return render(request, "portal/home.html", context)


def _case_context(request, ticket: Ticket, *, reply_url: str, file_url_name: str, **kw):
    """What the case page and the tracking page show: the case in customer words."""
    form = kw.pop("form", None) or ReplyForm()
    return {
        "ticket": ticket,
        "status_label": selectors.customer_status_label(ticket.status),
        "timeline": selectors.public_timeline(ticket=ticket),
        "attachments": selectors.public_attachments(ticket=ticket),
        "reply_url": reply_url,
        "file_url_name": file_url_name,
        "can_reply": not _is_staff(request),
        "tracking_days": case_selectors.tracking_days(),
        "form": form,
        **kw,
    }


@login_required
@require_GET
def portal_case_detail(request, number: str):
    """One of the signed-in customer's cases (another customer's case is a 404)."""
    if _is_staff(request):
        return redirect("tickets:ticket-detail", number=number)
    ticket = selectors.ticket_get_for_customer(user=request.user, number=number)
    return render(
        request,
        "portal/case_detail.html",
        _case_context(
            request,
            ticket,
            reply_url=reverse("portal:case-reply", args=[ticket.number]),
            file_url_name="portal:case-file",
            file_key=ticket.number,
        ),
    )


@login_required
@require_POST
@_public_post
def portal_case_reply(request, number: str):
    """The signed-in customer writes on one of their cases."""
    if _is_staff(request):
        raise PermissionDenied
    ticket = selectors.ticket_get_for_customer(user=request.user, number=number)
    return _reply(
        request,
        ticket,
        actor=request.user,
        template="portal/case_detail.html",
        back=reverse("portal:case-detail", args=[ticket.number]),
        file_url_name="portal:case-file",
        file_key=ticket.number,
    )


@login_required
@require_GET
def portal_case_file(request, number: str, pk: int):
    """A customer-visible file of one of the signed-in customer's cases."""
    if _is_staff(request):
        raise PermissionDenied
    ticket = selectors.ticket_get_for_customer(user=request.user, number=number)
    return _file_response(selectors.public_attachment_get(ticket=ticket, pk=pk))


# --- Filing a complaint: contact → code → details --------------------------------------------


@require_http_methods(["GET", "POST"])
@_public_post
def complaint_contact(request):
    """Step 1: a mobile number or e-mail and consent; a code is sent to it. The answer is
    the same whether or not the contact belongs to a customer."""
    if _is_staff(request):
        messages.info(request, _("Staff log cases here."))
        return redirect("tickets:ticket-create")
    if _signed_in_customer(request)[0] is not None:
        return redirect("portal:complaint-details")
    template = "portal/complaint_contact.html"
    form = ContactForm(request.POST or None)
    if request.method == "POST":
        if request.limited:
            return _too_many(request, template, {}, form)
        if form.is_valid():
            contact = form.cleaned_data["contact"]
            if _contact_limited(request, contact):
                return _too_many(request, template, {}, form)
            portal.portal_code_send(
                channel=form.cleaned_data["channel"], contact=contact
            )
            request.session[PENDING] = {
                "channel": form.cleaned_data["channel"],
                "contact": contact,
            }
            request.session.pop(VERIFIED, None)
            return redirect("portal:complaint-verify")
    return render(request, template, {"form": form})


@require_http_methods(["GET", "POST"])
@_public_post
def complaint_verify(request):
    """Step 2: the code received (6 digits, 10 minutes, 5 tries)."""
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("portal:complaint-contact")
    template = "portal/complaint_verify.html"
    context = {"pending": pending}
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if request.limited:
            return _too_many(request, template, context, form)
        if form.is_valid():
            try:
                portal.portal_code_verify(
                    contact=pending["contact"], code=form.cleaned_data["code"]
                )
            except ValidationError as exc:
                apply_validation_errors(form, exc)
            else:
                request.session.cycle_key()
                request.session.pop(PENDING, None)
                request.session[VERIFIED] = {
                    **pending,
                    "until": timezone.now().timestamp() + VERIFIED_MINUTES * 60,
                }
                return redirect("portal:complaint-details")
    return render(request, template, {**context, "form": form})


@require_POST
@_public_post
def complaint_resend(request):
    """Send the pending contact a new code (same limits as the first one)."""
    pending = request.session.get(PENDING)
    if not pending:
        return redirect("portal:complaint-contact")
    if request.limited or _contact_limited(request, pending["contact"]):
        form = CodeForm()
        return _too_many(
            request, "portal/complaint_verify.html", {"pending": pending}, form
        )
    portal.portal_code_send(channel=pending["channel"], contact=pending["contact"])
    messages.info(request, _("We sent you a new code."))
    return redirect("portal:complaint-verify")


@require_http_methods(["GET", "POST"])
@_public_post
def complaint_details(request):
    """Step 3: the request itself. Opens the case and shows its tracking page."""
    if _is_staff(request):
        return redirect("tickets:ticket-create")
    customer, contact = _signed_in_customer(request)
    verified = _verified(request)
    if customer is None and verified is None:
        messages.info(request, _("First confirm your phone number or e-mail."))
        return redirect("portal:complaint-contact")
    channel, value = contact if customer else (verified["channel"], verified["contact"])
    template = "portal/complaint_form.html"
    context = {"contact": value, "signed_in": customer is not None}
    form = ComplaintForm(
        request.POST or None, request.FILES or None, signed_in=customer is not None
    )
    if request.method == "POST":
        if request.limited:
            return _too_many(request, template, context, form)
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = portal.portal_complaint_submit(
                    actor=request.user if customer else None,
                    customer=customer,
                    channel=channel,
                    contact=value,
                    name=data.get("name", ""),
                    type=data["type"],
                    description=data["description"],
                    product_model=data["product_model"],
                    product_text=data["product_text"],
                    serial=data["serial"],
                    purchase_date=data["purchase_date"],
                    photos=data["photos"],
                    safety_incident=data["safety_incident"],
                )
            except ValidationError as exc:
                apply_validation_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                request.session.pop(VERIFIED, None)
                messages.success(
                    request,
                    _(
                        "Thank you. Your request %(number)s is registered; we sent this "
                        "page's link to %(contact)s."
                    )
                    % {"number": ticket.number, "contact": value},
                )
                return redirect(case_selectors.portal_tracking_url(ticket=ticket))
    return render(request, template, {**context, "form": form})


# --- Tracking by link ------------------------------------------------------------------------


def _from_token(request, token: str) -> Ticket | HttpResponse:
    """The case of a tracking link, or the friendly page of a bad (404) or expired (410)
    link."""
    try:
        return case_selectors.ticket_get_by_token(token=token)
    except case_selectors.TrackingLinkExpired:
        return render(
            request, "portal/tracking_gone.html", {"expired": True}, status=410
        )
    except Http404:
        return render(
            request, "portal/tracking_gone.html", {"expired": False}, status=404
        )


@require_GET
def tracking(request, token: str):
    """The tracking page of a signed link: status, public timeline and files, reply form.
    Reading it changes nothing."""
    ticket = _from_token(request, token)
    if isinstance(ticket, HttpResponse):
        return ticket
    return render(
        request,
        "portal/tracking.html",
        _case_context(
            request,
            ticket,
            reply_url=reverse("portal:tracking-reply", args=[token]),
            file_url_name="portal:tracking-file",
            file_key=token,
            link=request.build_absolute_uri(request.path),
        ),
    )


@require_POST
@_public_post
def tracking_reply(request, token: str):
    """The customer writes on the case from the tracking page."""
    ticket = _from_token(request, token)
    if isinstance(ticket, HttpResponse):
        return ticket
    if _is_staff(request):
        raise PermissionDenied
    owner_signed_in = (
        request.user.is_authenticated and ticket.customer.user_id == request.user.pk
    )
    return _reply(
        request,
        ticket,
        actor=request.user if owner_signed_in else None,
        template="portal/tracking.html",
        back=reverse("portal:tracking", args=[token]),
        file_url_name="portal:tracking-file",
        file_key=token,
        link=request.build_absolute_uri(reverse("portal:tracking", args=[token])),
    )


@require_GET
def tracking_file(request, token: str, pk: int):
    """A customer-visible file of the case of a tracking link."""
    ticket = _from_token(request, token)
    if isinstance(ticket, HttpResponse):
        return ticket
    return _file_response(selectors.public_attachment_get(ticket=ticket, pk=pk))


def _reply(request, ticket: Ticket, *, actor, template: str, back: str, **context):
    form = ReplyForm(request.POST)
    page = _case_context(request, ticket, reply_url=request.path, **context)
    if request.limited:
        return _too_many(request, template, page, form)
    if form.is_valid():
        try:
            portal.portal_reply(
                actor=actor, ticket=ticket, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            apply_validation_errors(form, exc)
        else:
            messages.success(request, _("Thank you, your message was sent."))
            return redirect(back)
    return render(request, template, {**page, "form": form})


def _file_response(attachment: Attachment) -> FileResponse:
    """A customer's file: photos shown inline, anything else as a download; the headers
    of every attachment response (tickets.attachments.views)."""
    return attachment_file_response(attachment, inline=True)


# --- Lost links ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_public_post
def links_request(request):
    """Ask for the links of one's recent cases again; they are sent to the contact given,
    and the answer is the same whether or not it is known."""
    template = "portal/links_form.html"
    form = LinksForm(request.POST or None)
    if request.method == "POST":
        if request.limited:
            return _too_many(request, template, {}, form)
        if form.is_valid():
            contact = form.cleaned_data["contact"]
            if _contact_limited(request, contact):
                return _too_many(request, template, {}, form)
            portal.portal_links_send(
                channel=form.cleaned_data["channel"], contact=contact
            )
            messages.success(
                request,
                _(
                    "If we have requests for %(contact)s, their links are on their way "
                    "to it."
                )
                % {"contact": contact},
            )
            return redirect("portal:home")
    return render(request, template, {"form": form})
