"""Demo help articles and canned answers for `atiende demo`, so /ayuda/, search and the picker are alive on first run.

They answer the demo's own work orders (a laptop that does not start, a printer that
jams, the mail password, the classroom wifi, failing backups...), in Spanish, with two in
English. Public ones form the help center; internal ones are for the staff. Loading twice
changes nothing.
"""

from __future__ import annotations

from atiende.knowledge import articles, canned
from atiende.knowledge.models import Article, CannedAnswer
from atiende.people.models import User
from atiende.people.roles import ADMINS, role_filter

# (title, category, public, language, body: paragraphs separated by a blank line)
ARTICLES = [
    ("El portátil no enciende: qué revisar", "Equipos", True, "es",
     "Conecte el cargador y compruebe que la luz del cargador o del portátil se enciende.\n\n"
     "Si se enciende una luz naranja un momento y luego nada, mantenga pulsado el botón de encendido "
     "treinta segundos con el cargador desconectado y vuelva a probar con el cargador puesto.\n\n"
     "Si sigue sin encender, no lo abra: llámenos y díganos qué luces ve al pulsar el botón."),
    ("La impresora atasca el papel", "Impresoras", True, "es",
     "Apague la impresora antes de tocar nada dentro.\n\n"
     "Abra la bandeja y la tapa trasera y tire del papel atascado despacio, con las dos manos, en el "
     "sentido en que avanza el papel. Compruebe que no queda ningún trozo.\n\n"
     "Use papel seco y sin arrugas, y no llene la bandeja por encima de la marca."),
    ("No puedo imprimir desde Word", "Impresoras", True, "es",
     "Compruebe en Archivo > Imprimir que la impresora elegida es la suya y que no está en pausa.\n\n"
     "Pruebe a imprimir una página de prueba desde la configuración de impresoras de Windows. Si esa "
     "página sale, el problema está en el documento: guárdelo como PDF e imprima el PDF.\n\n"
     "Si no sale nada, reinicie el equipo y la impresora, y abra una solicitud con el mensaje de error."),
    ("He olvidado la contraseña del correo", "Cuentas", True, "es",
     "Entre en la página de acceso al correo y pulse «¿Ha olvidado su contraseña?». Le enviaremos un "
     "enlace al teléfono o al correo de recuperación que nos dio.\n\n"
     "La nueva contraseña debe tener al menos doce caracteres. No la comparta con nadie: el equipo de "
     "soporte nunca se la pedirá.\n\n"
     "Si no recibe el enlace en diez minutos, llámenos y la cambiaremos con usted por teléfono."),
    ("El wifi se corta cada pocos minutos", "Redes", True, "es",
     "Compruebe si se corta solo en un equipo o en todos. Si es solo uno, olvide la red wifi en ese "
     "equipo y vuelva a conectarse con la contraseña.\n\n"
     "Si se corta en todos, apague el router treinta segundos y vuelva a encenderlo. Anote a qué horas "
     "se corta: nos ayuda a encontrar interferencias.\n\n"
     "Si el aula tiene muchos equipos conectados a la vez, avísenos: puede hacer falta otro punto de acceso."),
    ("La caja registradora no imprime tickets", "Impresoras", True, "es",
     "Compruebe que queda rollo de papel térmico y que está puesto con la cara brillante hacia el cabezal.\n\n"
     "Apague la caja, revise que el cable de la impresora de tickets está bien conectado y vuelva a "
     "encenderla.\n\n"
     "Si el ticket sale en blanco, el rollo está del revés o no es papel térmico."),
    ("Copias de seguridad que fallan: diagnóstico", "Servidores", False, "es",
     "Revise el informe de la última copia en el servidor: el error suele decir si falta espacio, si el "
     "disco externo no estaba conectado o si un archivo estaba bloqueado.\n\n"
     "Disco lleno: borre las copias más antiguas según la política del cliente, nunca la última buena.\n\n"
     "Disco no encontrado: compruebe el cable y la letra de unidad, y haga una copia manual antes de cerrar "
     "la solicitud. Confirme con el cliente al día siguiente que la copia nocturna terminó bien."),
    ("Servidor lento: primeros pasos", "Servidores", False, "es",
     "Mire la carga del procesador, la memoria libre y el espacio en disco antes de reiniciar nada.\n\n"
     "Un disco casi lleno o una copia de seguridad en marcha en horario de consulta explican la mayoría "
     "de los casos. Anote lo que vea en la solicitud.\n\n"
     "No reinicie un servidor con usuarios trabajando sin avisar antes al cliente y acordar la hora."),
    ("Renovación de licencias del antivirus", "Programas", False, "es",
     "Compruebe en la consola del antivirus cuántos puestos tiene el cliente y cuándo caducan.\n\n"
     "Pida el presupuesto con el número exacto de puestos y confirme la compra por escrito con quien "
     "decide en la empresa, no solo con quien llama."),
    ("My laptop will not turn on", "Equipos", True, "en",
     "Plug in the charger and check that its light, or the laptop's, comes on.\n\n"
     "If an orange light flashes briefly and then nothing happens, hold the power button for thirty "
     "seconds with the charger unplugged, then try again with the charger in.\n\n"
     "If it still does not start, do not open it: call us and tell us which lights you see."),
    ("I forgot my e-mail password", "Cuentas", True, "en",
     "On the mail sign-in page choose «Forgot your password?». We will send a link to the recovery phone "
     "or e-mail address you gave us.\n\n"
     "The new password needs at least twelve characters. Never share it: the support team will never ask "
     "for it."),
]

