"""A marker type for secret values, so that no layer can log or show one by accident."""

from __future__ import annotations


class Secret:
    """Wraps a password or token. Its str() and repr() never show the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: call only where the user asked to see or copy it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __reduce__(self) -> str | tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled or serialised")


# Keys that must never carry a value into the log or the store, whatever the value's type.
SECRET_KEYS = frozenset({"password", "passwd", "secret", "token", "access_token",
                         "refresh_token", "api_key", "app_password", "totp", "totp_seed",
                         "passphrase", "authorization", "cookie"})
