"""What procedures tell the rest of Skala, without knowing who listens."""

from django.dispatch import Signal

# Sent once an import that created notices has committed; argument: notice_ids (new ones only).
notices_imported = Signal()
