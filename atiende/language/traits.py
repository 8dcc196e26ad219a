"""Customer traits (PRACTICES CT-LOC, CT-DES, CT-ENF, CT-ENT, CT-INX) and the knowledge level (CO-3).

Each trait is a noisy-or of the weights of the distinct cues found in the
folded text, plus a few surface features (capitals, exclamation runs, length).
A customer often shows several traits at once; all that pass the threshold
are asserted.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from atiende.language import morph
from atiende.language.learned import LEARNED_TRAITS, basic_or_intermediate, trait_evidence
from atiende.language.lexicon import (
    LEVEL_PARAMS,
    SUPPORT,
    THRESHOLD,
    TRAITS,
    TraitLexicon,
)
from atiende.language.model import TraitScore
from atiende.language.morph import known as is_known
from atiende.language.text import WORD, Folded, Matcher, combine, fold_pattern, negated

_CAPS_WORD = re.compile(r"(?<!\w)[A-ZÁÉÍÓÚÜÑ]{2,}(?!\w)")
_EXCLAIM_RUN = re.compile(r"!{2,}|¡{2,}")
_INTERROBANG = re.compile(r"\?!|!\?|¿¡|¡¿")
# Capitals that are not shouting (acronyms a customer types in capitals anyway).
_ACRONYMS = frozenset({
    "PC", "USB", "OK", "TV", "PDF", "CD", "DVD", "HDMI", "WIFI", "SMS", "ID", "DNI", "NIE", "RUT", "CURP", "IVA",
    "IP", "DNS", "DHCP", "RAM", "SSD", "CPU", "GPU", "VPN", "LED", "GB", "MB", "TB", "AM", "PM", "SIM", "PIN", "QR",
    "URL", "API", "BIOS", "UEFI", "NAS", "4G", "5G", "LTE", "GPS", "XP", "MAC", "IOS", "HP", "LG", "ADSL", "ONT",
    "TCP", "UDP", "SSH", "RDP", "SMTP", "IMAP", "SSL", "TLS", "VLAN", "NAT", "BSOD", "KB", "NVME", "RAID", "MTU",
    "QOS", "SSID", "WPA", "WPA2", "AD", "GPO", "LDAP", "MFA", "CMD", "SFC", "DISM", "AWS", "CC", "CI", "RUC", "NIT",
    "CUIT", "SAT", "IT", "TI", "ERP", "CRM", "SAP", "MX", "SPF", "DKIM", "HTTP", "HTTPS", "WAN", "LAN", "ISP", "UPS",
})


def _caps_words(text: str) -> list[str]:
    return [w for w in _CAPS_WORD.findall(text) if w not in _ACRONYMS]


# Acronyms everybody types: not a sign of technical knowledge.
_EVERYDAY = frozenset({
    "PC", "USB", "OK", "TV", "PDF", "CD", "DVD", "HDMI", "WIFI", "SMS", "ID", "DNI", "NIE", "RUT", "CURP", "IVA",
    "LED", "GB", "MB", "TB", "KB", "AM", "PM", "SIM", "PIN", "QR", "GPS", "XP", "IOS", "HP", "LG", "CC", "CI", "RUC",
    "NIT", "CUIT", "SAT", "IT", "TI", "4G", "5G", "LTE", "EEUU", "USA", "UE", "DM", "WC", "FAQ", "CEO", "RRHH",
})
# Session 14: a part or model number in capitals and digits ("TMC2209") counts too (no cue of every word start).
_ACRONYM = re.compile(r"(?<![\w-])(?:[A-Z][A-Z0-9]{1,5}|[A-Z]{2,5}[0-9]{3,5})(?![\w-])")


def _technical_acronyms(original: str, n_words: int, ent_regex: Matcher) -> list[str]:
    """Acronyms in capitals that are neither everyday ones nor Spanish words ("registros PTR", "la tabla ARP"):
    technical vocabulary the CT-ENT lists may not hold. Not in a message typed in capitals (that is shouting)."""
    caps = _CAPS_WORD.findall(original)
    if n_words and len(caps) / n_words >= 0.4:
        return []
    found: list[str] = []
    for token in _ACRONYM.findall(original):
        if token in _EVERYDAY or token in found or is_known(token.lower()) or ent_regex.fullmatch(token.lower()):
            continue
        found.append(token)
    return found


_POLITE = re.compile(r"(?<!\w)(?:por favor|gracias|buen(?:os|as)? (?:dias|tardes|noches)|un saludo|saludos|atentamente|"
                     r"me (?:pueden|podrian|puede) ayudar|disculpe|senorita|amablemente)(?!\w)")


def _cue_hits(lex: TraitLexicon, folded: Folded, spans: list[tuple[int, int]],
              story: list[str]) -> tuple[list[float], list[str]]:
    # Distinct matches count: two different insults are more evidence than one said twice.
    weights: dict[tuple[int, str], float] = {}
    evidence: list[str] = []
    use_negation = lex.params.get("negation", True)
    for match in lex.regex.finditer(folded.text):
        name = match.lastgroup
        if name is None:
            continue
        spans.append((match.start(), match.end()))
        index = int(name[1:])
        cue = lex.cues[index]
        if use_negation and cue.negatable and negated(folded.text, match.start(), window=5):
            continue  # "no estoy enfadado"
        excerpt = folded.excerpt(match.start(), match.end())
        if excerpt not in evidence:
            evidence.append(excerpt)
        if cue.story and excerpt not in story:
            story.append(excerpt)
        weights[(index, match.group(0))] = cue.weight
    return list(weights.values()), evidence


_LOC = TRAITS["CT-LOC"].params
_TOPIC = combine([_LOC["topic"]])
_SOCIAL_WORDS = combine([_LOC["social_words"]])
_COURTESY = re.compile(fold_pattern(_LOC["courtesy"]))
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;\n]*")
_PERSONAL = combine([_LOC["personal"]])
# CO-3: the everyday computing vocabulary that leans a message towards "intermedio" (data/level.toml).
_INTERMEDIATE = combine(list(LEVEL_PARAMS["intermediate_vocabulary"]))
# A sentence that names the problem may still carry a clause about the customer's life ("Le cuento que estoy
# recién operada de la rodilla y paso el día en casa, por eso necesito el cable"): such a sentence is read
# clause by clause (session 11, the held-out rounds' missed talkative customers).
_CLAUSE = re.compile(r"[^,:]+?(?=,|:|\s(?:pero|por eso|asi que|y ahora|y encima)\s|$)[,:]?")
_MIN_CLAUSE_WORDS = 4
_ANY = re.compile(r".+", re.S)
# Session 12: a question of one to three words put to the technician as the subject ("¿usted teje?", "¿y vos?").
_SHORT_PERSONAL_QUESTION = re.compile(r"^[\s,:¿]*(y )?(usted|vos|tu)( \w+){0,2}\s*\?+\s*$")


def _pieces(text: str) -> list[tuple[re.Match[str], bool]]:
    """Sentences, each with whether it names the problem (a topic word); a sentence that does is split into
    its clauses (see _CLAUSE), each with the same answer for itself. The topic words are found once, over
    the whole text."""
    topics = [m.start() for m in _TOPIC.finditer(text)]
    out: list[tuple[re.Match[str], bool]] = []

    def names_problem(start: int, end: int) -> bool:
        i = bisect_left(topics, start)
        return i < len(topics) and topics[i] < end

    for m in _SENTENCE.finditer(text):
        if not names_problem(m.start(), m.end()):
            # A short question to the technician at the end is read on its own ("..., ¿usted teje?"), so that
            # a cue of another trait earlier in the sentence does not hide it.
            clauses = list(_CLAUSE.finditer(text, m.start(), m.end()))
            last = clauses[-1] if clauses else None
            if last is not None and last.start() > m.start() and _SHORT_PERSONAL_QUESTION.match(last.group(0)):
                out.append((_ANY.match(text, m.start(), last.start()) or m, False))
                out.append((last, False))
            else:
                out.append((m, False))
            continue
        for c in _CLAUSE.finditer(text, m.start(), m.end()):
            # A short question to the technician keeps its clause: "¿usted teje?", "¿y vos?".
            if len(WORD.findall(c.group(0))) >= _MIN_CLAUSE_WORDS or _SHORT_PERSONAL_QUESTION.match(c.group(0)):
                out.append((c, names_problem(c.start(), c.end())))
    return out


def _chatter(folded: Folded, cue_spans: list[tuple[int, int]]) -> tuple[list[float], list[str]]:
    """CT-LOC from structure: sentences about neither the problem nor the call (chatter)."""
    off_topic: list[str] = []
    question = False
    for m, names_problem in _pieces(folded.text):
        sentence = m.group(0)
        words = WORD.findall(sentence)
        asks = sentence.rstrip().endswith("?") and bool(_SOCIAL_WORDS.search(sentence))
        # A short question to the technician ("¿usted teje?") is socialising even in two words.
        short = len(words) < 3 and not _SHORT_PERSONAL_QUESTION.match(sentence)
        if short or names_problem or _COURTESY.match(sentence):
            continue
        if any(m.start() <= s < m.end() for s, _e in cue_spans):
            continue  # it carries another trait's cue: it is about the call, not chatter
        if not _PERSONAL.search(sentence):
            continue  # a remark about the world (a saying, a joke) is not the customer talking about their life
        off_topic.append(folded.excerpt(m.start(), m.end()).strip())
        if asks:
            question = True  # socialising: a personal question to the technician
    weights: list[float] = []
    if len(off_topic) >= 2:
        weights.append(_LOC["off_topic_two"])
    elif off_topic:
        weights.append(_LOC["off_topic_one"])
    if question:
        weights.append(_LOC["social_question"])
    return weights, off_topic[:3]


_SUPPORT_TRAITS = frozenset(SUPPORT["traits"])
_ADDRESSEE = combine([SUPPORT["addressee"], SUPPORT["service"]])
_CLITIC_ENDINGS = tuple(SUPPORT["clitic_endings"])
_LISTENER = combine([SUPPORT["listener"]])


def _addressed(folded: Folded) -> bool:
    """Someone on the other side of the exchange is spoken to (CT-LOC, session 14): a question, a topic word,
    a second-person word or verb, a courtesy or the call itself named. "Mi suegra dice que el vino alegra" has
    none; "¿Usted tiene perros?" and "por eso no escucho bien" have."""
    text = folded.text
    if "?" in text or _TOPIC.search(text) or _LISTENER.search(text):
        return True
    for word in WORD.findall(folded.original.lower()):
        if len(word) > 5 and word.endswith(_CLITIC_ENDINGS):
            return True
        verb = morph.analyse(word)
        if verb is not None and verb.person == morph.SECOND:
            return True
    return False


def _support_conversation(folded: Folded) -> bool:
    """Someone talking to the help desk: a topic or personal word, someone addressed or the service named, a
    question, or a verb in the first or second person (morph.analyse) or with a person attached ("pásame").
    A saying or a joke about the world has none of these (session 13)."""
    text = folded.text
    if "?" in text or _TOPIC.search(text) or _PERSONAL.search(text) or _ADDRESSEE.search(text):
        return True
    for word in WORD.findall(folded.original.lower()):
        if len(word) > 5 and word.endswith(_CLITIC_ENDINGS):
            return True
        verb = morph.analyse(word)
        if verb is not None and verb.person != morph.THIRD:
            return True
    return False


LEARNED_WEIGHT = 0.5  # a sure learned model asserts the trait by itself (learned.TRAIT_MARGIN)
LEARNED_SHARED_WEIGHT = 0.35  # ... unless the lexicon already found the trait it is most often confused with
_CONFUSABLE = {"CT-ENF": "CT-DES", "CT-DES": "CT-ENF"}
# Laughter: "¡¡Funciona!! Era el cable, ¡qué vergüenza, jaja!" is embarrassment told cheerfully, not anger.
_THANKS = re.compile(r"(?<![a-z])(dios (le|les|te|se lo) pague|que dios (le|les|te) bendiga|gracias|mil gracias|te lo agradezco|se lo agradezco|genial|chevere|buenisimo|excelente)(?![a-z])")
_LAUGHTER = re.compile(r"(?<![a-z])(ja(ja)+|je(je)+|ji(ji)+|ha(ha)+|xd+|lol)(?![a-z])|😂|🤣|😅|😄|😁|😆")


def _learned_evidence(trait_id: str, folded: Folded) -> list[str]:
    """The learned model's strongest words, quoted from the original text."""
    quotes = []
    for feature in trait_evidence(trait_id, folded.text):
        found = re.search(r"(?<![a-z0-9])" + re.escape(feature) + r"(?![a-z0-9])", folded.text)
        if found:
            quotes.append(folded.excerpt(found.start(), found.end()))
    return quotes


