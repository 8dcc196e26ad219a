"""Phrase patterns the scorer recognises in what the technician and the customer say.

These are the conversational moves of the practices that do not need the
language assistant: greetings, acknowledgements (AL-2), paraphrase (AL-4),
closed and open questions (AL-5), announcing and asking for a hold (HO-2..4),
explaining a transfer (TR-2), the positive close (SP-4). The patterns run on
folded text (lower case, no accents: see :func:`atiende.quality.transcript.fold`).
"""

from __future__ import annotations

import re


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


GREETING = _rx(
    r"\bbuen(?:os|as) (?:dias|tardes|noches)\b", r"\bbuen dia\b", r"\bhola\b", r"\bbienvenid[oa]s?\b",
    r"\bgracias por (?:llamar|comunicarse|contactar|contactarnos|escribir|escribirnos|su (?:llamada|correo|mensaje|consulta))",
    r"\bestimad[oa]s?\b", r"\bsaludos\b", r"^\W*(?:muy )?buenas\b",
)
# AL-2: short words that show the technician is there and listening.
ACKNOWLEDGEMENT = _rx(
    r"^\W*(?:entiendo|comprendo|ya veo|muy bien|claro|de acuerdo|aja|vale|si|mmm+|ajam|correcto|perfecto|ok|okey|ya|que bien|vaya|ah|uy|anda)\b",
)
ACK_WORDS_MAX = 5
# An acknowledgement that opens any sentence of a longer turn («... Ya veo el error: ...»).
ACK_SENTENCE = re.compile(r"(?:^|[.!?]\s+|¡)(?:entiendo|comprendo|ya veo|de acuerdo|muy bien)\b")
# AL-4: paraphrasing the story back to the customer.
PARAPHRASE = _rx(
    r"\bdej[ea]me ver si (?:lo )?(?:comprendo|entiendo|he entendido|le he entendido)",
    r"\bsi (?:le |te )?(?:he )?entend[i](?:do)? bien\b", r"\bsi no me equivoco\b",
    r"\ba ver si (?:lo )?(?:he )?entend", r"\bpara (?:confirmar|asegurarme) (?:de )?que (?:le |lo )?(?:entiendo|entendi|he entendido)",
    r"\blo que me (?:comenta|cuenta|dice|explica) es\b", r"\bresumiendo lo que me\b",
    r"\bsi lo entiendo bien\b", r"\bentonces,? (?:usted|lo que me)",
    r"\bentonces,? (?:su|el|la|lo|los|las)\b[^?]{10,}(?:¿no|¿verdad|¿es asi|¿correcto)\?",
    r"\bsegun (?:me|nos) (?:indica|comenta|cuenta|explica)\b",
    r"\bentiendo que (?:su|el|la|usted|desde|cuando|no le|al|quiere|necesita|desea|le)\b",
    r"\bsi (?:le |lo )?entiendo bien\b",
)
# AL-1: the customer has to ask to be allowed to finish.
LET_ME_FINISH = _rx(r"\bdejeme terminar\b", r"\bno he terminado\b", r"\bcomo le (?:iba a decir|decia)\b",
                    r"\bsi me deja (?:terminar|acabar)\b", r"\bdejeme acabar\b")
