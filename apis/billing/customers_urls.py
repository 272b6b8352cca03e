"""Billing API routes of the customers group (relative to /billing/api/)."""
from django.urls import path

from . import customers, payment_methods

urlpatterns: list = [
    path("customer/create/", customers.customer_create),
    path("customer/delete/", customers.customer_delete),
    path("customer/info/", customers.customer_info),
    path("customer/list/", customers.customer_list),
    path("customer/merchant_url/", payment_methods.customer_merchant_url),
    path("customer/modify/", customers.customer_modify),
    path("customer/payment/create/", payment_methods.customer_payment_create),
    path("customer/payment/process/", payment_methods.customer_payment_process),
    path("customer/saved_card/pay/", payment_methods.customer_saved_card_pay),
    path("customer/tariff/assign/", customers.customer_tariff_assign),
    path("customer/tariff/remove/", customers.customer_tariff_remove),
    path("customer/tariffsubscription/create/", customers.customer_tariff_subscription_create),
    path("customer/tariffsubscription/delete/", customers.customer_tariff_subscription_delete),
    path("customer/transaction/list/", customers.customer_transaction_list),
]
