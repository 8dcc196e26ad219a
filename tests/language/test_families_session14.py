"""Session 14 (issue 23): the families rounds twenty and twenty-one missed in drafts, each with wordings of its
own (none is an evaluation row), and what must stay clean beside each."""

import pytest

from tests.language.reading import rules, traits


@pytest.mark.parametrize(("draft", "rule"), [
    # DN-1: a trifle named by a noun or a diminutive "de nada"; "no tiene mayor misterio"; done "hasta" by a
    # relative; "no es tan difícil" + what the customer has to do.
    ("Bah, eso son pamplinas.", "DN-1"),
    ("Es una cosilla de nada, ya verá.", "DN-1"),
    ("Esto no tiene gran misterio.", "DN-1"),
    ("Eso lo configura hasta mi nieta.", "DN-1"),
    ("No es nada complicado hacerlo, de verdad.", "DN-1"),
    # DN-3: counting the times said, "I only do my job", busy with something else.
    ("Ya son cuatro veces que le explico lo mismo.", "DN-3"),
    ("Yo solamente cumplo con mi trabajo, señora.", "DN-3"),
    ("Aguarde, que ando con otro cliente.", "DN-3"),
    # DN-4: a fault conjectured with "habrá", the counterfactual reproach.
    ("Habrá tocado usted algún cable que no debía.", "DN-4"),
    ("Si hubiese leído el manual, no le pasaría esto.", "DN-4"),
    # DN-5: places said to be backward, "muy de" a group, the accent.
    ("En el campo siguen muy atrasados con internet.", "DN-5"),
    ("Eso es típico de viejos, no se preocupe.", "DN-5"),
    ("Con ese acento suyo no se le entiende nada.", "DN-5"),
    # DN-7: not knowing "de" a subject, "para que hasta usted lo entienda", "a ver si así lo capta", not
    # understanding what is said to them, "no sé cómo no lo ve".
    ("Tú de ordenadores no sabes nada, ¿verdad?", "DN-7"),
    ("Se lo pongo fácil para que hasta usted lo entienda.", "DN-7"),
    ("A ver si así lo capta.", "DN-7"),
    ("No entiende nada de lo que le explico.", "DN-7"),
    ("No sé cómo no lo encuentra, está en la portada.", "DN-7"),
    # DN-13: a colleague or a team, and a verdict: backwards, a careless worker, slow, false information,
    # the wrong thing, forgetting.
    ("La compañera de la tarde lo hace todo al revés.", "DN-13"),
    ("Los del almacén son unos vagos, perdone.", "DN-13"),
    ("Ese agente le dio información errónea.", "DN-13"),
    ("El repartidor se olvidó de dejarle el aviso.", "DN-13"),
    ("En facturación son lentísimos con estas cosas.", "DN-13"),
    # PT-1: no way to do it, a refusal by a service verb, what the plan does not include.
    ("No tenemos manera de comprobarlo desde aquí.", "PT-1"),
    ("No aceptamos devoluciones de productos abiertos.", "PT-1"),
    ("Su tarifa no contempla llamadas internacionales.", "PT-1"),
    # PT-2: a compensation beyond policy.
    ("Les bonificamos los tres meses enteros.", "PT-2"),
    ("Le compensamos con todo el año gratis.", "PT-2"),
    # NT-7: telling the customer to hang up or leave.
    ("Cuelgue usted si quiere, yo no tengo prisa.", "NT-7"),
    # NT-6: "e" for "he".
    ("Ya e hablado con el técnico.", "NT-6"),
    # DN-2: an acronym no term names, for a basic customer; "chacho" and kin as a form of address.
    ("Mire si el ONT tiene alguna luz roja.", "DN-2"),
    ("Hay que cambiar el SFP del equipo.", "DN-2"),
    ("Tranquila, chacha, que ya casi está.", "DN-2"),
])
def test_the_family_is_found_in_new_wording(draft, rule):
    assert rule in rules(draft)


