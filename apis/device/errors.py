"""The device API's error codes, named (docs/device-api.md).

Smarty's device API numbers errors per method: the same number means different things in different
methods (1 is "account not found" for login, "video not found" for video/url). So a constant names a
meaning, and several constants may share a number. The framework's own codes (403 without a session,
1 for an unhandled service error) are in `apikit.device_responses`.
"""
from __future__ import annotations

from apikit.spec import ErrorCode

# --- parameters -----------------------------------------------------------------------------------------
INVALID_PARAM = ErrorCode(1, "INVALID_PARAM", "A parameter is missing or malformed.")
INVALID_PARAM_2 = ErrorCode(2, "INVALID_PARAM_2", "A parameter is malformed (customer/info numbers it 2).")
NO_TARIFF_GIVEN = ErrorCode(120, "NO_TARIFF_GIVEN", "Neither tariff_id nor virtual_tariff_id was given.")

# --- login, login/ext ----------------------------------------------------------------------------------
LOGIN_NOT_FOUND = ErrorCode(1, "LOGIN_NOT_FOUND", "Account not found, or a wrong password.")
LOGIN_INACTIVE = ErrorCode(2, "LOGIN_INACTIVE", "The account is not active.")
BAD_API_KEY = ErrorCode(4, "BAD_API_KEY", "Wrong client_id or api_key.")
SESSION_LIMIT = ErrorCode(5, "SESSION_LIMIT", "The tariffs' basic-device or concurrent-session limit is reached.")
DEVICE_ELSEWHERE = ErrorCode(6, "DEVICE_ELSEWHERE", "The device is bound to another account.")
NO_TARIFFS = ErrorCode(8, "NO_TARIFFS", "The account has no tariffs.")
SUBNET_FORBIDDEN = ErrorCode(9, "SUBNET_FORBIDDEN", "Logins from this subnet are not allowed for the account.")
AMBIGUOUS_IP = ErrorCode(12, "AMBIGUOUS_IP", "The login by IP matched more than one account.")
GROUP_FORBIDDEN = ErrorCode(15, "GROUP_FORBIDDEN", "The device's group is not allowed for the account.")
LOGIN_RATE_LIMITED = ErrorCode(28, "LOGIN_RATE_LIMITED", "Too many failed logins; try again later.")

# --- account/register ----------------------------------------------------------------------------------
REGISTRATION_REFUSED = ErrorCode(3, "REGISTRATION_REFUSED",
                                 "The account could not be registered (also: a malformed parameter).")

# --- account self-service (password, PIN, profile, template, reset, export) ------------------------------
PASSWORD_CHANGE_FAILED = ErrorCode(2, "PASSWORD_CHANGE_FAILED",
                                   "The password was not changed: the current password is wrong (or too many "
                                   "wrong ones were tried lately).")
PIN_INVALID = ErrorCode(1, "PIN_INVALID", "old_pin or new_pin is wrong or malformed: see error_messages.")
PIN_SMS_FAILED = ErrorCode(1, "PIN_SMS_FAILED", "The SMS could not be sent.")
PIN_SMS_NO_PHONE = ErrorCode(2, "PIN_SMS_NO_PHONE", "The customer has no mobile number.")
PIN_SMS_NO_PIN = ErrorCode(3, "PIN_SMS_NO_PIN", "The account has no PIN.")
PIN_SMS_TOO_OFTEN = ErrorCode(4, "PIN_SMS_TOO_OFTEN", "An SMS with the PIN was sent moments ago.")
PIN_SMS_DAILY_LIMIT = ErrorCode(5, "PIN_SMS_DAILY_LIMIT", "The daily number of SMS with the PIN is reached.")
PROFILE_ID_INVALID = ErrorCode(1, "PROFILE_ID_INVALID", "profile_id is missing or not a profile type of the operator.")
PROFILE_NAME_INVALID = ErrorCode(2, "PROFILE_NAME_INVALID", "name is missing, blank or too long.")
TEMPLATE_NOT_FOUND = ErrorCode(1, "TEMPLATE_NOT_FOUND", "No such enabled interface template of the operator.")
RESET_CUSTOMER_NOT_FOUND = ErrorCode(2, "RESET_CUSTOMER_NOT_FOUND", "No subscriber has this e-mail or mobile number.")
RESET_CODE_SENT = ErrorCode(3, "RESET_CODE_SENT", "Verification needed: a code was sent; call again with `code`.")
RESET_AMBIGUOUS = ErrorCode(4, "RESET_AMBIGUOUS", "Two or more subscribers have this mobile number (or e-mail).")
RESET_CODE_INVALID = ErrorCode(5, "RESET_CODE_INVALID", "The code is wrong or has expired.")
RESET_NO_ACCOUNTS = ErrorCode(6, "RESET_NO_ACCOUNTS", "The subscriber has no accounts.")
RESET_CODE_ALREADY_SENT = ErrorCode(7, "RESET_CODE_ALREADY_SENT",
                                    "A code was sent moments ago (also: too many requests from this address).")
