"""What needs tell the rest of Skala, without knowing who listens."""

from django.dispatch import Signal

# Sent once the transaction that published a need has committed; argument: need_id.
need_published = Signal()
