"""Quality scorecard: time to score a realistic 15-minute call (issue 5 target: under 50 ms).

Run on its own with ``.venv/bin/python bench/bench_quality.py``. The call is
built deterministically: about 150 turns over 15 minutes (opening, a story
with acknowledgements, paraphrase, closed questions and answers, step-by-step
instructions, a hold with consent, a transfer declined and recovered, the
close). Baselines in the same run: decoding and checking the transcript only
(``json.loads`` + ``parse_transcript``), and the full card with the language
assistant switched off, to show its share.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _benchlib import figure, percentile, table  # noqa: E402

from atiende.quality import language_adapter, parse_transcript, score_transcript  # noqa: E402

RUNS = 300
TARGET_MS = 50.0

OPENING = [
    ("T", "Buenos días, gracias por llamar al soporte técnico, le atiende Luis. ¿Con quién tengo el gusto?"),
    ("C", "Buenos días, soy Marta Ruiz, de la gestoría Ruiz."),
    ("T", "Encantado, Marta. ¿En qué puedo ayudarle?"),
    ("C", "Pues mire, desde el lunes el programa de contabilidad va muy lento y a veces se cierra solo cuando "
          "saco los informes, y además la impresora de la oficina no imprime los listados largos."),
    ("T", "Ya veo."),
    ("C", "Y tengo que presentar los impuestos el viernes, así que estoy bastante preocupada, la verdad."),
    ("T", "Entiendo, Marta, lamento la preocupación. Déjeme ver si comprendo lo que me comentó: desde el lunes "
          "la contabilidad va lenta y se cierra al sacar informes, y los listados largos no se imprimen, ¿es así?"),
    ("C", "Sí, exactamente eso."),
    ("T", "Para saber cómo explicárselo, ¿está familiarizada con la configuración del programa o prefiere que "
          "vayamos paso a paso?"),
    ("C", "Mejor paso a paso, que yo de esto sé poco."),
]
QUESTIONS = [  # half the answers are a bare fact, half a sentence or two (those go through trait detection)
    ("¿El programa se cierra con todos los informes o solo con el mensual?",
     "Solo con el mensual, los trimestrales y los semanales salen bien y bastante rápido."),
    ("¿Le aparece algún mensaje antes de cerrarse?", "No, se cierra sin avisar."),
    ("¿Cuántos usuarios trabajan a la vez con el programa?",
     "Somos tres, pero por la mañana solo lo uso yo, y también se cierra cuando estoy sola."),
    ("¿La impresora es la grande de color gris?", "Sí, esa."),
    ("¿Los listados cortos sí salen bien?",
     "Sí, los cortos salen sin problema, lo que se queda atascado son los de más de veinte páginas."),
    ("¿Qué versión del programa le aparece en el menú Ayuda?", "La 7.2."),
]
STEPS = [
    "Abra el menú Herramientas y pulse en Mantenimiento.",
    "Ahora elija la opción Compactar base de datos y pulse Aceptar.",
    "Cuando termine, cierre el programa y vuelva a abrirlo.",
    "Pruebe a sacar de nuevo el informe mensual.",
    "En la impresora, pulse el botón Menú y busque la opción Memoria.",
    "Seleccione Ampliar memoria de impresión y confirme con Aceptar.",
]
ANSWERS = ["Vale, ya está.", "Hecho.", "Sí, ya lo veo.", "Vale, ahora mismo.", "Listo.", "Ya está hecho."]


def build_call(target_turns: int = 166, length_seconds: float = 900.0) -> dict:
    """A deterministic 15-minute call of about ``target_turns`` turns."""
    lines: list[tuple[str, str] | dict] = list(OPENING)
    i = 0
    while len(lines) < target_turns - 16:
        question, answer = QUESTIONS[i % len(QUESTIONS)]
        lines += [("T", question), ("C", answer), ("T", "Muy bien."),
                  ("T", STEPS[i % len(STEPS)]), ("C", ANSWERS[i % len(ANSWERS)])]
        if i == 6:
            lines += [("T", "Tengo que consultar con el fabricante un fallo conocido de la versión 7.2. ¿Le importa "
                            "si le pongo en espera unos dos minutos mientras lo consulto?"),
                      ("C", "No, claro, espero."),
                      ("T", "Gracias, Marta. Vuelvo en dos minutos; mientras, voy a revisar el fallo con el fabricante."),
                      {"type": "hold", "reason": "consultar fallo conocido con el fabricante", "customer_consent": True,
                       "expected_minutes": 2},
                      {"type": "resume"},
                      ("T", "Gracias por su paciencia, Marta. Hay una actualización que lo corrige.")]
        if i == 14:
            lines += [("T", "La memoria de la impresora la configura el especialista de nivel dos, porque necesita "
                            "permisos que no tengo. ¿Le parece bien que le transfiera con él?"),
                      ("C", "Sí, de acuerdo."),
                      {"type": "transfer_request", "to": "nivel 2", "purpose": "memoria de impresión (permisos)",
                       "customer_consent": True},
                      {"type": "transfer_declined", "to": "nivel 2", "reason": "ocupado"},
                      ("T", "Marta, sigo con usted: el especialista está ocupado; le llamará hoy a las cinco.")]
        i += 1
    lines += [
        ("C", "Ahora el informe sale bien y rápido."),
        ("T", "Estupendo. En resumen, hemos compactado la base de datos, el informe ya sale y la impresora le "
              "llamarán a las cinco para ampliarla. Lo dejo anotado en su solicitud. ¿Hay algo más en lo que pueda "
              "ayudarle?"),
        ("C", "No, nada más, muchas gracias."),
        ("T", "Gracias a usted por llamar, Marta. Que tenga un buen día."),
    ]
    step = length_seconds / (len(lines) + 1)
    events: list[dict] = [{"t": 0, "type": "start", "wait_seconds": 45}]
    for n, line in enumerate(lines, start=1):
        t = round(n * step, 1)
        if isinstance(line, dict):
            events.append({"t": t, **line})
        else:
            events.append({"t": t, "speaker": "tecnico" if line[0] == "T" else "cliente", "text": line[1]})
    events.append({"t": length_seconds, "type": "end"})
    return {"channel": "telefonico", "customer": {"name": "Marta Ruiz"},
            "technician": {"name": "Luis Gómez", "tier": 1}, "events": events}


def sample(function, runs: int = RUNS) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Wall-clock and CPU milliseconds per call.

    CPU time (this process only) is shown next to wall time because the
    benchmark machine is shared: under load, wall time includes waiting for a
    core, CPU time does not.
    """
    for _ in range(10):  # warm caches (compiled patterns, lexicons)
        function()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start) * 1000)
    return wall, cpu