@pytest.mark.parametrize("draft", [
    "No es tan difícil como parece, y le acompaño en cada paso.",
    "Es un ratito de nada y vuelve a funcionar.",
    "Si hubiera algún problema, no dude en llamarnos.",
    "La tarifa de mayores tiene descuento.",
    "Ese plan es de jóvenes menores de 26 años.",
    "Para que lo entienda mejor, le mando un dibujo.",
    "No sé por qué no lo ve; vamos a revisar la configuración.",
    "El técnico que le visitó dejó el informe en su cuenta.",
    "La técnica de la mañana es nueva y le atenderá encantada.",
    "Los de sistemas dicen que los servidores van lentos hoy.",
    "Le abonamos la diferencia en la próxima factura.",
    "Le devolvemos todos los documentos firmados.",
    "Si quiere, cuelgue y le llamo yo en cinco minutos.",
    "Padre e hijo tienen la línea a su nombre.",
    "Le pido el DNI y el PIN de la tarjeta.",
    "Le mando el PDF por SMS.",
    "Gracias por su paciencia; en dos minutos vuelvo con usted.",
])
def test_a_plain_draft_beside_the_family_stays_clean(draft):
    assert rules(draft) == set()


def test_an_unknown_acronym_is_fine_for_an_intermediate_customer():
    assert "DN-2" not in rules("Mire si el ONT tiene alguna luz roja.", level="intermedio")


def test_policy_refusal_with_an_alternative_is_not_pt1():
    assert "PT-1" not in rules("No tenemos forma de verlo desde aquí, pero si me manda una foto lo reviso ahora.")


@pytest.mark.parametrize(("message", "trait"), [
    # CT-ENF: an expletive of exasperation, "me colmaron", "ya vale", the minutes waited.
    ("¡Me cago en todo! Llevo una semana sin teléfono fijo.", "CT-ENF"),
    ("Ya me colmaron con tanta llamada comercial.", "CT-ENF"),
    ("Es la quinta vez que escribo y me contesta un robot, ya vale.", "CT-ENF"),
    ("Cuarenta minutos esperando para nada, joder.", "CT-ENF"),
    # CT-DES: ironic praise before the complaint, contempt in new words, the technician who did nothing.
    ("Felicidades, han logrado que el router se reinicie solo cada hora.", "CT-DES"),
    ("Genial lo suyo: tres semanas para mandar un cargador.", "CT-DES"),
    ("Qué técnicos tan eficientes tienen: vino, miró y se fue.", "CT-DES"),
    ("Su aplicación da risa, se cierra sola.", "CT-DES"),
    ("¿Qué tipo de servicio es este, que nadie contesta?", "CT-DES"),
    ("El señor que vino se fue sin revisar nada.", "CT-DES"),
    # CT-INX: unable to tell what happened after a step.
    ("Pulsé lo que me dijo pero no me fijé si salió algo.", "CT-INX"),
    # CT-LOC: a neighbour's word about the technician, a relative remembered, a relative's studies.
    ("Mi comadre me contó que usted es la más amable de todos, ella siempre llama aquí.", "CT-LOC"),
    ("Mi esposo, que en paz descanse, era el que arreglaba todo en casa, ¿sabe? Era muy mañoso.", "CT-LOC"),
    # CT-ENT: a first-person check naming what was checked; device vocabulary.
    ("Flasheé el firmware y el bootloader sigue en bucle.", "CT-ENT"),
    ("Revisé los logs del router y el kernel reinicia la interfaz cada hora.", "CT-ENT"),
])
def test_the_trait_family_is_found_in_new_wording(message, trait):
    assert trait in traits(message)


@pytest.mark.parametrize("message", [
    "Ya vale, ya funciona, muchas gracias.",
    "Enhorabuena, han conseguido que funcione.",
    "Me da pena molestarle, es una consulta rápida.",
    "Anoche me llegó un mensaje raro al correo diciendo que gané un premio.",
    "Por favor, revise el cable de la entrada.",
    # Stories and sayings addressed to nobody (issue 23: a trait needs words addressed to a person in a support
    # exchange): no chatter, no anger.
    "Mi abuela decía que el que madruga encuentra todo cerrado.",
    "Mi suegra dice que el vino alegra el corazón.",
    "Joder con la vida, qué cosas tiene.",
])
def test_no_trait_beside_the_family(message):
    assert traits(message) == set()
