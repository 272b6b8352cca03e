"""Device API payment methods, relative to `/tvmiddleware/api/` (included when payments is installed),
and the signed receipt and QR-code links they hand out."""
from django.urls import path

from . import device, device_cards, device_saved_cards, receipts

urlpatterns: list = [
    path("payment/create/", device.payment_create, name="payment-create"),
    path("payment/complete/", device.payment_complete, name="payment-complete"),
    path("payment/merchant_url/", device.payment_merchant_url, name="payment-merchant-url"),
    path("payment/list/", device.payment_list, name="payment-list"),
    path("payment/cheque/", device.payment_cheque, name="payment-cheque"),
    path("payment/qrcode/", device.payment_qrcode, name="payment-qrcode"),
    path("payment/process/", device_cards.payment_process, name="payment-process"),
    path("payment/preauth/", device_cards.payment_preauth, name="payment-preauth"),
    path("payment/pares/process/", device_cards.payment_pares_process, name="payment-pares-process"),
    path("payment/saved_card/list/", device_saved_cards.saved_card_list, name="payment-saved-card-list"),
    path("payment/saved_card/delete/", device_saved_cards.saved_card_delete, name="payment-saved-card-delete"),
    path("payment/saved_card/pay/", device_saved_cards.saved_card_pay, name="payment-saved-card-pay"),
    path("customer/autopayment/", device_saved_cards.autopayment_toggle, name="customer-autopayment"),
    # Links for people rather than apps (no session: the signed token is the permission).
    path("payment/receipt/<str:token>/", receipts.receipt_page, name="payments-receipt"),
    path("payment/qrcode/image/<str:token>/", receipts.qrcode_image, name="payments-qrcode-image"),
]