def _noisy_or(weights: list[float]) -> float:
    miss = 1.0
    for w in weights:
        miss *= 1.0 - w
    return 1.0 - miss


# CT-LOC last: its chatter check needs the other traits' cues.
_ORDER = sorted(TRAITS.items(), key=lambda item: item[0] == "CT-LOC")


def score_traits(folded: Folded) -> dict[str, TraitScore]:
    """Every trait with its score and evidence, asserted or not."""
    words = WORD.findall(folded.text)
    n_words = len(words)
    out: dict[str, TraitScore] = {}
    other_spans: list[tuple[int, int]] = []  # cues of the other traits, for the chatter check
    hits: dict[str, tuple[list[float], list[str], list[tuple[int, int]]]] = {}
    story: dict[str, list[str]] = {}
    for trait_id, lex in _ORDER:
        spans: list[tuple[int, int]] = []
        story[trait_id] = []
        weights, evidence = _cue_hits(lex, folded, spans, story[trait_id])
        hits[trait_id] = (weights, evidence, spans)
    # Anger, hostility and confusion are read from someone talking to the help desk, not from a saying.
    supported: list[bool] = []  # found once, and only when a trait it governs has evidence

    def unsupported() -> bool:
        if not supported:
            supported.append(_support_conversation(folded))
        return not supported[0]

    if any(hits[t][0] for t in _SUPPORT_TRAITS) and unsupported():
        for t in _SUPPORT_TRAITS:
            hits[t] = ([], [], hits[t][2])
            story[t] = []
    # Where the lexicon is silent, the learned models may still recognise the trait from the words.
    exclaimed = "!" in folded.original
    for trait_id in LEARNED_TRAITS:
        learned = _learned_evidence(trait_id, folded)
        if learned and trait_id in _SUPPORT_TRAITS and unsupported():
            continue
        if learned:
            # Anger and rudeness share their words ("me cobraron", "nadie", "esperando"): where the lexicon
            # already found the other one and nothing is exclaimed, the model alone does not add this one
            # ("Ustedes son unos irresponsables, me dejaron sin servicio" is rude, not also angry).
            other = _CONFUSABLE.get(trait_id)
            alone = not hits[trait_id][0]
            weight = LEARNED_WEIGHT
            if alone and other and hits[other][0] and not exclaimed:
                weight = LEARNED_SHARED_WEIGHT
            elif alone and not hits["CT-ENF"][0] and not hits["CT-DES"][0] and _THANKS.search(folded.text):
                weight = LEARNED_SHARED_WEIGHT  # "¡Ya tengo internet otra vez! Gracias": words of a complaint, said glad
            hits[trait_id][0].append(weight)
            new = [e for e in learned if e.lower() not in {x.lower() for x in hits[trait_id][1]}]
            hits[trait_id][1].extend(new)
            # Words such as "nadie" or "otra": evidence to show, not phrases the paraphrase must avoid.
            story[trait_id].extend(new)
    # Intensity (capitals, "!!!") raises anger that the words already show (an anger or a hostility cue);
    # it never creates it: "¡Ya funciona, sois geniales!!!" and "MIL GRACIAS" are not CT-ENF.
    words_show_feeling = bool(hits["CT-ENF"][0] or hits["CT-DES"][0])
    if words_show_feeling and _LAUGHTER.search(folded.text) and max(hits["CT-ENF"][0] + hits["CT-DES"][0]) < 0.5:
        words_show_feeling = False  # a weak cue said laughing: the exclamations are joy, not a raised voice
    for trait_id, lex in _ORDER:
        weights, evidence, spans = hits[trait_id]
        if trait_id != "CT-LOC":
            other_spans += spans
        p = lex.params
        if trait_id == "CT-ENF" and words_show_feeling:
            caps = _caps_words(folded.original)
            ratio = len(caps) / n_words if n_words else 0.0
            if len(caps) >= 3 or (len(caps) >= 2 and ratio >= 0.5) or (caps and len(caps[0]) >= 5 and ratio >= 0.5):
                # Capitals read as a raised voice (NT-6), unless the message is plainly courteous:
                # some people simply type in capitals ("BUENOS DIAS, ... GRACIAS").
                weights.append(p["polite_shout"] if _POLITE.search(folded.text) else p["shout"])
                evidence.append(" ".join(caps[:6]))
            runs = _EXCLAIM_RUN.findall(folded.original)
            if runs:
                longest = max(runs, key=len)
                weights.append(p["exclaim_triple"] if len(longest) >= 3 else p["exclaim_double"])
                evidence.append(longest)
            if _INTERROBANG.search(folded.original):
                weights.append(p["interrobang"])
            if "!" in folded.original:
                weights.append(p["exclaim_single"])
            if len(re.findall(r"!+", folded.original)) >= 2:
                weights.append(p["exclaim_many"])
                if hits["CT-DES"][0] and max(hits["CT-DES"][0]) >= 0.5:
                    weights.append(p["insult_exclaimed"])  # "¡Son unos estafadores! ¡Me cobraron...!": shouted
        elif trait_id == "CT-ENT":
            # Technical acronyms outside the lists count as its vocabulary does (one is not enough, two are).
            for token in _technical_acronyms(folded.original, n_words, lex.regex):
                if token.lower() not in {e.lower() for e in evidence}:
                    weights.append(p["acronym"])
                    evidence.append(token)
        elif trait_id == "CT-LOC":
            extra, sentences = _chatter(folded, other_spans)
            weights += extra
            evidence += [s for s in sentences if s not in evidence] if extra else []
            if weights and not other_spans and not _addressed(folded):
                weights, evidence = [], []  # talk about one's life addressed to nobody: a story, not chatter
            # A long message that also wanders into chatter leans talkative.
            if not weights:
                pass
            elif n_words >= p["very_long_words"]:
                weights.append(p["very_long_bonus"])
            elif n_words >= p["long_words"]:
                weights.append(p["long_bonus"])
        unique = [e for i, e in enumerate(evidence) if e and e.lower() not in {x.lower() for x in evidence[:i]}]
        out[trait_id] = TraitScore(trait_id, round(_noisy_or(weights), 3), unique, story[trait_id])
    return {trait_id: out[trait_id] for trait_id in TRAITS}


def asserted(scores: dict[str, TraitScore]) -> list[TraitScore]:
    return [s for s in scores.values() if s.score >= THRESHOLD]


def knowledge_level(folded: Folded, scores: dict[str, TraitScore]) -> str | None:
    """CO-3: basico, intermedio or avanzado, from the traits and the vocabulary (None for an empty text)."""
    if not WORD.search(folded.text):
        return None
    ent = scores["CT-ENT"]
    inx = scores["CT-INX"]
    if inx.score >= THRESHOLD and inx.score >= ent.score:
        return "basico"
    if ent.score >= THRESHOLD:
        return "avanzado"
    technical = len(ent.evidence)
    if technical >= LEVEL_PARAMS["advanced_for"]:
        return "avanzado"
    # Between basic and intermediate: how the customer describes the problem, learned from labelled messages,
    # and whether they name the software, files and tasks of a computer (data/level.toml).
    named = {m.group(0) for m in _INTERMEDIATE.finditer(folded.text)}
    lean = LEVEL_PARAMS["vocabulary_weight"] * len(named) - LEVEL_PARAMS["basic_lean"]
    return basic_or_intermediate(folded.text, lean)
