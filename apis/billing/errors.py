"""Error codes of the Billing API, one named constant per meaning.

The reference numbers codes per method, so one number means different things in different methods
(1 is "customer not found" in CustomerInfo, "account not found" in AccountInfo): each constant
names one meaning, and a method lists the ones it answers (`signed_method(errors=...)`). The global
codes -1 (unknown error, also a malformed parameter the method documents no code for), -2 (bad
signature) and -3 (unknown client) are `apikit.signed`'s; the framework adds them, and the method's
`validation_error`, to every method.
"""
from apikit.signed import UNKNOWN_ERROR  # noqa: F401 (the global -1, for the methods whose validation code it is)
from apikit.spec import ErrorCode

# --- customers ------------------------------------------------------------------------------------------

CUSTOMER_NOT_FOUND = ErrorCode(1, "CUSTOMER_NOT_FOUND",
                               "No customer of this operator by this customer_id / ext_id (also: none given or "
                               "malformed).")
CUSTOMER_EXT_ID_USED = ErrorCode(1, "CUSTOMER_EXT_ID_USED", "Another customer of the operator has this ext_id.")
CUSTOMER_INVALID = ErrorCode(3, "CUSTOMER_INVALID",
                             "A customer field is missing or malformed (error_fields names it).")
CUSTOMER_CHANGE_INVALID = ErrorCode(2, "CUSTOMER_CHANGE_INVALID",
                                    "A field is malformed, or the change breaks a rule such as a used ext_id "
                                    "(error_fields names it).")
FILTER_TARIFF_NOT_FOUND = ErrorCode(1, "FILTER_TARIFF_NOT_FOUND",
                                    "A tariff_id of the filter is not one of the operator's tariffs.")
FILTER_TARIFF_INVALID = ErrorCode(2, "FILTER_TARIFF_INVALID", "tariff_id is not a list of tariff ids.")

# --- tariffs and subscriptions of customers and accounts -------------------------------------------------

TARIFF_NOT_FOUND = ErrorCode(2, "TARIFF_NOT_FOUND",
                             "No tariff of this operator by this tariff_id / vtariff_id / tariff_ext_id (also: "
                             "none given or malformed; there are no virtual tariffs).")
TARIFF_NOT_HELD = ErrorCode(2, "TARIFF_NOT_HELD",
                            "The tariff is unknown (none given, malformed, another operator's), or the customer "
                            "does not hold it.")
TARIFF_NOT_ASSIGNABLE = ErrorCode(4, "TARIFF_NOT_ASSIGNABLE",
                                  "The customer already holds the tariff, the tariff is disabled, or a parameter "
                                  "is malformed.")
TARIFF_REMOVE_REFUSED = ErrorCode(3, "TARIFF_REMOVE_REFUSED",
                                  "The subscription could not be ended, or a parameter is malformed.")
SUBSCRIPTION_INVALID = ErrorCode(3, "SUBSCRIPTION_INVALID",
                                 "A term is malformed or contradictory (price_expiration without price, end_date "
                                 "not in the future), or the customer already holds the tariff.")
SUBSCRIPTION_NOT_FOUND = ErrorCode(1, "SUBSCRIPTION_NOT_FOUND",
                                   "No open subscription of this operator with this id (also: none given or "
                                   "malformed).")

# --- payment methods of customers --------------------------------------------------------------------------

GATEWAY_NOT_CONFIGURED = ErrorCode(723, "GATEWAY_NOT_CONFIGURED",
                                   "No payment gateway (or no enabled merchant) is configured for the operator.")
MERCHANT_AMOUNT_INVALID = ErrorCode(2, "MERCHANT_AMOUNT_INVALID",
                                    "amount (or another parameter) is missing or malformed, or the payments app "
                                    "refused it.")
MERCHANT_NOT_FOUND = ErrorCode(3, "MERCHANT_NOT_FOUND", "The operator has no enabled merchant of this merchant_type.")
MERCHANT_PAGE_FAILED = ErrorCode(4, "MERCHANT_PAGE_FAILED", "The payment gateway could not create the payment page.")
PAYMENT_CUSTOMER_NOT_FOUND = ErrorCode(100, "PAYMENT_CUSTOMER_NOT_FOUND",
                                       "No customer of this operator by this customer_id / ext_id (also: none given "
                                       "or malformed).")
# PaymentCreate's table (the gateway's refusals, `billing.payment_gateway.GatewayRefusal.code`)
PAYMENT_FAILED = ErrorCode(1, "PAYMENT_FAILED",
                           "The payment failed (an unknown gateway error; PaymentProcess: card data is not "
                           "accepted, or no gateway is configured).")