RESET_SEND_FAILED = ErrorCode(8, "RESET_SEND_FAILED", "The code or the password could not be sent.")
EXPORT_FAILED = ErrorCode(1, "EXPORT_FAILED", "Unknown error (also: a malformed parameter).")
EXPORT_ACCOUNT_NOT_FOUND = ErrorCode(2, "EXPORT_ACCOUNT_NOT_FOUND",
                                     "No such account at that operator, a wrong password, or too many attempts.")
EXPORT_UNAVAILABLE = ErrorCode(3, "EXPORT_UNAVAILABLE", "That operator does not hand its accounts over to this one.")

# --- customer self-service (devices, card, payments, invoices, statement) ---------------------------------
CUSTOMER_DEVICE_NOT_FOUND = ErrorCode(1, "CUSTOMER_DEVICE_NOT_FOUND", "No such device of the customer's accounts.")
CUSTOMER_DATA_INVALID = ErrorCode(1, "CUSTOMER_DATA_INVALID", "The customer's data are not valid: see error_messages.")
NEW_PHONE_TAKEN = ErrorCode(2, "NEW_PHONE_TAKEN", "The mobile number belongs to another subscriber.")
NEW_PHONE_CODE_SENT = ErrorCode(3, "NEW_PHONE_CODE_SENT", "A confirmation code was sent to the new mobile number.")
NEW_PHONE_CODE_AWAITED = ErrorCode(4, "NEW_PHONE_CODE_AWAITED", "The new mobile number waits for its confirmation code.")
NEW_PHONE_CODE_INVALID = ErrorCode(5, "NEW_PHONE_CODE_INVALID", "The confirmation code is wrong or has expired.")
NEW_PHONE_INVALID = ErrorCode(6, "NEW_PHONE_INVALID", "The mobile number is not valid.")
NEW_PHONE_SMS_FAILED = ErrorCode(7, "NEW_PHONE_SMS_FAILED", "The SMS service could not send the code.")
V2_INVALID_PARAM = ErrorCode(400, "V2_INVALID_PARAM", "A parameter is missing or malformed.")
INVOICE_NOT_CONFIGURED = ErrorCode(104, "INVOICE_NOT_CONFIGURED", "No payment gateway app is installed.")
INVOICE_HANDLER_ERROR = ErrorCode(105, "INVOICE_HANDLER_ERROR",
                                  "The payment gateway failed or refused (also: no such invoice of the customer).")
INVOICE_NOT_SUPPORTED = ErrorCode(106, "INVOICE_NOT_SUPPORTED", "The installed payment app does not finish invoices.")
NO_INVOICE_GIVEN = ErrorCode(120, "NO_INVOICE_GIVEN", "invoice_id was not given (or is malformed).")
INVOICE_PENDING = ErrorCode(160, "INVOICE_PENDING", "The invoice is still awaiting payment: call again later.")
DETAILS_FAILED = ErrorCode(1, "DETAILS_FAILED",
                           "The statement was not sent (bad address or period, mail failure, too many requests).")
DETAILS_EMAIL_TAKEN = ErrorCode(2, "DETAILS_EMAIL_TAKEN", "The e-mail address belongs to another subscriber.")
DETAILS_EMPTY = ErrorCode(3, "DETAILS_EMPTY", "No transactions in the period.")