# SP-4: summary of what was done.
SUMMARY = _rx(
    r"\ben resumen\b", r"\bresumiendo\b", r"\bhemos (?:\w+ado|\w+ido|hecho|puesto|vuelto|resuelto)\b",
    r"\b(?:le |lo |la )?he (?:\w+ado|\w+ido|hecho|puesto|vuelto|resuelto)\b",
    r"\bya (?:funciona|puede|tiene|le llega|le aparece|imprime|conecta)\b",
    r"\bqueda(?:n)? (?:\w+ad[oa]s?|\w+id[oa]s?|resuelt[oa]s?)\b", r"\blo que hicimos\b",
    # «ya imprime», «ya no se cierra»; a bare «ya está» says nothing about what was done
    r"\bya (?:no )?(?:se |le |lo |la |los |las )?(?!esta\b)\w+(?:a|e|an|en)\b",
    r"\b(?:esta|estan) (?:\w+ad[oa]s?|\w+id[oa]s?|resuelt[oa]s?|hech[oa]s?|puest[oa]s?)\b", r"\bse ha (?:resuelto|solucionado|arreglado|corregido)\b",
)
# SP-4: checking the customer is satisfied.
SATISFACTION_CHECK = _rx(
    r"\b(?:hay|puedo|necesita|desea|quiere|tiene) (?:\w+ )?(?:algo mas|alguna otra|otra cosa|otra consulta|otra duda)",
    r"\b(?:algo mas|alguna otra (?:cosa|consulta|duda)) en (?:lo )?que (?:le )?pueda",
    r"¿(?:le |ya le )?(?:funciona|queda|quedo|va) (?:ya |todo |bien|resuelto|correct|como)",
    r"¿(?:esta|queda|se queda) (?:usted )?(?:satisfech|conforme|content|tranquil)",
    r"¿(?:se (?:ha )?)?(?:resolvio|resuelto|solucionado|soluciono)", r"¿todo (?:bien|correcto|en orden|claro)",
    r"¿(?:le |lo )?(?:ha quedado|quedo) (?:claro|resuelto|bien)", r"¿(?:alguna|tiene alguna) (?:otra )?(?:duda|consulta|pregunta)",
    r"¿(?:le )?(?:queda|surge) alguna (?:otra )?(?:duda|pregunta|consulta)",
    r"¿le (?:sirve|vale|parece bien) (?:asi|esto|esta solucion|la solucion)",
    r"¿(?:esta|estaria) (?:conforme|de acuerdo con (?:la solucion|como))",
    r"¿(?:y )?algo mas\?", r"\b(?:puede|podria) confirmar(?:me|nos)? si\b",
    r"¿[^?]*\b(?:algo mas|otra cosa|alguna otra|algun otro)\b[^?]*\?",
    r"¿[^?]*\b(?:content[oa]|satisfech[oa]|conforme)\b[^?]*\?",
    r"\bconfirm(?:e|eme|enos)(?: por favor)? si (?:le )?(?:funciona|se ha resuelto|queda resuelto)",
)
THANKS = _rx(r"^\W*a usted\b", r"\bgracias\b", r"\bagradezco\b", r"\bagradecemos\b", r"\bagradecerle\b")
FAREWELL = _rx(r"\bque tenga (?:un )?buen", r"\bhasta (?:luego|pronto|manana)\b", r"\badios\b",
               r"\bun saludo\b", r"\bsaludos\b", r"\batentamente\b", r"\bcordialmente\b",
               r"\bquedo a (?:su )?disposicion\b", r"\bfeliz (?:dia|tarde)\b", r"\bque le vaya bien\b")
# SP-3: asking who the customer is identifies them by name too.
NAME_REQUEST = _rx(r"¿con quien (?:hablo|tengo el gusto)", r"¿(?:me )?(?:dice|puede decir|indica|da) su nombre",
                   r"¿su nombre\b", r"¿nombre\?", r"¿(?:como|cual) es su nombre", r"¿de parte de quien")
# SP-2: a positive close (a bare «adiós» is not one).
POSITIVE_FAREWELL = _rx(r"\bque tenga (?:un |una )?(?:buen|feliz)", r"\bque le vaya bien\b", r"\bfeliz (?:dia|tarde)\b",
                        r"\bha sido un placer\b", r"\bun placer (?:atenderle|ayudarle)\b")
# SP-2: taking charge of the need.
TAKE_CHARGE = _rx(
    r"\bme (?:encargo|ocupo)\b", r"\bvamos a (?:revisar|resolver|ver|solucionar|probar|comprobar|hacer|configurar|arreglar)",
    r"\bvoy a (?:revisar|ayudarle|resolver|comprobar|mirar|configurar|enviarle|restablecer|guiarle)",
    r"\ble (?:ayudo|ayudare|guio|indico|explico)\b", r"\bahora mismo (?:lo|le|se lo)\b",
    r"\bpuede (?:probar|pulsar|abrir|hacer clic|reiniciar)", r"\bpulse\b|\bhaga clic\b|\babra(?:lo|la)?\b",
    r"\bseleccione\b|\belija\b|\bvaya a\b|\bentre en\b", r"\ble (?:aviso|llamo|escribo|confirmo)\b",
)
# CO-2: a one-to-one connection: introducing oneself, empathy.
SELF_INTRO = _rx(r"\bmi nombre es\b", r"\bme llamo\b", r"\ble (?:atiende|habla|saluda|escribe)\b",
                 r"\bal habla\b", r"^(?:\W*\w+\W+){0,6}soy\b")
