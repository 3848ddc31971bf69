"""TOTP against the RFC 6238 appendix B test vectors (SHA-1)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from oncall.totp import seconds_left, totp

SEED = base64.b32encode(b"12345678901234567890").decode()


@pytest.mark.parametrize(("epoch", "code"), [
    (59, "94287082"), (1111111109, "07081804"), (1111111111, "14050471"),
    (1234567890, "89005924"), (2000000000, "69279037"), (20000000000, "65353130")])
def test_rfc6238_sha1_vectors(epoch: int, code: str) -> None:
    assert totp(SEED, datetime.fromtimestamp(epoch, UTC), digits=8) == code


def test_six_digits_spaces_and_case_as_sites_print_them() -> None:
    spaced = " ".join(SEED[i:i + 4].lower() for i in range(0, len(SEED), 4))
    assert totp(spaced, datetime.fromtimestamp(59, UTC)) == "287082"
    assert seconds_left(datetime.fromtimestamp(59, UTC)) == 1


def test_bad_seed_is_a_clear_error_without_the_seed() -> None:
    with pytest.raises(ValueError, match="not valid base32") as err:
        totp("not*base32!", datetime.fromtimestamp(59, UTC))
    assert "not*base32" not in str(err.value)
