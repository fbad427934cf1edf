"""Routes of the tickets API (assembled under /api/v1/): each concern's routes."""

from tickets.attachments.api import urls as attachment_urls
from tickets.cases.api import urls as case_urls
from tickets.ownership.api import urls as ownership_urls
from tickets.recourse.api import urls as recourse_urls
from tickets.repairs.api import urls as repair_urls

urlpatterns = [
    *case_urls.urlpatterns,
    *repair_urls.urlpatterns,
    *recourse_urls.urlpatterns,
    *attachment_urls.urlpatterns,
    *ownership_urls.urlpatterns,
]