# --- customer/tariff/subscribe, customer/tariff/unsubscribe ----------------------------------------------
TARIFF_UNAVAILABLE = ErrorCode(1, "TARIFF_UNAVAILABLE", "A tariff does not exist or may not be taken.")
INSUFFICIENT_FUNDS = ErrorCode(2, "INSUFFICIENT_FUNDS", "Insufficient funds.")
TARIFF_ALREADY_CONNECTED = ErrorCode(3, "TARIFF_ALREADY_CONNECTED", "The tariff is already connected.")
BASIC_TARIFF_TAKEN = ErrorCode(5, "BASIC_TARIFF_TAKEN", "Another basic tariff is connected.")
TARIFF_NOT_CONNECTED = ErrorCode(1, "TARIFF_NOT_CONNECTED", "One or more tariffs are not connected.")
BASIC_TARIFF_KEPT = ErrorCode(2, "BASIC_TARIFF_KEPT", "The last basic tariff cannot be unsubscribed.")
TARIFF_NOT_UNSUBSCRIBABLE = ErrorCode(5, "TARIFF_NOT_UNSUBSCRIBABLE", "The tariff cannot be unsubscribed.")

# --- channels and guide --------------------------------------------------------------------------------
CHANNEL_NOT_FOUND = ErrorCode(404, "CHANNEL_NOT_FOUND", "Channel not found.")
PROGRAMME_NOT_FOUND = ErrorCode(404, "PROGRAMME_NOT_FOUND", "Programme not found.")
SORT_NOT_FOUND = ErrorCode(1, "SORT_NOT_FOUND", "The requested channel sort does not exist.")
CHANNEL_NOT_FOUND_1 = ErrorCode(1, "CHANNEL_NOT_FOUND_1", "Channel not found (program/list numbers it 1).")
PROGRAMME_NOT_FOUND_1 = ErrorCode(1, "PROGRAMME_NOT_FOUND_1", "Programme not found (program/detail numbers it 1).")
NOT_SUPPORTED = ErrorCode(1, "NOT_SUPPORTED", "The request is not supported (e.g. cameras).")
BAD_GUIDE_WINDOW = ErrorCode(1, "BAD_GUIDE_WINDOW", "The requested guide window is invalid.")
INVALID_CHANNEL_LIST = ErrorCode(2, "INVALID_CHANNEL_LIST", "The channel list is invalid.")
NO_PROGRAMME_FROM = ErrorCode(2, "NO_PROGRAMME_FROM", "No programme matches pid_from.")

# --- channel/action, v2/account/* ----------------------------------------------------------------------
CHANNEL_ACTION_FAILED = ErrorCode(1, "CHANNEL_ACTION_FAILED",
                                  "The action failed: unknown action, tariff not found or not offered, or another "
                                  "basic tariff is connected.")
CHANNEL_ACTION_FUNDS = ErrorCode(2, "CHANNEL_ACTION_FUNDS", "Insufficient funds.")
CHANNEL_ACTION_NEEDLESS = ErrorCode(3, "CHANNEL_ACTION_NEEDLESS",
                                    "Nothing to buy: the account's tariffs already open the channel, or the tariff is "
                                    "already connected.")
CHANNEL_ACTION_UNAVAILABLE = ErrorCode(4, "CHANNEL_ACTION_UNAVAILABLE", "The channel is not available to the account.")
CHANNEL_ACTION_NEEDS_TARIFF = ErrorCode(5, "CHANNEL_ACTION_NEEDS_TARIFF",
                                        "A subscription is required: the tariff given does not open the channel.")
V2_BAD_REQUEST = ErrorCode(400, "V2_BAD_REQUEST", "Parameters missing or malformed (the v2 methods' code).")
ACCOUNT_LIST_NOT_FOUND = ErrorCode(404, "ACCOUNT_LIST_NOT_FOUND",
                                   "A channel or video of the list does not exist.")

# --- stream URLs ---------------------------------------------------------------------------------------
CONTENT_REFUSED = ErrorCode(1, "CONTENT_REFUSED",
                            "The content is not available: not in the account's tariffs, the account is not "
                            "active (`status_reason`), parental control, a maintenance window "
                            "(`maintenance_until`), or no stream service can serve it.")
VIDEO_NOT_FOUND = ErrorCode(1, "VIDEO_NOT_FOUND", "Video (or video file) not found.")
VIDEO_REFUSED = ErrorCode(3, "VIDEO_REFUSED",
                          "The title is not available: the account is not active (`status_reason`), the title "
                          "is neither bought nor in the tariffs, or parental control.")
PARTNER_STREAM_FAILED = ErrorCode(2, "PARTNER_STREAM_FAILED", "The online cinema did not give a stream address.")
DRM_UNAVAILABLE = ErrorCode(2, "DRM_UNAVAILABLE",
                            "get_drm_info=1: the stream is protected, but by no DRM this device type may use.")

