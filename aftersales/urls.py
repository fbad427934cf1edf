"""Root URLconf: pages under an optional language prefix (/zh-hans/), API and health check
without one."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from aftersales import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.language_set, name="set_language"),
    path("api/v1/", include("aftersales.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        # (the split view serves its start-up script as a file: no inline script)
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema"),
        name="api-docs",
    ),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.password_change, name="password_change"),
    path(
        "accounts/password/done/",
        views.password_change_done,
        name="password_change_done",
    ),
    path(
        "accounts/password/reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/done/",
        views.password_reset_done,
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/bell/", views.notification_bell, name="notification-bell"),
    path(
        "notifications/settings/",
        views.notification_settings,
        name="notification-settings",
    ),
    path(
        "notifications/read/",
        views.notification_mark_read,
        name="notification-mark-read",
    ),
    path("standards/", include("standards.urls")),
    path("customers/", include("customers.urls")),
    path("tickets/", include("tickets.urls")),
    path("portal/", include("portal.urls")),
    path("followups/", include("feedback.followups.urls")),
    path("feedback/", include("feedback.voice.urls")),
    path("care/", include("feedback.care.urls")),
    path("dashboard/", include("dashboards.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)