EMPATHY = _rx(
    r"\blamento\b", r"\bsiento (?:mucho )?(?:las molestias|que|lo)\b", r"\bentiendo (?:lo|su|que|perfectamente)\b",
    r"\bcomprendo (?:lo|su|que|perfectamente)\b", r"\b(?:disculpe|perdone) (?:las molestias|la espera)\b",
    r"\bme imagino\b", r"\bque (?:mal|fastidio|faena|incomodo)\b", r"\bno se preocupe\b",
)
# CO-3 / CT-ENT: obvious checks that a knowledgeable customer should not get without a reason.
BASIC_CHECK = _rx(r"\bapag\w* y (?:lo |la )?encend", r"\breinici\w*", r"\besta (?:bien )?enchufad",
                  r"\bcable\b[\w ]{0,25}\b(?:conectad|enchufad|bien puesto)", r"\besta encendid")
BASIC_CHECK_REASON = _rx(r"\bpara descartar\b", r"\bdisculpe (?:la|que le haga la) pregunta\b",
                         r"\baunque (?:sea|parezca) obvio\b", r"\bpor protocolo\b", r"\bporque\b")
# CO-3: asking or stating the customer's level, or adapting to it.
LEVEL_CHECK = _rx(
    r"¿(?:esta|se siente) (?:usted )?(?:familiarizad|comod|acostumbrad)", r"¿(?:conoce|ha usado|maneja|suele usar)\b",
    r"¿(?:sabe|sabria) (?:usar|como|manejar|utilizar|hacer|abrir|entrar|instalar|configurar)\b",
    r"\bo (?:se lo|le) (?:explico|indico|guio)\b", r"¿(?:usted )?se (?:maneja|apana|defiende) (?:bien )?(?:con|en)\b",
    r"\bpoco a poco\b", r"\b(?:despacio|despacito|con calma)\b",
    r"\bpara saber como (?:explicar|hablar)",
    r"¿(?:que tal|como) se (?:maneja|lleva) con", r"¿tiene (?:experiencia|conocimientos)\b",
    r"\bque tan (?:comod|familiar)", r"\bpaso a paso\b", r"\bsin tecnicismos\b", r"\bsin palabras tecnicas\b", r"\bsin conocimientos tecnicos\b",
    r"\b(?:prefiere|quiere) que (?:le |se lo |lo )?(?:vaya|vayamos|hagamos|guie|explique)", r"¿suele (?:encargarse|usar|manejar|trabajar)",
    r"\bcomo usted (?:es|ya es) (?:tecnic|administrador|experto|del (?:oficio|sector|ramo))",
    r"\bveo que (?:usted )?(?:conoce|sabe|domina|maneja)\b", r"\b(?:veo que )?ya ha (?:descartado|revisado|probado) lo basico\b",
)
QUESTION = re.compile(r"¿[^?]*\?|[^.!?¿]*\?")
OPEN_QUESTION = _rx(
    r"^\W*(?:que (?:le )?(?:pasa|ocurre|sucede|ha pasado|ha ocurrido|le parece|mas)|como (?:es|fue|lo|le|ha|esta)|por que)\b",
    r"^\W*que (?:ha|hizo|hace|intento|probo) (?:usted|ud)?", r"^\W*y (?:que|como)\b", r"^\W*(?:algo mas que (?:me )?(?:quiera|pueda) contar)",
    r"\bcuenteme\b|\bexpliqueme\b|\bdescribame\b|\bhableme\b",
)
# Questions that are not diagnostic: consent, close, level.
NON_DIAGNOSTIC = _rx(
    r"\ble importa\b|\bme permite\b|\ble parece bien\b|\bde acuerdo\?|\bpuedo ponerle\b|\bpuedo transferir",
    r"\ben que (?:le )?puedo (?:ayudar|servir)", r"\balgo mas\b|\botra (?:cosa|consulta|duda)\b",
    r"\bcon quien (?:tengo el gusto|hablo)\b|\bsu nombre\b", r"\bquiere que (?:le )?(?:transfiera|pase)\b",
    r"\bcomo esta\b|\bque tal (?:esta|se encuentra)\b",
    # the invitation to tell the story is not a diagnostic question
    r"^\W*(?:y )?que le (?:ocurre|pasa|sucede)(?: con [\w ]+)?\?$",
)
# HO-2..4: announcing a hold, why, asking permission, time, activity.
HOLD_ANNOUNCE = _rx(r"\bespera(?:r|ndo)?\b", r"\bvuelvo (?:en|enseguida|con usted)\b", r"\baguard", r"\bun momento\b", r"\bun minuto\b", r"\bunos minutos\b",
                    r"\bno cuelgue\b", r"\bretener\b")
