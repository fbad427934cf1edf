"""Staff pages of the feedback app, mounted at /customers/ (archive layer)."""

from django.urls import path

from customers import views as archive
from customers.imports import views as import_views

app_name = "customers"
urlpatterns = [
    path("", archive.customer_list, name="customer-list"),
    path("new/", archive.customer_create, name="customer-create"),
    path("duplicates/", archive.duplicate_list, name="duplicate-list"),
    path("merge/", archive.customer_merge, name="customer-merge"),
    path("parties/", archive.party_list, name="party-list"),
    path("product-models/", archive.product_model_list, name="product-model-list"),
    path(
        "product-models/<int:pk>/",
        archive.product_model_edit,
        name="product-model-edit",
    ),
    path("products/<int:pk>/", archive.product_detail, name="product-detail"),
    path("products/<int:pk>/edit/", archive.product_edit, name="product-edit"),
    path("products/export/", import_views.product_export, name="product-export"),
    path("export/", import_views.customer_export, name="customer-export"),
    path("imports/", import_views.import_list, name="import-list"),
    path("imports/<int:pk>/", import_views.import_detail, name="import-detail"),
    path("imports/<int:pk>/start/", import_views.import_start, name="import-start"),
    path(
        "imports/<int:pk>/progress/",
        import_views.import_progress,
        name="import-progress",
    ),
    path(
        "imports/<int:pk>/errors.csv", import_views.import_errors, name="import-errors"
    ),
    path("<int:pk>/", archive.customer_detail, name="customer-detail"),
    path("<int:pk>/edit/", archive.customer_edit, name="customer-edit"),
    path("<int:pk>/contacts/", archive.contact_create, name="contact-create"),
    path("<int:pk>/products/new/", archive.product_create, name="product-create"),
    path("<int:pk>/export/", archive.customer_export, name="customer-data-export"),
    path("<int:pk>/anonymise/", archive.customer_anonymise, name="customer-anonymise"),
    path(
        "<int:pk>/access-log/", archive.customer_access_log, name="customer-access-log"
    ),
    path(
        "access-log/users/<int:user_id>/",
        archive.user_access_log,
        name="user-access-log",
    ),
]
