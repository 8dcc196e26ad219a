"""Spanish for the scorer's short notes (why an item got its status), shown in the text card.

The rule modules write their notes in English (they also go to logs and the
agreement report); :func:`note_text` gives a supervisor the Spanish. A note
with no translation is shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_EXACT: dict[str, str] = {
    "a hold cut the customer's explanation": "una espera cortó la explicación del cliente",
    "a hold on an angry customer": "una espera con un cliente enfadado",
    "acknowledgements are for live conversations": "las palabras de escucha son para conversaciones en vivo",
    "an email without a greeting": "un correo sin saludo",
    "an email without a polite close": "un correo sin despedida cortés",
    "answered a difficult customer with criticism or defensiveness":
        "respondió a un cliente difícil con críticas o a la defensiva",
    "answered a hostile message in kind": "respondió a un mensaje hostil en el mismo tono",
    "asked for a credential in writing": "pidió una credencial por escrito",
    "asked for a supervisor; none offered": "pidió un supervisor y no se le ofreció",
    "declined, and nobody came back to the customer": "rechazada, y nadie volvió con el cliente",
    "distraction and interruptions are judged on live contacts":
        "las distracciones e interrupciones se juzgan en contactos en vivo",
    "greeted, but did not identify the customer by name in the opening":
        "saludó, pero no identificó al cliente por su nombre al empezar",
    "interrupting the story is judged on spoken contacts": "interrumpir la historia se juzga en contactos hablados",
    "interruptions are judged on spoken contacts": "las interrupciones se juzgan en contactos hablados",
    "jargon to a customer the assistant reads as inexperienced":
        "jerga con un cliente que el asistente lee como inexperto",
    "never brought the talkative customer back to the problem": "nunca recondujo al cliente locuaz hacia el problema",
    "never came back from the hold": "no volvió de la espera",
    "no acknowledgement while the story was told": "ninguna palabra de escucha mientras contaba la historia",
    "no customer consent recorded": "no consta el consentimiento del cliente",
    "no diagnostic questions were needed": "no hicieron falta preguntas de diagnóstico",
    "no explanation of the cause or how to avoid it": "no explica la causa ni cómo evitarlo",
    "no hold in this contact": "no hubo esperas en este contacto",
    "no hold ran over the announced time": "ninguna espera superó el tiempo anunciado",
    "no self-introduction and no empathy": "no se presentó ni mostró empatía",
    "no talkative, rude or angry customer": "el cliente no fue locuaz, descortés ni estuvo enfadado",
    "no technician turn started while the customer was talking":
        "el técnico nunca empezó a hablar mientras hablaba el cliente",
    "no transfer in this contact": "no hubo transferencias en este contacto",
    "nobody asked for a supervisor and nothing was escalated": "nadie pidió un supervisor ni se escaló",
    "nobody attended the customer in this transcript": "nadie atendió al cliente en esta transcripción",
    "obvious checks without a reason to a customer the assistant reads as knowledgeable":
        "comprobaciones obvias sin explicar por qué a un cliente que el asistente lee como entendido",
    "passed on without the receiving technician accepting": "se pasó sin que aceptara el técnico que la recibe",
    "short story, answered showing it was heard": "historia breve, respondida mostrando que se escuchó",
    "the call ended while on hold": "la llamada terminó en espera",
    "the call was left without an owner": "la llamada quedó sin nadie que la atendiera",
    "the chat ends without a polite close": "el chat termina sin despedida cortés",
    "the chat opens without a greeting": "el chat empieza sin saludo",
    "the contact was handed over; the close belongs to whoever received it":
        "el contacto se traspasó; el cierre corresponde a quien lo recibió",
    "the customer had to ask to finish": "el cliente tuvo que pedir que le dejaran terminar",
    "the customer made no mistake to forgive": "el cliente no cometió ningún error que perdonar",
    "the customer said nothing": "el cliente no dijo nada",
    "the customer told no story": "el cliente no contó ninguna historia",
    "the customer's level was neither asked nor adapted to": "no se preguntó el nivel del cliente ni se adaptó a él",
    "the customer's name never comes up": "el nombre del cliente no aparece",
    "the maximum call time applies to phone calls": "el tiempo máximo de llamada se aplica a las llamadas",
    "the maximum wait applies to calls, chats and walk-ins":
        "la espera máxima se aplica a llamadas, chats y atención presencial",
    "the story was cut before it was over": "se cortó la historia antes de que terminara",
    "the story was never paraphrased": "no se parafraseó la historia",
    "the technician said nothing": "el técnico no dijo nada",
    "the technician wrote nothing": "el técnico no escribió nada",
    "the technician's first turn has no greeting": "la primera intervención del técnico no tiene saludo",
    "the transcript does not show the transfer was necessary":
        "la transcripción no muestra que la transferencia fuera necesaria",
    "the transcript does not show the work order; the work order itself enforces AL-6":
        "la transcripción no muestra la solicitud; la propia solicitud exige AL-6",
    "the customer is talkative": "el cliente es locuaz",
    "no words in this transcript: this rule needs what was said":
        "la transcripción no tiene palabras: esta regla necesita lo que se dijo",
    "no words in this transcript: judged on the call's events only":
        "la transcripción no tiene palabras: se juzga solo por los eventos de la llamada",
    "the call ended while the transfer was pending": "la llamada terminó con la transferencia pendiente",
}
_WORDS = {
    "summary": "resumen", "satisfaction check": "comprobar la satisfacción", "thanks": "agradecimiento",
    "welcome": "bienvenida", "take charge": "hacerse cargo", "positive close": "cierre positivo",
    "True": "sí", "False": "no",
}


def _plural(count: str, one: str, many: str) -> str:
    return f"{count} {one if count == '1' else many}"


def _questions(count: str, kind: str) -> str:
    """«1 pregunta abierta», «2 preguntas abiertas»: the noun and its adjective agree with the count."""
    return _plural(count, f"pregunta {kind}", f"preguntas {kind}s")


def _list(text: str) -> str:
    return ", ".join(_WORDS.get(part.strip(), part.strip()) for part in text.split(","))


def _flags(text: str, names: dict[str, str]) -> str:
    out = []
    for part in text.split(","):
        key, _sep, value = part.strip().partition(": ")
        out.append(f"{names.get(key, key)}: {_WORDS.get(value, value)}")
    return ", ".join(out)


_FLAG_NAMES = {
    "reason field": "motivo registrado", "announced": "anunciada", "why said": "dijo por qué",
    "thanked": "agradeció", "time given": "dijo el tiempo", "activity said": "dijo qué haría",
    "abrupt": "brusca", "unnecessary": "innecesaria", "purpose field": "propósito registrado",
    "told the customer": "se lo dijo al cliente",
    "consent recorded": "consentimiento registrado", "minutes recorded": "minutos registrados",
}
_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^missing: (.+)$"), lambda m: "falta: " + _list(m[1])),
    (re.compile(r"^missing step: (.+)$"), lambda m: "falta el paso: " + _list(m[1])),
    (re.compile(r"^(\d+) open vs (\d+) closed questions$"),
     lambda m: f"{_questions(m[1], 'abierta')} frente a {_plural(m[2], 'cerrada', 'cerradas')}"),
    (re.compile(r"^(\d+) closed vs (\d+) open questions$"),
     lambda m: f"{_questions(m[1], 'cerrada')} frente a {_plural(m[2], 'abierta', 'abiertas')}"),
    (re.compile(r"^(\d+) words, more than (\d+)$"), lambda m: f"{m[1]} palabras, más de {m[2]}"),
    (re.compile(r"^hold of (\d+) s against (\d+) s announced$"),
     lambda m: f"espera de {m[1]} s frente a {m[2]} s anunciados"),
    (re.compile(r"^not judged: (.+)$"), lambda m: f"sin juzgar: {m[1]}"),
    (re.compile(r"^((?:reason field|thanked|abrupt|purpose field|consent recorded): .+)$"), lambda m: _flags(m[1], _FLAG_NAMES)),
]


def note_text(note: str | None, language: str = "es") -> str:
    """The note in the reader's language (English notes pass through)."""
    if not note or language.startswith("en"):
        return note or ""
    if note in _EXACT:
        return _EXACT[note]
    for pattern, render in _PATTERNS:
        match = pattern.match(note)
        if match:
            return render(match)
    return note