HOLD_WHY = _rx(
    r"\bpara (?:que|poder|ver|\w+(?:ar|er|ir)(?:la|lo|le|las|los|se)?)\b",
    r"\bporque\b", r"\bmientras\b",
    r"\bvoy a (?:consultar|revisar|comprobar|verificar|mirar|hablar|preguntar|buscar|confirmar|reiniciar|restablecer)",
    r"\btengo que (?:consultar|revisar|comprobar|verificar|mirar|hablar|preguntar|buscar|confirmar)",
    r"\bnecesito (?:consultar|revisar|comprobar|verificar|mirar|hablar|preguntar|buscar|confirmar)",
)
PERMISSION = _rx(r"¿(?:le |no le )?importa\b", r"¿me permite\b", r"¿puedo (?:ponerle|dejarle|pasarle)",
                 r"¿le parece(?: bien)?\b", r"¿esta (?:usted )?de acuerdo\b", r"¿(?:le )?viene bien\b",
                 r"¿podria (?:esperar|aguardar)", r"¿(?:puede|podria) (?:usted )?(?:esperar|aguardar)",
                 r"¿me (?:espera|aguarda)\b", r"¿(?:le )?puedo poner en espera")
SPOKEN_MINUTES = _rx(r"\b(?:\d+|un|una|dos|tres|cuatro|cinco|diez|unos|pocos|par de) minutos?\b",
                     r"\b(?:enseguida|en seguida|en un instante)\b")
MINUTES = _rx(r"\b(?:\d+|un|una|dos|tres|cuatro|cinco|unos|pocos|par de) minutos?\b", r"\bun momento\b")
PATIENCE_THANKS = _rx(r"\bgracias por (?:su |la )?(?:paciencia|espera|esperar|aguardar)",
                      r"\bagradezco (?:su|la) (?:paciencia|espera)\b", r"\bgracias por haber esperado\b")
APOLOGY_DELAY = _rx(r"\b(?:disculpe|perdone|siento|lamento) (?:la|el) (?:demora|tardanza|retraso|espera)",
                    r"\b(?:necesito|me va a llevar|tardare) (?:unos |un par de |\w+ )?minutos? mas\b",
                    r"\bme esta llevando mas\b|\bmas de lo (?:previsto|esperado)\b")
# HO-7 / DN-11: reasons that put the technician's time before the customer's.
SELFISH_HOLD_REASON = _rx(r"\botra llamada\b", r"\botro cliente\b", r"\bcafe\b", r"\bdescanso\b",
                          r"\bcomer\b|\balmorzar\b|\bdesayun", r"\bpersonal\b", r"\bbano\b", r"\bfumar\b",
                          r"\bmovil\b", r"\bcompaner[oa] me llama\b")
# TR-2: explaining a transfer.
TRANSFER_TALK = _rx(r"\btransf(?:er|ier)", r"\bpasar(?:le)? (?:su |la )?llamada\b", r"\ble (?:paso|pasare|voy a pasar) con\b",
                    r"\ble (?:comunico|pongo en contacto|conecto|voy a comunicar|voy a poner en contacto) con\b",
                    r"\bderivar\b", r"\bpasarle con\b", r"\ble (?:pase|ponga|pongo|comunique) con\b")
