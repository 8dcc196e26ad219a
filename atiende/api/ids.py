"""The one type of an object id in the API's paths, queries and bodies.

An id is a positive integer that fits the database's 64-bit key (``BigAutoField``); a larger one cannot
name anything, and SQLite cannot even compare it (``OverflowError``), PostgreSQL cannot store it. Declaring
the bound here, once, turns such a value into the API's 422 ``invalid_input`` before any query runs, and
documents the range in /api/v1/openapi.json for clients and fuzzers. ``atiende.api.errors`` answers any
number that still overflows deeper down with the same 422 (``number_out_of_range``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from atiende.desk.services.checks import MAX_ID

Id = Annotated[int, Field(ge=1, le=MAX_ID, description="an object id (1 to 2^62)")]

__all__ = ["MAX_ID", "Id"]
