"""Routes of the device API, relative to `/tvmiddleware/api/`."""
from django.urls import path

from . import self_service_urls
from . import auth, channels_urls, customer, guest_urls, settings_urls, streams_urls, vod_urls
from . import login_variants_urls

urlpatterns = [
    path("login/", auth.login, name="login"),
    path("login/ext/", auth.login_ext, name="login-ext"),
    path("logout/", auth.logout, name="logout"),
    path("account/status/", auth.account_status, name="account-status"),
    path("account/register/", auth.account_register, name="account-register"),
    path("customer/info/", customer.customer_info, name="customer-info"),
    path("customer/balance/", customer.customer_balance, name="customer-balance"),
    path("customer/tariff/list/", customer.tariff_list, name="customer-tariff-list"),
    path("customer/tariff/subscribe/", customer.tariff_subscribe, name="customer-tariff-subscribe"),
    path("customer/tariff/unsubscribe/", customer.tariff_unsubscribe, name="customer-tariff-unsubscribe"),
    # The account twins act on the account's customer (tariffs belong to customers here).
    path("account/tariff/list", customer.tariff_list, name="account-tariff-list"),
    path("account/tariff/list/", customer.tariff_list),
    path("account/tariff/subscribe", customer.tariff_subscribe, name="account-tariff-subscribe"),
    path("account/tariff/subscribe/", customer.tariff_subscribe),
    path("account/tariff/unsubscribe", customer.tariff_unsubscribe, name="account-tariff-unsubscribe"),
    path("account/tariff/unsubscribe/", customer.tariff_unsubscribe),
    # The busiest methods first: a request walks the lists in order (their routes are distinct). The
    # lists are joined, not included: an included list that does not match raises and catches an
    # exception inside Django's resolver, whose traceback is garbage the cycle collector must free.
    *channels_urls.urlpatterns,
    *streams_urls.urlpatterns,
    *settings_urls.urlpatterns,
    *vod_urls.urlpatterns,
    *self_service_urls.urlpatterns,
    *login_variants_urls.urlpatterns,
    *guest_urls.urlpatterns,
]
