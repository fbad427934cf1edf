"""Customer portal pages, mounted at /portal/ (api.md: /portal/, /portal/new/,
/portal/t/<token>/)."""

from django.urls import path

from portal import views

app_name = "portal"
urlpatterns = [
    path("", views.portal_home, name="home"),
    path("new/", views.complaint_contact, name="complaint-contact"),
    path("new/code/", views.complaint_verify, name="complaint-verify"),
    path("new/code/resend/", views.complaint_resend, name="complaint-resend"),
    path("new/details/", views.complaint_details, name="complaint-details"),
    path("links/", views.links_request, name="links-request"),
    path("t/<str:token>/", views.tracking, name="tracking"),
    path("t/<str:token>/reply/", views.tracking_reply, name="tracking-reply"),
    path("t/<str:token>/files/<int:pk>/", views.tracking_file, name="tracking-file"),
    path("cases/<str:number>/", views.portal_case_detail, name="case-detail"),
    path("cases/<str:number>/reply/", views.portal_case_reply, name="case-reply"),
    path(
        "cases/<str:number>/files/<int:pk>/", views.portal_case_file, name="case-file"
    ),
]