# --- VOD -----------------------------------------------------------------------------------------------
FILTERS_CONFLICT = ErrorCode(2, "FILTERS_CONFLICT", "Mutually exclusive list filters were combined.")
PARENTAL_CONTROL = ErrorCode(1, "PARENTAL_CONTROL", "Parental control: the content needs the account's parent_code.")
ACTION_REFUSED = ErrorCode(1, "ACTION_REFUSED", "The action is unknown or not done here, or the purchase was not made.")
ACTION_INSUFFICIENT_FUNDS = ErrorCode(2, "ACTION_INSUFFICIENT_FUNDS", "Insufficient funds.")
ALREADY_BOUGHT = ErrorCode(3, "ALREADY_BOUGHT", "The title has already been bought or is rented.")
ACTION_ACCOUNT_INACTIVE = ErrorCode(4, "ACTION_ACCOUNT_INACTIVE", "The account is not active.")
ACTION_VIDEO_NOT_FOUND = ErrorCode(5, "ACTION_VIDEO_NOT_FOUND", "Video not found.")
ACTOR_NOT_FOUND = ErrorCode(1, "ACTOR_NOT_FOUND", "Actor not found.")
SEASON_NOT_FOUND = ErrorCode(1, "SEASON_NOT_FOUND", "Season not found, or not of the series `vid`.")

# --- the subscriber's films: episode detail, listings, ratings, favourites, similar, subscriptions, selections
EPISODE_NOT_FOUND = ErrorCode(1, "EPISODE_NOT_FOUND", "Episode not found, or its series is not available.")
LISTING_VIDEO_NOT_FOUND = ErrorCode(1, "LISTING_VIDEO_NOT_FOUND", "One or more ids match no title.")
RATING_INVALID = ErrorCode(1, "RATING_INVALID", "vid or rating is missing or invalid (rating: 1 to 10), or no "
                                                "such title.")
FAVORITE_FLAG_INVALID = ErrorCode(2, "FAVORITE_FLAG_INVALID", "is_favorited is not 0 or 1.")
SUBSCRIPTION_NOT_FOUND = ErrorCode(1, "SUBSCRIPTION_NOT_FOUND",
                                   "The subscription (tariff) is not held, opens no titles, or cannot be cancelled "
                                   "from the app.")
SELECTION_NOT_FOUND = ErrorCode(1, "SELECTION_NOT_FOUND", "Selection not found (or a malformed parameter).")

# --- settings, messages, positions, portal settings -------------------------------------------------------
MESSAGE_NOT_FOUND = ErrorCode(1, "MESSAGE_NOT_FOUND", "Message not found.")
POSITION_NOT_SAVED = ErrorCode(2, "POSITION_NOT_SAVED", "The position could not be saved.")
ASSET_REQUIRED = ErrorCode(3, "ASSET_REQUIRED", "The content needs asset_id (the video file or episode).")
CONTENT_NOT_FOUND = ErrorCode(404, "CONTENT_NOT_FOUND", "The programme, video or asset was not found.")
DEVICE_TYPE_UNAVAILABLE = ErrorCode(2, "DEVICE_TYPE_UNAVAILABLE", "This device type is not available for this client.")
REMINDER_TARGET_NOT_FOUND = ErrorCode(404, "REMINDER_TARGET_NOT_FOUND", "The channel or the programme does not exist.")
REMINDER_PID_INVALID = ErrorCode(1, "REMINDER_PID_INVALID", "pid is missing or is neither a programme id nor 'all'.")

# --- login variants: login/customer_list, noauth/device/exists, QR login -----------------------------------
CUSTOMER_PHONE_UNKNOWN = ErrorCode(1, "CUSTOMER_PHONE_UNKNOWN", "No customer has this phone number.")
CUSTOMER_PHONE_SEVERAL = ErrorCode(2, "CUSTOMER_PHONE_SEVERAL", "More than one customer has this phone number "
                                                                "(`customers` lists them).")
