"""The session, customer, settings, stream URL and payment methods declare their parameters, codes
and answers (`apikit.spec`), and the framework tells which codes it answers by itself
(`wrapper.auth_errors`)."""
from __future__ import annotations

import pytest

from apikit.device import Auth
from apikit.device_responses import NOT_AUTHORIZED, SERVICE_ERROR
from apikit.spec import ErrorCode, Obj
from apis.device import auth, customer, settings_views, streams
from apis.device.errors import BAD_API_KEY
from payments.api import device as payments_device, device_cards, device_saved_cards

DECLARED = [
    auth.login, auth.login_ext, auth.logout, auth.account_status, auth.account_register,
    customer.customer_info, customer.customer_balance, customer.tariff_list, customer.tariff_subscribe,
    customer.tariff_unsubscribe,
    settings_views.settings_save, settings_views.message_list, settings_views.message_detail,
    settings_views.position_set, settings_views.portal_settings_list,
    streams.channel_url, streams.program_url, streams.video_url,
    payments_device.payment_create, payments_device.payment_merchant_url, payments_device.payment_complete,
    payments_device.payment_list, payments_device.payment_cheque, payments_device.payment_qrcode,
    device_cards.payment_process, device_cards.payment_preauth, device_cards.payment_pares_process,
    device_saved_cards.saved_card_list, device_saved_cards.saved_card_delete, device_saved_cards.saved_card_pay,
    device_saved_cards.autopayment_toggle,
]


@pytest.mark.parametrize("method", DECLARED, ids=lambda m: f"{m.__module__}.{m.__name__}")
def test_methods_declare_a_summary_named_codes_and_an_answer(method):
    spec = method.api_spec
    assert spec.summary and isinstance(spec.response, Obj)
    assert all(isinstance(code, ErrorCode) for code in spec.all_errors())
    assert all(isinstance(code, ErrorCode) for code in method.auth_errors)


def test_the_framework_codes_a_method_answers():
    assert auth.logout.device_auth is Auth.SESSION
    assert auth.logout.auth_errors == (NOT_AUTHORIZED, SERVICE_ERROR)
    assert auth.login.auth_errors == (BAD_API_KEY, SERVICE_ERROR)
    assert settings_views.portal_settings_list.auth_errors == (NOT_AUTHORIZED, SERVICE_ERROR)  # default bad key
    assert str(NOT_AUTHORIZED) == "403" and int(SERVICE_ERROR) == 1


def test_card_data_is_read_without_its_value(rf):
    from common.params import Params

    request = rf.post("/", {"card_number": "4111111111111111"})
    card = next(param for param in device_cards.payment_process.api_spec.params if param.name == "card_number")
    assert card.read(Params(request)) is True
