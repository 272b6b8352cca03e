"""Stream tokens, stream URLs and the token check streaming servers call (see docs/streaming.md).

- `tokens`: signed, stateless one-time tokens and their lifetime rules;
- `masks`: filling a stream service's URL mask;
- `access`: what an account may watch, cached, with revocation;
- `services`: `stream_url` for the device API;
- `views`: the token check for Flussonic, Astra, nginx and nginx-rtmp, and a liveness ping;
- `conf`: the settings the hot path reads, snapshotted per process.
"""
