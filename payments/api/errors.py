"""The error codes of the device API's payment methods, named (docs/payments.md).

Smarty numbers them per method: most methods that start or take a payment answer PaymentCreate's
table (`PAYMENT_ERRORS`, the numbering `GatewayRefusal.code` follows too); the others have small
tables of their own, so several constants share a number. The device framework's own codes (403
without a session, 1 for an unhandled service error) are in `apikit.device_responses`.
"""
from __future__ import annotations

from apikit.spec import ErrorCode

# --- PaymentCreate's table (payment/create, qrcode, process, preauth, saved_card/pay) ------------------
UNKNOWN_ERROR = ErrorCode(1, "UNKNOWN_ERROR", "Unknown error.")
GATEWAY_ERROR = ErrorCode(2, "GATEWAY_ERROR", "Internal error of the payment gateway (it refused the merchant's call).")
GATEWAY_UNREACHABLE = ErrorCode(3, "GATEWAY_UNREACHABLE", "External error: the gateway is unreachable or timed out.")
BAD_PARAMETERS = ErrorCode(4, "BAD_PARAMETERS", "A parameter is missing or malformed (saved_card/pay: also no such "
                                                "card; payment/preauth: also no such transaction).")
CARD_REFUSED = ErrorCode(5, "CARD_REFUSED", "The card was refused.")
FRAUD_SUSPECTED = ErrorCode(6, "FRAUD_SUSPECTED", "Refused as suspected fraud.")
CARD_INSUFFICIENT_FUNDS = ErrorCode(7, "CARD_INSUFFICIENT_FUNDS", "The card's funds or amount limit do not cover it.")
ISSUER_LIMIT = ErrorCode(8, "ISSUER_LIMIT", "The issuer's limit is exceeded.")
AUTHENTICATION_FAILED = ErrorCode(9, "AUTHENTICATION_FAILED", "Authorization or 3-D Secure authentication failed.")
WRONG_CARD_DATA = ErrorCode(10, "WRONG_CARD_DATA", "Wrong card data, or the card has expired.")
ISSUER_REFUSED = ErrorCode(11, "ISSUER_REFUSED", "The issuer refused or blocked the card, or did not answer.")
CARDHOLDER_NOT_FOUND = ErrorCode(12, "CARDHOLDER_NOT_FOUND", "The gateway does not know the customer.")
NOT_SUPPORTED = ErrorCode(13, "NOT_SUPPORTED", "Not supported by the merchant (also: no such merchant configured).")
OTHER_REFUSAL = ErrorCode(14, "OTHER_REFUSAL", "Another refusal of the gateway.")
COUNTRY_RESTRICTED = ErrorCode(15, "COUNTRY_RESTRICTED", "The card's country is not allowed.")
THREE_DS_NEEDED = ErrorCode(16, "THREE_DS_NEEDED", "3-D Secure is needed.")
ISSUER_CRITICAL = ErrorCode(17, "ISSUER_CRITICAL", "Critical failure at the issuer.")
AMOUNT_ERROR = ErrorCode(18, "AMOUNT_ERROR", "The amount was refused.")
CARD_NOT_FOUND = ErrorCode(19, "CARD_NOT_FOUND", "The card was not found at the gateway.")
PAYMENT_ERRORS = (
    UNKNOWN_ERROR, GATEWAY_ERROR, GATEWAY_UNREACHABLE, BAD_PARAMETERS, CARD_REFUSED, FRAUD_SUSPECTED,
    CARD_INSUFFICIENT_FUNDS, ISSUER_LIMIT, AUTHENTICATION_FAILED, WRONG_CARD_DATA, ISSUER_REFUSED,
    CARDHOLDER_NOT_FOUND, NOT_SUPPORTED, OTHER_REFUSAL, COUNTRY_RESTRICTED, THREE_DS_NEEDED, ISSUER_CRITICAL,
    AMOUNT_ERROR, CARD_NOT_FOUND,
)
_BY_NUMBER = {int(code): code for code in PAYMENT_ERRORS}

# --- the other methods ---------------------------------------------------------------------------------
INVALID_PARAM = ErrorCode(1, "INVALID_PARAM", "A parameter is missing or malformed.")
# payment/merchant_url
MERCHANT_URL_FAILED = ErrorCode(1, "MERCHANT_URL_FAILED", "Unknown error (also: a malformed parameter).")
MERCHANT_ERROR = ErrorCode(2, "MERCHANT_ERROR", "The merchant refused (also: no such merchant configured).")
MERCHANT_FRAUD = ErrorCode(3, "MERCHANT_FRAUD", "Refused as suspected fraud.")
# payment/complete, payment/cheque, payment/pares/process
TRANSACTION_NOT_FOUND = ErrorCode(1, "TRANSACTION_NOT_FOUND", "No such transaction of the subscriber.")
STATUS_NOT_ASKED = ErrorCode(2, "STATUS_NOT_ASKED", "The gateway could not be asked; `status` is the last known one.")
ALREADY_PROCESSED = ErrorCode(3, "ALREADY_PROCESSED", "The transaction was already settled; `status` tells how.")
RECEIPT_NOT_SENT = ErrorCode(2, "RECEIPT_NOT_SENT", "The receipt could not be sent (bad address, mail failure, "
                                                    "too many requests).")
PARES_REFUSED = ErrorCode(2, "PARES_REFUSED", "Payment gateway error: the merchant takes no card data.")
PREAUTH_TRANSACTION_NOT_FOUND = ErrorCode(4, "PREAUTH_TRANSACTION_NOT_FOUND", "No such transaction of the subscriber.")
# payment/saved_card/list, payment/saved_card/delete
CARDS_MERCHANT_ERROR = ErrorCode(2, "CARDS_MERCHANT_ERROR", "The merchant refused.")
CARDS_NOT_SUPPORTED = ErrorCode(3, "CARDS_NOT_SUPPORTED", "The merchant does not support saved cards (also: no such "
                                                          "merchant configured).")
SAVED_CARD_NOT_FOUND = ErrorCode(4, "SAVED_CARD_NOT_FOUND", "No such saved card of the subscriber.")
# customer/autopayment
AUTOPAYMENT_NOT_CHANGED = ErrorCode(1, "AUTOPAYMENT_NOT_CHANGED", "Autopayment could not be turned off (also: a "
                                                                  "malformed `enabled`).")
AUTOPAYMENT_ALREADY_OFF = ErrorCode(2, "AUTOPAYMENT_ALREADY_OFF", "Autopayment is already off.")
AUTOPAYMENT_UNAVAILABLE = ErrorCode(3, "AUTOPAYMENT_UNAVAILABLE", "Autopayment cannot be turned on (no gateway "
                                                                  "configured, no saved card, unknown card).")


def payment_error(number: int) -> ErrorCode:
    """A code of PaymentCreate's table by its number; unknown numbers are UNKNOWN_ERROR."""
    return _BY_NUMBER.get(number, UNKNOWN_ERROR)
