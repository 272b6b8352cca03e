"""The operator panel (Django admin), scoped per operator (see `base`). Importing registers every admin."""
from . import accounts, catalogue, channels, clients, customers, events, external, streaming, tariffs  # noqa: F401
