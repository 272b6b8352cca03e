"""Routes of the login variants (phone, device, QR), promo codes, profile types and countries, relative to
`/tvmiddleware/api/`; both spellings, with and without the trailing slash."""
from . import login_variants, promo, qr_login, reference_lists
from .routing import both_spellings

_METHODS = [
    ("login/customer_list", login_variants.login_customer_list, "login-customer-list"),
    ("noauth/device/exists", login_variants.device_exists, "noauth-device-exists"),
    ("noauth/qr/login/generate", qr_login.qr_login_generate, "noauth-qr-login-generate"),
    ("qr/login/sync", qr_login.qr_login_sync, "qr-login-sync"),
    ("promo/activate", promo.promo_activate, "promo-activate"),
    ("promo/list", promo.promo_list, "promo-list"),
    ("profile/list", reference_lists.profile_list, "profile-list"),
    ("country/list", reference_lists.country_list, "country-list"),
    ("country/info", reference_lists.country_info, "country-info"),
]

urlpatterns = both_spellings(_METHODS)
