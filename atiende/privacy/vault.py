"""The vault's cryptography (ET-3): AES-256-GCM with a ring of keys for rotation.

Keys come from ``ATIENDE_VAULT_KEYS``: comma-separated base64 of 32 random bytes,
newest first. The first key encrypts; every key decrypts. Each ciphertext records
the id of its key (the first 8 bytes of the key's SHA-256, in hex), so after a new
key is put in front, ``atiende vault rekey`` re-encrypts everything under it and
the old key can then be dropped.

Without ``ATIENDE_VAULT_KEYS`` the vault uses a per-installation key file,
``$ATIENDE_HOME/vault.keys`` (same format), created on first use with mode 0600.
A key file readable by others is refused. Nothing is ever derived from the
Django secret key or a fixed value. A production deployment should set
``ATIENDE_VAULT_KEYS`` (``manage.py check --deploy`` warns, atiende.W001).

The associated data binds each ciphertext to its work order and kind, so a
ciphertext copied onto another work order or relabelled as a user name no
longer decrypts.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from atiende.privacy import keyfile

NONCE_BYTES = 12
KEY_BYTES = 32
KEY_FILE_NAME = "vault.keys"
ENV_VAR = "ATIENDE_VAULT_KEYS"


class VaultKeyError(Exception):
    """The keys are missing, malformed or unsafe. The message never contains key material."""


class VaultDecryptError(Exception):
    """A ciphertext did not authenticate (wrong key, edited bytes or moved to another record)."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


def new_key() -> str:
    """A fresh key, base64-encoded, ready for ``ATIENDE_VAULT_KEYS``."""
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def associated_data(work_order_id: int, kind: str) -> bytes:
    return f"atiende-vault/v1/work-order/{work_order_id}/kind/{kind}".encode()


@dataclass(frozen=True)
class KeyRing:
    keys: tuple[bytes, ...]
    source: str  # "environment" or the key file's path

    @property
    def current_id(self) -> str:
        return key_id(self.keys[0])

    def _by_id(self, wanted: str) -> bytes:
        for key in self.keys:
            if key_id(key) == wanted:
                return key
        raise VaultKeyError(
            f"no vault key with id {wanted} is configured; add the old key back to {ENV_VAR} "
            "(after the current one) and run `atiende vault rekey`"
        )

    def encrypt(self, plaintext: str, aad: bytes) -> tuple[bytes, str]:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.keys[0]).encrypt(nonce, plaintext.encode("utf-8"), aad)
        return nonce + sealed, self.current_id

    def decrypt(self, blob: bytes | memoryview, kid: str, aad: bytes) -> str:
        key = self._by_id(kid)
        blob = bytes(blob)
        try:
            return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad).decode("utf-8")
        except (InvalidTag, ValueError) as exc:
            raise VaultDecryptError("the secret does not authenticate under its key") from exc


def parse_keys(value: str, source: str) -> KeyRing:
    keys: list[bytes] = []
    for position, item in enumerate(value.replace("\n", ",").split(","), start=1):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        try:
            raw = base64.b64decode(item, validate=True)
        except (binascii.Error, ValueError):
            raise VaultKeyError(f"vault key #{position} in {source} is not valid base64") from None
        if len(raw) != KEY_BYTES:
            raise VaultKeyError(
                f"vault key #{position} in {source} has {len(raw)} bytes; it must have {KEY_BYTES} "
                "(create one with `atiende vault keygen`)"
            )
        keys.append(raw)
    if not keys:
        raise VaultKeyError(f"{source} holds no vault key (create one with `atiende vault keygen`)")
    return KeyRing(tuple(keys), source)


def _read_key_file(path: Path, *, create: bool) -> KeyRing:
    try:
        text = keyfile.read_private(path, make=new_key if create else None, what="vault key")
    except keyfile.KeyFileError as error:
        raise VaultKeyError(str(error)) from None
    if text is None:
        raise VaultKeyError(f"no vault keys: set {ENV_VAR} or create {path}")
    return parse_keys(text, str(path))


def load_keyring(home: Path, *, create: bool = True, environ: dict[str, str] | None = None) -> KeyRing:
    """The keys from ``ATIENDE_VAULT_KEYS``, else from the installation's key file."""
    env = os.environ if environ is None else environ
    value = env.get(ENV_VAR, "").strip()
    if value:
        return parse_keys(value, ENV_VAR)
    return _read_key_file(Path(home) / KEY_FILE_NAME, create=create)
