"""Pages of the cross-cutting app: sign-in, home, notifications, health check."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n as i18n_views
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_ratelimit.core import is_ratelimited

from aftersales import health, notification_kinds, permissions, selectors, services
from aftersales.clients import sign_in_limited
from aftersales.forms import LoginForm, MarkReadForm
from aftersales.middleware import language_path
from standards import selectors as standards_selectors
from tickets.cases import selectors as case_selectors


@require_POST
def language_set(request):
    """Django's language switch (cookie, redirect to the page in that language), and
    for a signed-in person the language of their profile, so that unprefixed pages,
    notifications and e-mails follow it."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=language)
    if response.status_code == 302 and response["Location"].startswith("/"):
        # (Django translates the page's path only from the default language's patterns:
        # from /zh-hans/… back to English it would stay on the Chinese page)
        path, mark, query = response["Location"].partition("?")
        response["Location"] = language_path(path, language) + mark + query
    return response


@require_GET
@never_cache
def healthz(request):
    """Liveness and readiness: database, cache and broker status; 200 while the database
    answers (without the cache or the broker the service still works: limits fail open,
    background work waits in the outbox), 503 when it does not."""
    database = health.database_status()
    payload = {
        "status": "ok" if database == "ok" else "error",
        "database": database,
        "cache": health.cache_status(),
        "broker": health.broker_status(),
    }
    return JsonResponse(payload, status=200 if database == "ok" else 503)


def locked_out(request, credentials=None, *args, **kwargs) -> HttpResponse:
    """django-axes' answer to a locked-out account or address (AXES_LOCKOUT_CALLABLE):
    429 with the reason, as JSON for the API, else the sign-in page with the message."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-ins for this account or from this address. Try again in "
        "%(minutes)s minutes."
    ) % {"minutes": minutes}
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": message},
        status=429,
    )


class LoginView(auth_views.LoginView):
    """Sign-in page; POSTs count against the address's sign-in budget, and django-axes
    locks an account or an address after repeated failures."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if sign_in_limited(request):
            form = self.get_form()
            form.add_error(
                None, _("Too many sign-in attempts. Wait a minute and try again.")
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


@login_required
def home(request):
    """The home page: what this person should look at first, by role."""
    user = request.user
    if not user.is_staff_member and not user.is_superuser:
        # Customers live on the portal.
        return redirect("portal:home")
    context = {
        "roles": user.role_names,
        "memberships": selectors.me_get(user=user).memberships.all(),
        "recent_notifications": selectors.notification_list(user=user)[:5],
    }
    if permissions.sees_job_runs(user):
        context["job_runs"] = selectors.job_run_list_recent(limit=8)
    if user.is_staff_member:
        context["to_acknowledge"] = standards_selectors.versions_to_acknowledge(
            user=user
        )
    return render(request, "aftersales/home.html", context)


@login_required
@vary_on_headers("HX-Request")
def notification_list(request):
    """All of the user's notifications, newest first, 25 a page."""
    page = Paginator(selectors.notification_list(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    template = "aftersales/notification_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#notification-table"
    return render(request, template, {"page": page})


@login_required
def notification_bell(request):
    """The bell's menu (an htmx fragment): what needs me now (staff: the queue's
    awaiting, overdue and due-today counts), my newest unread notifications, mark all
    read."""
    user = request.user
    context = {
        "unread": selectors.notification_unread(user=user),
        "unread_count": selectors.notification_unread_count(user=user),
    }
    if user.is_staff_member:
        context["needs"] = case_selectors.needs_me_now(user=user, now=timezone.now())
    return render(request, "aftersales/_bell.html", context)


@login_required
def notification_settings(request):
    """Which kinds of notification come by e-mail too (each person's own choice)."""
    if request.method == "POST":
        try:
            services.notification_email_set(
                user=request.user, kinds=request.POST.getlist("email")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your choice is saved."))
            return redirect("notification-settings")
    choices = notification_kinds.email_choices(request.user)
    areas: dict = {}
    for choice in choices:
        areas.setdefault(str(choice["area"]), []).append(choice)
    return render(request, "aftersales/notification_settings.html", {"areas": areas})


@login_required
@require_POST
def notification_mark_read(request):
    """Mark the given notifications (or all) read, then back to the list."""
    form = MarkReadForm(request.POST)
    ids = form.cleaned_data["ids"] or None if form.is_valid() else []
    services.notifications_mark_read(user=request.user, ids=ids)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return redirect("notification-list")


def staff_required(view):
    """Sign-in required, and staff only: customers get 403 (they have the portal)."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff_member:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


# --- Passwords ------------------------------------------------------------------------------


def _password_page(view, template, **texts):
    return view.as_view(template_name=template, extra_context=texts)


password_change = _password_page(
    auth_views.PasswordChangeView,
    "registration/password_form.html",
    heading=gettext_lazy("Change my password"),
    button=gettext_lazy("Change password"),
    intro=gettext_lazy("Your other sessions and your API tokens end when it changes."),
)
password_change_done = _password_page(
    auth_views.PasswordChangeDoneView,
    "registration/password_message.html",
    heading=gettext_lazy("Password changed"),
    message=gettext_lazy("Your password was changed."),
)
password_reset_done = _password_page(
    auth_views.PasswordResetDoneView,
    "registration/password_message.html",
    heading=gettext_lazy("Check your e-mail"),
    message=gettext_lazy(
        "If an account has this address, we sent it a link to choose a new password."
    ),
)
password_reset_confirm = _password_page(
    auth_views.PasswordResetConfirmView,
    "registration/password_form.html",
    heading=gettext_lazy("Choose a new password"),
    button=gettext_lazy("Set password"),
)
password_reset_complete = _password_page(
    auth_views.PasswordResetCompleteView,
    "registration/password_message.html",
    heading=gettext_lazy("Password set"),
    message=gettext_lazy("Your new password is set: sign in with it."),
)


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a password-reset link by e-mail (the answer never tells whether the
    address has an account); rate-limited per client address like the public forms."""

    template_name = "registration/password_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    extra_context = {
        "heading": gettext_lazy("Reset my password"),
        "button": gettext_lazy("Send me a link"),
        "intro": gettext_lazy(
            "We send a link to choose a new password to your e-mail."
        ),
    }

    def post(self, request, *args, **kwargs):
        if is_ratelimited(
            request, group="password-reset", key="ip",
            rate=settings.PUBLIC_FORM_RATE_LIMIT, method="POST", increment=True,
        ):  # fmt: skip
            form = self.get_form()
            form.is_valid()
            form.add_error(None, _("Too many attempts. Wait a minute and try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)
