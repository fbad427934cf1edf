"""Staff pages of the tickets app, mounted at /tickets/: each concern's pages, the
case-number catch-alls of the cases concern last."""

from tickets.attachments import urls as attachment_urls
from tickets.cases import urls as case_urls
from tickets.ownership import urls as ownership_urls
from tickets.recourse import urls as recourse_urls
from tickets.repairs import urls as repair_urls
from tickets.replies import urls as reply_urls

app_name = "tickets"
urlpatterns = [
    *case_urls.urlpatterns,
    *repair_urls.urlpatterns,
    *recourse_urls.urlpatterns,
    *attachment_urls.urlpatterns,
    *ownership_urls.urlpatterns,
    *reply_urls.urlpatterns,
    *case_urls.case_patterns,
]