TRANSFER_PURPOSE = _rx(r"\bpara que\b", r"\bporque\b", r"\bque es (?:especialista|experto|quien|el responsable)",
                       r"\bespecialista\b", r"\bnivel (?:dos|2|tres|3)\b", r"\bsegundo nivel\b",
                       r"\bdepartamento de\b", r"\bequipo de\b", r"\bes quien (?:lleva|gestiona|puede)\b")
# TR-1: purposes that show the transfer was necessary / was not.
NECESSARY_PURPOSE = _rx(r"\bnivel (?:dos|2|tres|3)\b", r"\bsegundo nivel\b", r"\bespecialista\b", r"\bexpert",
                        r"\bdepartamento\b", r"\bfacturacion\b", r"\bredes\b", r"\bservidor", r"\bpermisos\b",
                        r"\ba peticion\b|\bsolicit[ao]\b|\blo pide\b|\bpidio\b", r"\bcomercial\b|\bgarantia\b",
                        r"\bno tengo (?:acceso|permisos)\b", r"\bsin acceso\b", r"\bsolo (?:puede|pueden)\b")
UNNECESSARY_PURPOSE = _rx(r"\bfin de (?:mi )?turno\b", r"\bme voy\b", r"\btermina mi turno\b", r"\bdescanso\b",
                          r"\bno me apetece\b", r"\bno tengo tiempo\b", r"\bno me corresponde\b", r"\bno es mi problema\b",
                          r"\bcomer\b|\balmorzar\b")
# PO-5: the customer asks for a supervisor.
SUPERVISOR_REQUEST = _rx(
    r"\b(?:quiero|exijo|deseo|necesito|quisiera) (?:hablar|que me (?:pase|atienda)) (?:con )?(?:su|el|la|un|una) (?:supervisor|supervisora|jefe|jefa|encargad[oa]|responsable|superior)",
    r"\bpaseme con (?:su|el|la|un|una) (?:supervisor|supervisora|jefe|jefa|encargad[oa]|responsable|superior)",
)
SUPERVISOR_OFFER = _rx(
    r"\b(?:le paso|le pongo|le comunico|le transfiero|puedo pasarle|voy a pasarle|aviso a|consulto con|hablo con|que le llame|le llamara) (?:con )?(?:mi |el |la |un |una )?(?:supervisor|supervisora|jefe|jefa|responsable)",
)
# DN-8: distraction.
DISTRACTION = _rx(r"\b(?:estaba|estoy) distraid", r"\bno le (?:estaba|he estado) (?:escuchando|atendiendo)",
                  r"¿que me (?:decia|estaba diciendo)\?", r"\bperdone,? ¿?me (?:lo )?repite",
                  r"\bme he despistado\b")
# DN-8: the customer notices the technician is not there.
CUSTOMER_NOTICES_ABSENCE = _rx(r"¿(?:sigue|esta) (?:usted )?ahi\?", r"¿hola\? ¿", r"¿me esta escuchando\?")
# DN-9: personal calls while with a customer.
PERSONAL_CALL = _rx(r"\bes mi (?:madre|padre|mujer|marido|hij[oa]|novi[oa]|herman[oa]|pareja|mama|papa)\b",
                    r"\bllamada personal\b", r"\btengo que (?:cogerlo|coger (?:esto|el movil|el telefono))",
                    r"\bme estan llamando al movil\b", r"\b(?:hola|dime),? (?:mama|papa|carino|cari)\b")
# DN-10: chatting with coworkers about other things.
COWORKER_CHAT = _rx(r"\(a (?:un|una|su) compan", r"\bel partido de (?:anoche|ayer|hoy)\b",
                    r"¿(?:vas|vienes|vamos) (?:a |al )(?:comer|almorzar|cafe|desayunar|partido|cine)",
                    r"\b(?:oye|oiga),? (?:pepe|juan|ana|luis|marta|maria|carlos|laura)\b.{0,40}¿")
# PT-4: carrying the last call's frustration.
CARRIED_FRUSTRATION = _rx(r"\b(?:la|el) (?:llamada|cliente) anterior\b", r"\bvaya dia (?:llevo|tengo)\b",
                          r"\bestoy hart[oa]\b", r"\bllevo todo el dia con\b", r"\botro (?:mas )?con lo mismo\b",
                          r"\bya van \w+ llamadas\b")
