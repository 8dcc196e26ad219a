from django.contrib import admin

from atiende.chat.models import ChatSession, ChatWidget


@admin.register(ChatWidget)
class ChatWidgetAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "queue", "enabled", "offline_behaviour")
    list_filter = ("enabled", "offline_behaviour")
    search_fields = ("key", "name")


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    # The token's hash is never shown; the conversation is the work order's.
    list_display = ("id", "customer_name", "widget", "state", "created_at", "ended_at")
    list_filter = ("state", "widget")
    search_fields = ("customer_name", "customer_email")
    readonly_fields = ("widget", "contact", "work_order", "customer", "customer_name", "customer_email", "language",
                       "state", "origin", "customer_read_id", "technician_read_id", "pending_transfer", "created_at",
                       "last_customer_activity", "ended_at", "ended_by", "transcript_sent_at")
    exclude = ("token_hash",)

    def has_add_permission(self, request: object) -> bool:
        return False
