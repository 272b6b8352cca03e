"""The online-cinema kit: what every cinema integration (MEGOGO, tvzavr, Start, PREMIER) shares.

- `records`: the title record (`TitleRecord` and its parts; durations in seconds) and the helpers
  that normalise partner values;
- `catalogue`: the bulk, incremental import of a catalogue into the VOD library;
- `http`: the partner HTTP client (timeouts, retries of safe calls, logs without secrets);
- `sync` and `lease`: the `*_sync_content` command base and the one-run-at-a-time lease (the
  core's `tvmiddleware.leases` protocol on the cinema's own lease row);
- `genres` and `admin`: the genre map a cinema's operator edits (`PartnerGenreMap`, the lookup the
  imports use) and its panel page (`PartnerGenreMapAdmin`);
- `subscriptions`: which customers hold a cinema's SVOD tariffs;
- `svod`, `svod_client`, `feeds`: the adapter of the assumed SVOD partner contract (Start, PREMIER);
- `apps.CinemaAppConfig`: the AppConfig a cinema app subclasses (API classes and their old names,
  staff permissions, beat entries).

The kit depends on the core (`tvmiddleware`) only; cinema apps depend on the core and the kit,
never on each other. See docs/online-cinemas.md ("The cinema kit").
"""