# PT-3: bringing the conversation back to the problem.
REFOCUS = _rx(r"\bvolviendo a(?:l)?\b", r"\bretomando\b", r"\bcentremonos\b", r"\ben cuanto al?\b",
              r"\brespecto al?\b", r"\bsobre (?:el|su) (?:problema|equipo|ordenador|impresora|correo)\b",
              r"\bpara (?:poder )?(?:resolver|solucionar) (?:su|el)\b", r"\bvamos con (?:el|su)\b")
# AL-6: the information goes into the work order.
RECORDING = _rx(r"\bsolicitud\b", r"\bincidencia\b", r"\bticket\b", r"\bnumero de (?:caso|referencia|solicitud)\b",
                r"\b(?:lo |le )?(?:anoto|apunto|registro|dejo registrado|dejo anotado)\b", r"\bqueda registrad")
# NT-2: sharing expert knowledge.
EXPLANATION = _rx(r"\bporque\b", r"\b(?:entonces|pues|ahi) (?:es|esta) (?:eso|el problema|la causa)\b", r"\bes un (?:problema|fallo|error|aviso) (?:de|del)\b",
                  r"\b(?:habia|ha) (?:caducado|expirado|cambiado|fallado|cambiado)\b",
                  r"\bestaba (?:activad|desactivad|llen|bloquead|apagad|mal|suelt|floj)", r"\besto (?:vuelve a|hace que|sirve para|crea|permite)\b",
                  r"\bque se (?:borro|estropeo|perdio|cambio|desconfiguro|lleno|bloqueo)\b", r"\bdebido a\b", r"\bse debe a\b", r"\bla causa\b", r"\besto (?:pasa|ocurre|sucede)\b",
                  r"\bpara (?:evitar|que no)\b", r"\ble recomiendo\b", r"\bconsejo\b", r"\ble explico\b",
                  r"\basi (?:podra|evitara)\b", r"\bla proxima vez\b", r"\bsuele (?:pasar|ocurrir)\b",
                  r"\bpor eso\b", r"\bguia\b")
# NT-3: asking for credentials in writing.
CREDENTIAL_REQUEST = _rx(
    r"\b(?:envie|enviame|envieme|mande|mandeme|digame|escriba|escribame|indique|indiqueme|paseme|facilite|facilitenos|facilitarme|enviarme|pasarme|escribirme|indicarme|dar(?:me)?)\b[^.?!]{0,40}\b(?:contrasena|clave|password|pin)\b",
)
# NT-4: the customer's own mistakes, and reproaches for them.
CUSTOMER_SLIP = _rx(r"\bme equivoque\b", r"\berror mio\b", r"\bse me olvido\b", r"\b(?:perdon|disculpe|disculpa),? (?:envie|adjunte|puse|escribi)\b",
                    r"\badjunte (?:el|otro) (?:archivo|fichero) (?:equivocado|incorrecto)", r"\bno era ese\b")
REPROACH = _rx(r"\bcomo (?:ya )?le (?:dije|indique|explique|escribi)\b", r"\bya se lo (?:dije|explique|indique)\b",
               r"\bdeberia (?:haber|leer|fijarse)\b", r"\blea (?:bien|con atencion)\b", r"\bfijese (?:bien|mejor)\b",
               r"\botra vez (?:mal|lo mismo)\b", r"\bno es tan dificil\b")
# NT-5: opening and closing a written message.
WRITTEN_GREETING = _rx(r"^\W*(?:buen(?:os|as) (?:dias|tardes|noches)|hola|estimad[oa]|saludos|bienvenid)",
                       r"^\W*(?:senor|senora|sr|sra|don|dona)\b")
WRITTEN_CLOSING = _rx(r"\bsaludos\b", r"\bun saludo\b", r"\batentamente\b", r"\bcordialmente\b",
                      r"\bquedo a (?:su )?disposicion\b", r"\bgracias\b", r"\bque tenga (?:un )?buen",
                      r"\bhasta (?:luego|pronto)\b", r"\bfeliz (?:dia|tarde)\b")
TRUNCATED = re.compile(r"(?:\.\.\.|…|—|-)\s*$")
