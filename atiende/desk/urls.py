"""The desk's pages: the start page, work orders, customers, the satisfaction survey.

Paths are Spanish (the product's language); names are English, in the ``desk:`` namespace
(``desk:work_order_detail``); ``atiende/urls.py`` includes them at the site's root, next to the
shell's own pages (``web:login`` ...).
"""

from django.urls import path

from atiende.desk.views import callbacks, composer, customers, home, surveys, work_orders

app_name = "desk"

urlpatterns = [
    path("", home.home, name="home"),
    path("solicitudes/", work_orders.work_order_list, name="work_order_list"),
    path("solicitudes/nueva/", work_orders.work_order_create, name="work_order_create"),
    path("solicitudes/abrir/", work_orders.portal_request_create, name="portal_request_create"),
    path("solicitudes/<int:number>/", work_orders.work_order_detail, name="work_order_detail"),
    path("solicitudes/<int:number>/editar/", work_orders.work_order_edit, name="work_order_edit"),
    path("solicitudes/<int:number>/fase/", work_orders.work_order_phase, name="work_order_phase"),
    path("solicitudes/<int:number>/contacto-de-cierre/", work_orders.work_order_closing_contact,
         name="work_order_closing_contact"),
    path("solicitudes/<int:number>/preguntas/", work_orders.work_order_question_add,
         name="work_order_question_add"),
    path("solicitudes/<int:number>/preguntas/<int:pk>/respuesta/", work_orders.work_order_question_answer,
         name="work_order_question_answer"),
    path("solicitudes/<int:number>/llamenme/", callbacks.work_order_callback, name="work_order_callback"),
    path("solicitudes/<int:number>/compromisos/", work_orders.work_order_commitment_add,
         name="work_order_commitment_add"),
    path("solicitudes/<int:number>/compromisos/<int:pk>/", work_orders.work_order_commitment_resolve,
         name="work_order_commitment_resolve"),
    path("solicitudes/<int:number>/adjuntos/", work_orders.work_order_attachment_add,
         name="work_order_attachment_add"),
    path("solicitudes/<int:number>/adjuntos/<int:pk>/", work_orders.work_order_attachment_download,
         name="work_order_attachment_download"),
    path("solicitudes/<int:number>/adjuntos/<int:pk>/eliminar/", work_orders.work_order_attachment_delete,
         name="work_order_attachment_delete"),
    path("solicitudes/<int:number>/adjuntos/<int:pk>/interno/", work_orders.work_order_attachment_internal,
         name="work_order_attachment_internal"),
    path("solicitudes/<int:number>/mensajes/", composer.work_order_message_add, name="work_order_message_add"),
    path("clientes/", customers.customer_list, name="customer_list"),
    path("clientes/nuevo/", customers.customer_create, name="customer_create"),
    path("clientes/elegir/", customers.customer_options, name="customer_options"),
    path("clientes/<int:pk>/", customers.customer_detail, name="customer_detail"),
    path("clientes/<int:pk>/editar/", customers.customer_edit, name="customer_edit"),
    path("encuesta/<str:token>/", surveys.survey, name="survey"),
]