PAYMENT_GATEWAY_ERROR = ErrorCode(2, "PAYMENT_GATEWAY_ERROR", "The payment gateway refused the merchant's call.")
PAYMENT_GATEWAY_UNREACHABLE = ErrorCode(3, "PAYMENT_GATEWAY_UNREACHABLE",
                                        "The payment gateway could not be reached or timed out.")
PAYMENT_INVALID = ErrorCode(4, "PAYMENT_INVALID",
                            "A parameter is missing or malformed (also as the payments app judged it).")
PAYMENT_DECLINED = ErrorCode(5, "PAYMENT_DECLINED", "The card or its issuer declined the payment.")
PAYMENT_FRAUD_SUSPECTED = ErrorCode(6, "PAYMENT_FRAUD_SUSPECTED", "The gateway's fraud check refused the payment.")
PAYMENT_INSUFFICIENT_FUNDS = ErrorCode(7, "PAYMENT_INSUFFICIENT_FUNDS", "The amount exceeds what the card holds.")
PAYMENT_ISSUER_LIMIT = ErrorCode(8, "PAYMENT_ISSUER_LIMIT", "An issuer's limit (amount or count) was reached.")
PAYMENT_AUTHENTICATION_FAILED = ErrorCode(9, "PAYMENT_AUTHENTICATION_FAILED",
                                          "The card holder's authentication (3-D Secure) failed.")
PAYMENT_CARD_INVALID = ErrorCode(10, "PAYMENT_CARD_INVALID", "The card data is wrong, or the card expired.")
PAYMENT_ISSUER_FAILED = ErrorCode(11, "PAYMENT_ISSUER_FAILED", "The issuer failed, or blocked the card.")
PAYMENT_USER_NOT_FOUND = ErrorCode(12, "PAYMENT_USER_NOT_FOUND", "The gateway does not know the customer's wallet.")
PAYMENT_NOT_SUPPORTED = ErrorCode(13, "PAYMENT_NOT_SUPPORTED", "The merchant does not support this operation.")
PAYMENT_REFUSED = ErrorCode(14, "PAYMENT_REFUSED", "Another refusal of the payment gateway.")
PAYMENT_GATEWAY_CODES = (PAYMENT_FAILED, PAYMENT_GATEWAY_ERROR, PAYMENT_GATEWAY_UNREACHABLE, PAYMENT_INVALID,
                         PAYMENT_DECLINED, PAYMENT_FRAUD_SUSPECTED, PAYMENT_INSUFFICIENT_FUNDS, PAYMENT_ISSUER_LIMIT,
                         PAYMENT_AUTHENTICATION_FAILED, PAYMENT_CARD_INVALID, PAYMENT_ISSUER_FAILED,
                         PAYMENT_USER_NOT_FOUND, PAYMENT_NOT_SUPPORTED, PAYMENT_REFUSED)
SAVED_CARD_ACCOUNT_NOT_FOUND = ErrorCode(1, "SAVED_CARD_ACCOUNT_NOT_FOUND",
                                         "No account of this operator with this abonement (also: none given or "
                                         "malformed).")
SAVED_CARD_INVALID = ErrorCode(2, "SAVED_CARD_INVALID",
                               "A parameter is missing or malformed, or the customer has no saved card.")
SAVED_CARD_REFUSED = ErrorCode(3, "SAVED_CARD_REFUSED", "The payment gateway refused, or none is configured.")

# --- accounts ------------------------------------------------------------------------------------------------

ACCOUNT_NOT_FOUND = ErrorCode(1, "ACCOUNT_NOT_FOUND",
                              "No account of this operator by this account_id / abonement (also: none given or "
                              "malformed).")
ACCOUNT_INVALID = ErrorCode(2, "ACCOUNT_INVALID",
                            "A parameter is missing or malformed, or breaks a rule (a used account_ext_id, a "
                            "status_reason contradicting active); error_fields names it.")
ABONEMENT_USED = ErrorCode(3, "ABONEMENT_USED", "The operator already has an account with this abonement.")
DEVICE_NOT_FOUND = ErrorCode(1, "DEVICE_NOT_FOUND",
                             "No device bound to an account of this operator by this device_id / device_uid.")
DEVICE_INVALID = ErrorCode(2, "DEVICE_INVALID", "A parameter is missing or malformed (error_fields names it).")
DEVICE_TYPE_NOT_FOUND = ErrorCode(2, "DEVICE_TYPE_NOT_FOUND", "No device type by this system_name / client_play_device_id.")
DEVICE_NOT_BOUND = ErrorCode(3, "DEVICE_NOT_BOUND",
                             "The device cannot be bound (a malformed parameter, the account's device groups or "
                             "the tariffs' device limit).")
DEVICE_UID_USED = ErrorCode(4, "DEVICE_UID_USED", "The device_uid is already bound to an account of the operator.")
DEVICE_TYPE_AMBIGUOUS = ErrorCode(5, "DEVICE_TYPE_AMBIGUOUS",
                                  "Several device types match (never answered: system names are unique).")
