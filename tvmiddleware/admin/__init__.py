"""The operator panel (Django admin), scoped per operator (see `base`). Importing registers every admin."""
from . import (  # noqa: F401
    accounts, catalogue, channels, clients, content_extra, customers, events, external, streaming, subscriber_data,
    tariffs,
)
from . import self_service  # noqa: F401
from . import login_variants  # noqa: F401
from . import guest  # noqa: F401
from . import channel_sorts  # noqa: F401
from . import stream_details  # noqa: F401
from . import video_ratings  # noqa: F401
from . import actions  # noqa: F401
from . import dealers  # noqa: F401
