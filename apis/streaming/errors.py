"""The Streaming API's error codes (docs/signed-apis.md, "Streaming API").

The signed framework's codes (-1, -2, -3) come from `apikit.signed`; BAD_PARAMETER is every method's
invalid-parameter code (also an end before the beginning)."""
from __future__ import annotations

from apikit.spec import ErrorCode

BAD_PARAMETER = ErrorCode(20, "BAD_PARAMETER", "A parameter is missing or malformed, or the end is before the "
                                               "beginning.")
# MaintenanceCreate
CREATE_PREFIX_NOT_FOUND = ErrorCode(1, "PREFIX_NOT_FOUND", "No channel has one of the given prefixes.")
# MaintenanceEdit
MAINTENANCE_NOT_FOUND = ErrorCode(1, "MAINTENANCE_NOT_FOUND", "No maintenance window with this id.")
EDIT_PREFIX_NOT_FOUND = ErrorCode(2, "PREFIX_NOT_FOUND", "No channel has one of the given prefixes.")
