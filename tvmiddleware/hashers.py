"""Password hashing for subscriber accounts."""
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher


class AccountPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2-SHA256 with a work factor chosen for subscriber PINs (`ACCOUNT_PASSWORD_HASH_ITERATIONS`).

    Account passwords are short numbers typed with a remote control; the hash keeps them out of a
    database dump in the clear, and the login rate limit is what stops guessing. A separate algorithm
    name lets the work factor change without touching staff passwords.
    """

    algorithm = "pbkdf2_sha256_account"

    @property
    def iterations(self) -> int:  # type: ignore[override]
        return settings.ACCOUNT_PASSWORD_HASH_ITERATIONS

    def must_update(self, encoded: str) -> bool:
        return False
