"""Content API (`/content/api/`): how content managers' scripts keep the operator's VOD catalogue,
line-up, radio and guide, signed with the operator's Content API key (Smarty's Content API; docs/signed-apis.md).

One module of views per method group (`views_video`, `views_season`, ...), routes in `urls.py`,
shared parameter readers and error codes in `helpers.py`, reads in `selectors.py`; the writes are
`tvmiddleware.services.catalogue`.
"""
