"""The trainee's phone buttons, typed as commands: hold, resume, transfer, escalate, hang up.

A line that starts with ``/`` is a command, not something said to the customer::

    /espera 2 consultar el manual      put the call on hold for 2 minutes, with the reason (HO-2..4)
    /retomar [MINUTOS]                 take the call back (after the announced minutes, or after MINUTOS)
    /transferir nivel2 es especialista warm transfer to a queue or person, with the purpose (TR-2..5)
    /escalar el cliente pide un supervisor   call the supervisor in (PO-5)
    /colgar                            end the call from the technician's side
    /ayuda                             this list

English names work too (/hold, /resume, /transfer, /escalate, /hangup, /help). The engine's rules
decide whether a hold or a transfer goes through; the simulated customer decides whether they consent.
"""

from __future__ import annotations

from dataclasses import dataclass

from atiende.practices import Refusal

COMMANDS = {
    "espera": "hold", "hold": "hold",
    "retomar": "resume", "resume": "resume",
    "transferir": "transfer", "transfer": "transfer",
    "escalar": "escalate", "escalate": "escalate",
    "colgar": "hang_up", "hangup": "hang_up", "fin": "hang_up", "end": "hang_up",
    "ayuda": "help", "help": "help",
}

HELP_ES = (
    "Órdenes: /espera MINUTOS MOTIVO (poner en espera), /retomar [MINUTOS] (volver con el cliente), "
    "/transferir DESTINO PROPÓSITO (transferencia, p. ej. /transferir nivel2 necesita un especialista), "
    "/escalar MOTIVO (llamar al supervisor), /colgar (terminar). Una línea vacía también termina."
)
HELP_EN = (
    "Commands: /hold MINUTES REASON, /resume [MINUTES], /transfer TARGET PURPOSE "
    "(e.g. /transfer nivel2 needs a specialist), /escalate REASON, /hangup. An empty line also ends."
)


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # hold, resume, transfer, escalate, hang_up, help
    minutes: float | None = None
    target: str = ""
    text: str = ""  # the reason or the purpose


def _minutes(word: str, usage_es: str, usage_en: str) -> float:
    try:
        value = float(word.replace(",", "."))
    except ValueError:
        raise Refusal("command_minutes", rule="HO-4", status=400,
                      es=f"Indique los minutos con un número: {usage_es}",
                      en=f"Give the minutes as a number: {usage_en}") from None
    return value


def parse_command(line: str) -> Command | None:
    """The command on a line, or None when the line is something said. Raises Refusal on a bad command."""
    stripped = line.strip()
    if not stripped.startswith("/"):
        return None
    word, _, rest = stripped[1:].partition(" ")
    name = COMMANDS.get(word.lower())
    rest = rest.strip()
    if name is None:
        raise Refusal("unknown_command", rule=None, status=400, es=f"Orden desconocida «/{word}». {HELP_ES}",
                      en=f"Unknown command '/{word}'. {HELP_EN}")
    if name == "hold":
        first, _, reason = rest.partition(" ")
        minutes = _minutes(first, "/espera 2 consultar el manual", "/hold 2 check the manual")
        return Command(name, minutes=minutes, text=reason.strip())
    if name == "resume":
        return Command(name, minutes=_minutes(rest, "/retomar 3", "/resume 3") if rest else None)
    if name == "transfer":
        target, _, purpose = rest.partition(" ")
        if not target:
            raise Refusal("transfer_target_required", rule="TR-4", status=400,
                          es="Indique a quién transfiere: /transferir nivel2 PROPÓSITO",
                          en="Say who receives the call: /transfer nivel2 PURPOSE")
        return Command(name, target=target, text=purpose.strip())
    return Command(name, text=rest)
