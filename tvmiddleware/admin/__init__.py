"""The operator panel (Django admin), scoped per operator (see `base`). Importing registers every admin."""
from . import (  # noqa: F401
    accounts, catalogue, channels, clients, content_extra, customers, events, external, streaming, subscriber_data,
    tariffs,
)
