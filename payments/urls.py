"""`/billing/payment/`: gateway notifications (included by the project URLconf when payments is installed)."""
urlpatterns: list = []
