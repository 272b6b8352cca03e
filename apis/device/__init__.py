"""The device API (`/tvmiddleware/api/`): what set-top boxes and apps call, Smarty-compatible."""