PHONE_CODE_SENT = ErrorCode(3, "PHONE_CODE_SENT", "A confirmation code was sent to the phone by SMS.")
PHONE_CODE_WRONG = ErrorCode(4, "PHONE_CODE_WRONG", "Wrong or expired confirmation code.")
PHONE_CODE_AWAITED = ErrorCode(5, "PHONE_CODE_AWAITED", "A code sent a moment ago is awaited (send validation_code).")
PHONE_CODE_TOO_OFTEN = ErrorCode(6, "PHONE_CODE_TOO_OFTEN", "Codes were sent (or tried) too often; try again later.")
PHONE_CODE_NOT_SENT = ErrorCode(7, "PHONE_CODE_NOT_SENT", "The code could not be sent.")
CUSTOMER_LIST_BAD_PARAM = ErrorCode(8, "CUSTOMER_LIST_BAD_PARAM", "A parameter is missing or malformed.")
DEVICE_PARAM_MISSING = ErrorCode(1, "DEVICE_PARAM_MISSING", "A required parameter is missing or malformed.")
DEVICE_NOT_FOUND = ErrorCode(2, "DEVICE_NOT_FOUND", "No device with this device_uid.")
QR_PARAM_MISSING = ErrorCode(1, "QR_PARAM_MISSING", "A required parameter is missing or malformed.")
QR_DEVICE_UNSUPPORTED = ErrorCode(2, "QR_DEVICE_UNSUPPORTED", "The device type is not supported.")
QR_NOT_CREATED = ErrorCode(3, "QR_NOT_CREATED", "The QR session could not be created (too many requests, or the "
                                                "connection_token is unknown or expired).")
QR_CODE_INVALID = ErrorCode(1, "QR_CODE_INVALID", "login_code is missing or malformed.")
QR_SESSION_GONE = ErrorCode(2, "QR_SESSION_GONE", "No such QR session, or it has expired (also: too many attempts).")
QR_SESSION_USED = ErrorCode(5, "QR_SESSION_USED", "The QR session has already been used.")
QR_ACCOUNT_INACTIVE = ErrorCode(8, "QR_ACCOUNT_INACTIVE", "The account is not active.")
QR_BASIC_LIMIT = ErrorCode(9, "QR_BASIC_LIMIT", "The account's device session limit is reached.")
QR_DEVICE_ELSEWHERE = ErrorCode(10, "QR_DEVICE_ELSEWHERE", "The TV is bound to another account.")
QR_NO_TARIFFS = ErrorCode(12, "QR_NO_TARIFFS", "The account has no tariffs.")
QR_IP_FORBIDDEN = ErrorCode(13, "QR_IP_FORBIDDEN", "Logins from the TV's network are not allowed for the account.")
QR_GROUP_FORBIDDEN = ErrorCode(16, "QR_GROUP_FORBIDDEN", "The TV's device type is not allowed for the account.")
QR_LOGIN_FAILED = ErrorCode(18, "QR_LOGIN_FAILED", "The TV could not be logged in.")

# --- promo codes ------------------------------------------------------------------------------------------
PROMO_NOT_FOUND = ErrorCode(1, "PROMO_NOT_FOUND", "Promo code not found.")
PROMO_INVALID = ErrorCode(2, "PROMO_INVALID", "The promo code cannot be used: issued to another account, used up, "
                                              "or malformed (also: too many attempts).")
PROMO_ALREADY_ACTIVATED = ErrorCode(3, "PROMO_ALREADY_ACTIVATED", "The promo code is already activated.")
PROMO_NOT_VALID_NOW = ErrorCode(4, "PROMO_NOT_VALID_NOW", "The promo code has expired or is not valid yet.")
PROMO_FAILED = ErrorCode(5, "PROMO_FAILED", "The promo code could not be activated.")
PROMO_ACCOUNT_INACTIVE = ErrorCode(6, "PROMO_ACCOUNT_INACTIVE", "Promo codes cannot be activated on an inactive account.")

# --- guest browsing (noauth/*), providers, v2 channel methods ----------------------------------------------
GUEST_BROWSING_OFF = ErrorCode(403, "GUEST_BROWSING_OFF",
                               "Guest browsing is off for this operator (or a wrong client_id / api_key): log in.")
GUEST_NOT_FOUND = ErrorCode(1, "GUEST_NOT_FOUND", "Not found among what guests are shown (or a malformed parameter).")
TRAILER_ONLY = ErrorCode(3, "TRAILER_ONLY", "Without a login only trailers are played: the file is the film.")
V2_CHANNELS_UNAVAILABLE = ErrorCode(1, "V2_CHANNELS_UNAVAILABLE", "The requested channels are not available to the user.")
V2_NOT_FOUND = ErrorCode(404, "V2_NOT_FOUND", "The requested channels are not among those guests are shown.")
