"""Routes of the account and customer self-service methods, relative to `/tvmiddleware/api/`."""
from django.urls import path

from . import customer_extra, self_service

urlpatterns = [
    path("account/password/change/", self_service.password_change, name="account-password-change"),
    path("account/reset_password/", self_service.reset_password, name="account-reset-password"),
    path("account/parent_code/set/", self_service.parent_code_set, name="account-parent-code-set"),
    path("account/send_parent_code_by_sms/", self_service.send_parent_code_by_sms,
         name="account-send-parent-code-by-sms"),
    path("account/profile/settings/modify/", self_service.profile_settings_modify,
         name="account-profile-settings-modify"),
    path("account/settings/list/", self_service.settings_list, name="account-settings-list"),
    path("account/settings/modify/", self_service.settings_modify, name="account-settings-modify"),
    path("account/export/", self_service.account_export, name="account-export"),
    path("customer/device/list/", customer_extra.device_list, name="customer-device-list"),
    path("customer/device/delete/", customer_extra.device_delete, name="customer-device-delete"),
    path("customer/info/set/", customer_extra.info_set, name="customer-info-set"),
    path("v2/customer/info/", customer_extra.info_v2, name="v2-customer-info"),
    path("customer/payment/info/", customer_extra.payment_info, name="customer-payment-info"),
    path("customer/invoice/complete/", customer_extra.invoice_complete, name="customer-invoice-complete"),
    path("customer/billing_details_notify/", customer_extra.billing_details_notify,
         name="customer-billing-details-notify"),
    path("customer/tariff/subscription/list/", customer_extra.subscription_list,
         name="customer-tariff-subscription-list"),
    path("customer/tariff/subscription/cost/", customer_extra.subscription_cost_view,
         name="customer-tariff-subscription-cost"),
]