DEVICE_TYPE_REQUIRED = ErrorCode(6, "DEVICE_TYPE_REQUIRED", "Neither system_name nor client_play_device_id is given.")
CAMERA_INVALID = ErrorCode(1, "CAMERA_INVALID", "A parameter is missing or malformed (camera_id is required).")
CAMERA_ACCOUNT_NOT_FOUND = ErrorCode(2, "CAMERA_ACCOUNT_NOT_FOUND",
                                     "No account of this operator by this account_id / abonement.")
CAMERA_NOT_FOUND = ErrorCode(3, "CAMERA_NOT_FOUND", "Camera not found: cameras are not supported by this middleware.")
ACCOUNT_TARIFF_REFUSED = ErrorCode(3, "ACCOUNT_TARIFF_REFUSED",
                                   "The customer already holds the tariff, the tariff is disabled, or a parameter "
                                   "is malformed.")
ACCOUNT_TARIFF_NOT_HELD = ErrorCode(2, "ACCOUNT_TARIFF_NOT_HELD",
                                    "The tariff is unknown, the account's customer does not hold it, or a "
                                    "parameter is malformed.")
MESSAGE_INVALID = ErrorCode(2, "MESSAGE_INVALID",
                            "A parameter is missing or malformed, or asks for a delivery channel that is not "
                            "available (only the TV screen is).")
SESSION_SELECTOR_MISSING = ErrorCode(1, "SESSION_SELECTOR_MISSING",
                                     "Nothing selects sessions (authkey_id, authkey_key, account_id or abonement), "
                                     "or a parameter is malformed.")
SESSION_NOT_FOUND = ErrorCode(2, "SESSION_NOT_FOUND", "No session (or account) of this operator matches.")

# --- tariffs ---------------------------------------------------------------------------------------------------

PACKAGE_NOT_FOUND = ErrorCode(1, "PACKAGE_NOT_FOUND",
                              "No tariff of this operator with this tariff_id (also: none given or malformed).")
PACKAGE_HELD = ErrorCode(2, "PACKAGE_HELD", "Customers hold the tariff: it cannot be deleted.")
STREAM_SERVICE_NOT_FOUND = ErrorCode(2, "STREAM_SERVICE_NOT_FOUND",
                                     "No stream service of this operator with this service_id (also: none given or "
                                     "malformed).")
STREAM_SERVICE_INVALID = ErrorCode(3, "STREAM_SERVICE_INVALID", "A parameter is malformed, or the change is refused.")

# --- transactions ----------------------------------------------------------------------------------------------

TRANSACTION_EXISTS = ErrorCode(1, "TRANSACTION_EXISTS",
                               "A transaction with this ext_id already exists (a retry: no money moved).")
TRANSACTION_NOT_FOUND = ErrorCode(1, "TRANSACTION_NOT_FOUND",
                                  "No transaction of this operator with this ext_id, or it was already deleted.")
TRANSACTION_ID_REQUIRED = ErrorCode(2, "TRANSACTION_ID_REQUIRED", "The transaction id (ext_id or id) is missing.")
VIDEO_EXT_ID_REQUIRED = ErrorCode(3, "VIDEO_EXT_ID_REQUIRED", "video_ext_id is required for a video purchase.")
VIDEO_NOT_FOUND = ErrorCode(4, "VIDEO_NOT_FOUND", "No title of the operator with this video_ext_id.")
AVAILABLE_UNTIL_INVALID = ErrorCode(5, "AVAILABLE_UNTIL_INVALID",
                                    "video_available_until is malformed or not in the future.")

# --- promo codes -----------------------------------------------------------------------------------------------

PROMO_ACCOUNT_NOT_FOUND = ErrorCode(1, "PROMO_ACCOUNT_NOT_FOUND",
                                    "No account (or customer) of this operator by the given id (also: none given "
                                    "or malformed).")
PROMO_TERMS_INVALID = ErrorCode(2, "PROMO_TERMS_INVALID",
                                "A term is missing, malformed or contradictory, a tariff is unknown, or the chosen "
                                "code is used (error_fields names it).")
PROMO_NOT_FOUND = ErrorCode(2, "PROMO_NOT_FOUND", "No promo code of this operator by this id / code.")
PROMO_INVALID = ErrorCode(3, "PROMO_INVALID",
                          "A parameter is malformed, or the code belongs to another login.")
PROMO_USED_UP = ErrorCode(4, "PROMO_USED_UP", "The code was already redeemed by this customer, or is used up.")
PROMO_NOT_VALID_NOW = ErrorCode(5, "PROMO_NOT_VALID_NOW", "The code is not valid today (valid_from / valid_until).")
