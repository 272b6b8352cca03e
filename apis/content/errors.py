"""The Content API's error codes (docs/signed-apis.md, "Content API").

Shared by every method: 20 a parameter is missing or malformed; 21 the data breaks a rule
(duplicate `ext_id`, end before begin...); 22 the database refused to save (and "not supported" for
the methods this middleware does not implement); 404 an unknown object — another operator's ids
included. `content_method` declares NOT_FOUND, INVALID and SAVE_FAILED on every method (it answers
them from exceptions) and BAD_PARAMETER as the method's invalid-parameter code.

The method-specific codes (1..7) mean different things in different methods: each is a constant of
its own, and the methods that answer it declare it.
"""
from __future__ import annotations

from apikit.spec import ErrorCode

BAD_PARAMETER = ErrorCode(20, "BAD_PARAMETER", "A parameter is missing or malformed.")
INVALID = ErrorCode(21, "INVALID", "The data breaks a rule (a duplicate ext_id, an end before the beginning...).")
SAVE_FAILED = ErrorCode(22, "SAVE_FAILED", "The database refused to save the data, or the method is not supported.")
NOT_FOUND = ErrorCode(404, "NOT_FOUND", "An object the request names is unknown (other operators' ids included).")
SHARED = (NOT_FOUND, INVALID, SAVE_FAILED)

# ActorCreate, ActorModify
META_NOT_CONFIGURED = ErrorCode(5, "META_NOT_CONFIGURED",
                                "Loading a person from a movie database is not configured (API key not set).")
# EPGChannelIconUpload
BAD_SIZES = ErrorCode(2, "BAD_SIZES", "extra_sizes is malformed, or no extra icon sizes are available.")
UPLOAD_FAILED = ErrorCode(3, "UPLOAD_FAILED", "The icon is not an image that can be used (or was given as an address).")
NO_MAIN_ICON = ErrorCode(4, "NO_MAIN_ICON", "The channel has no main icon to make extra sizes from.")
# ProgramBlockingCreate
PROGRAMME_NOT_FOUND = ErrorCode(1, "PROGRAMME_NOT_FOUND", "No programme with this pid.")
PREFIX_NOT_FOUND = ErrorCode(2, "PREFIX_NOT_FOUND", "No channel (with a guide) has this prefix.")
START_NOT_FOUND = ErrorCode(3, "START_NOT_FOUND", "No programme of the channel at time_start.")
PROGRAMME_NOT_NAMED = ErrorCode(4, "PROGRAMME_NOT_NAMED", "Neither pid nor prefix and time_start were given.")
# SelectionModify
ALREADY_IN_SELECTION = ErrorCode(1, "ALREADY_IN_SELECTION", "A video to add is already in the selection.")
