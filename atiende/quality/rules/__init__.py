"""Rule families of the scorecard, one module each; every module has ``score(ctx) -> list[Item]``."""
