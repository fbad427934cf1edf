"""Routes of the archive API (assembled under /api/v1/)."""

from aftersales.api.routers import Router
from customers.api import views

router = Router()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("products", views.OwnedProductViewSet, basename="product")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("parties", views.PartyViewSet, basename="party")
router.register("product-models", views.ProductModelViewSet, basename="product-model")

urlpatterns = router.urls