# A transcript's events as a reader names them (the stored transcript and the evidence keep the SPEC's keys).
_EVENT_NAMES = {
    "start": ("inicio", "start"), "end": ("fin", "end"), "hold": ("espera", "hold"),
    "resume": ("vuelta de la espera", "resume"), "transfer_request": ("petición de transferencia", "transfer request"),
    "transfer_accepted": ("transferencia aceptada", "transfer accepted"),
    "transfer_declined": ("transferencia rechazada", "transfer declined"),
    "escalation": ("escalado al supervisor", "escalation"),
}
_FIELD_NAMES = {
    "wait_seconds": ("espera en segundos", "wait in seconds"), "customer_consent": ("el cliente aceptó", "customer agreed"),
    "to": ("para", "to"), "reason": ("motivo", "reason"), "expected_minutes": ("minutos anunciados", "minutes announced"),
    "purpose": ("propósito", "purpose"),
}
_EVENT_EVIDENCE = re.compile(r"^(\d+:\d\d(?::\d\d)?) ([a-z_]+)(?: \((.*)\))?$")
_EVENT_FIELD = re.compile(r"(\w+)=('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[^,]+)")
_BOTH_LANGUAGES = re.compile(r"^(\w+) / (\w+) (\S+) \(máx\. / max (\S+)\)$")


def _pick(pair: tuple[str, str], language: str) -> str:
    return pair[1] if language.startswith("en") else pair[0]


def event_name(kind: str, language: str = "es") -> str:
    return _pick(_EVENT_NAMES[kind], language) if kind in _EVENT_NAMES else kind


def field_name(key: str, language: str = "es") -> str:
    return _pick(_FIELD_NAMES[key], language) if key in _FIELD_NAMES else key


def field_value(value: object, language: str = "es") -> str:
    if isinstance(value, bool) or value in ("true", "false", "True", "False"):
        yes = value is True or value in ("true", "True")
        return _pick(("sí", "yes") if yes else ("no", "no"), language)
    return str(value)


def evidence_text(evidence: str, language: str = "es") -> str:
    """Evidence in the reader's language: «00:51 transfer_request (to='…', customer_consent=false)» and the
    two-language «espera / wait 01:51 (máx. / max 03:00)» are written by the rules for matching and logs."""
    both = _BOTH_LANGUAGES.match(evidence)
    if both:
        spanish = not language.startswith("en")
        name, limit = (both[1], "máx.") if spanish else (both[2], "max")
        return f"{name} {both[3]} ({limit} {both[4]})"
    event = _EVENT_EVIDENCE.match(evidence)
    if not event or event[2] not in _EVENT_NAMES:
        return evidence
    fields = [f"{field_name(key, language)}: {field_value(value.strip(chr(39) + chr(34)), language)}"
              for key, value in _EVENT_FIELD.findall(event[3] or "")]
    return f"{event[1]} {event_name(event[2], language)}" + (f" ({', '.join(fields)})" if fields else "")