def main() -> int:
    call = build_call()
    raw = json.dumps(call, ensure_ascii=False)
    turns = sum(1 for e in call["events"] if "speaker" in e)
    words = sum(len(e["text"].split()) for e in call["events"] if "speaker" in e)

    parse_only = sample(lambda: parse_transcript(json.loads(raw)))
    full = sample(lambda: score_transcript(json.loads(raw)))
    with language_adapter.switched_off():
        without_language = sample(lambda: score_transcript(json.loads(raw)))

    rows = []
    base_wall, base_cpu = parse_only
    for name, (wall, cpu) in (("decode + check only (baseline)", parse_only),
                              ("full scorecard, no language assistant", without_language),
                              ("full scorecard (what `atiende score` does)", full)):
        rows.append([name, f"{percentile(wall, 0.5):.2f}", f"{percentile(wall, 0.99):.2f}",
                     f"{percentile(cpu, 0.5):.2f}", f"{percentile(cpu, 0.99):.2f}",
                     f"{percentile(cpu, 0.5) / percentile(base_cpu, 0.5):.1f}×"])
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print("## Quality scorecard\n")
    print(f"A 15-minute phone call: {turns} turns, {words} words, a hold, a declined transfer; "
          f"{RUNS} runs each, after 10 warm-up runs. Language assistant available: {language_adapter.available()}. "
          f"Load average at the start: {load:.1f} on {os.cpu_count()} cores.\n")
    print(table(["what", "wall p50 ms", "wall p99 ms", "CPU p50 ms", "CPU p99 ms", "CPU p50 vs decode + check"],
                rows))
    wall, cpu = full
    print()
    figure("Score a 15-minute call (~150 turns), wall p50", round(percentile(wall, 0.5), 2), "ms",
           target=f"< {TARGET_MS:.0f} ms", met=percentile(wall, 0.5) < TARGET_MS)
    figure("Score a 15-minute call (~150 turns), wall p99", round(percentile(wall, 0.99), 2), "ms",
           target=f"< {TARGET_MS:.0f} ms", met=percentile(wall, 0.99) < TARGET_MS,
           note="shared machine: see the load average")
    figure("Score a 15-minute call (~150 turns), CPU p50", round(percentile(cpu, 0.5), 2), "ms",
           target=f"< {TARGET_MS:.0f} ms", met=percentile(cpu, 0.5) < TARGET_MS)
    figure("Scorecard vs decode + check (CPU p50 ratio)",
           round(percentile(cpu, 0.5) / percentile(base_cpu, 0.5), 1), "×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
