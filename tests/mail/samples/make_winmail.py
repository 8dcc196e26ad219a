"""Writes outlook-winmail.eml: a mail as Outlook sends it in "rich text" mode, its file inside a
winmail.dat (TNEF, MS-OXTNEF). Kept as a file so the test reads bytes, not this builder; run
``python tests/mail/samples/make_winmail.py`` to write it again.

TNEF: the signature 0x223E9F78, a key, then attributes, each ``level (1 message, 2 attachment),
id (uint16), type (uint16), length (uint32), data, checksum (sum of the data bytes mod 65536)``.
"""

from __future__ import annotations

import base64
import struct
import textwrap
from pathlib import Path

MESSAGE, ATTACHMENT = 1, 2
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
    return (struct.pack("<BHHI", level, name, kind, len(data)) + data
            + struct.pack("<H", sum(data) & 0xFFFF))


def winmail_dat() -> bytes:
    return (struct.pack("<IH", 0x223E9F78, 0x0001)
            + attribute(MESSAGE, 0x9006, 0x0008, struct.pack("<I", 0x00010000))  # TNEF version
            + attribute(MESSAGE, 0x9007, 0x0006, struct.pack("<II", 1252, 0))  # OEM code page
            + attribute(MESSAGE, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00")  # message class
            + attribute(ATTACHMENT, 0x9002, 0x0006, bytes(14))  # rendering data: an attachment begins
            + attribute(ATTACHMENT, 0x8010, 0x0001, b"presupuesto.pdf\x00")  # its file name
            + attribute(ATTACHMENT, 0x800F, 0x0006, PDF))  # its data


def mail() -> bytes:
    encoded = "\r\n".join(textwrap.wrap(base64.b64encode(winmail_dat()).decode(), 76))
    return (
        "From: Carmen Ruiz <carmen@example.org>\r\nTo: Soporte <soporte@example.com>\r\n"
        "Subject: Presupuesto de la impresora\r\nMessage-ID: <outlook-tnef-1@example.org>\r\n"
        "Date: Mon, 07 Dec 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\nX-MS-TNEF-Correlator: <00000000>\r\n"
        "Content-Type: multipart/mixed; boundary=\"TNEF\"\r\n\r\n"
        "--TNEF\r\nContent-Type: text/plain; charset=\"iso-8859-1\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Buenos d=EDas: les env=EDo el presupuesto que me pidieron.\r\n\r\n"
        "--TNEF\r\nContent-Type: application/ms-tnef; name=\"winmail.dat\"\r\n"
        "Content-Disposition: attachment; filename=\"winmail.dat\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{encoded}\r\n--TNEF--\r\n"
    ).encode("ascii")


if __name__ == "__main__":
    Path(__file__).with_name("outlook-winmail.eml").write_bytes(mail())
