"""Routes of the archive API (assembled under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from customers.api import views

router = SimpleRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("products", views.OwnedProductViewSet, basename="product")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("parties", views.PartyViewSet, basename="party")
router.register("product-models", views.ProductModelViewSet, basename="product-model")

urlpatterns = router.urls
