"""Moving operators' data in and out: one operator between two databases of this middleware, and
imports from other systems (OFT middleware, Hydra billing). Management commands an operator can run on
a live system: checked before anything is written, idempotent, reported (docs/migration-tools.md)."""