# (title, body, plain body for customers of basic knowledge level, language)
CANNED = [
    ("Saludo y número de solicitud",
     "Buenos días, {cliente}. Soy {tecnico}, del servicio de soporte. Hemos registrado su consulta con el "
     "número {numero}; le iremos informando por este medio.",
     "", "es"),
    ("Pedir una captura del mensaje de error",
     "{cliente}, para avanzar con la solicitud {numero} necesitamos ver el mensaje de error completo. "
     "¿Podría enviarnos una captura de pantalla cuando vuelva a aparecer?",
     "{cliente}, para ayudarle necesitamos ver el aviso que sale en la pantalla. Cuando vuelva a salir, "
     "¿podría hacerle una foto con el móvil y enviárnosla?",
     "es"),
    ("Reiniciar el router",
     "{cliente}, le propongo apagar el router treinta segundos y volver a encenderlo. Después, compruebe si "
     "la conexión vuelve en todos los equipos y díganos qué ve.",
     "{cliente}, le propongo apagar el aparato de internet (el router, la caja con luces) treinta segundos "
     "y volver a encenderlo. Después, díganos si ya puede navegar.",
     "es"),
    ("Cambio de contraseña hecho",
     "{cliente}, ya hemos cambiado la contraseña de su correo. Al entrar, el sistema le pedirá una nueva: "
     "elija una de al menos doce caracteres y no la comparta. Cerramos la solicitud {numero} cuando nos "
     "confirme que puede entrar.",
     "", "es"),
    ("Confirmar la solución antes de cerrar",
     "{cliente}, creemos que el problema de la solicitud {numero} está resuelto. ¿Puede confirmarnos que "
     "todo funciona bien? Si es así, la cerraremos; si no, seguimos con ella.",
     "", "es"),
    ("Greeting and request number",
     "Good morning, {cliente}. This is {tecnico} from the support team. Your request is number {numero}; "
     "we will keep you informed here.",
     "", "en"),
]


def load_knowledge_demo() -> None:
    """Create the demo articles and canned answers once (through the services: versions, checks and index)."""
    author = User.objects.filter(role_filter(ADMINS), is_active=True).order_by("pk").first()
    if author is None:
        return
    if not Article.objects.filter(title=ARTICLES[0][0]).exists():
        for title, category, public, language, body in ARTICLES:
            articles.create_article(actor=author, title=title, body=body, language=language, category=category,
                                    public=public)
    if not CannedAnswer.objects.filter(title=CANNED[0][0]).exists():
        for title, body, plain, language in CANNED:
            canned.create_canned_answer(actor=author, title=title, body=body, plain_body=plain, language=language)
